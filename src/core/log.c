/* log.c — a bounded ring of memlens's own messages, mirrored to a log file and (headless) to stderr. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"

static struct log_line ring[LOG_KEEP];
static uint64_t total;
static int file_fd = -1, to_stderr, verbose;

static const char *const level_names[] = {"error", "warning", "info", "debug"};

int log_open_file(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	log_close();
	file_fd = fd;
	return 0;
}

void log_close(void)
{
	if (file_fd >= 0)
		close(file_fd);
	file_fd = -1;
}

void log_to_stderr(int on)
{
	to_stderr = on;
}

void log_set_verbose(int on)
{
	verbose = on;
}

int log_verbose(void)
{
	return verbose;
}

/* One line to the file: "2026-11-21 21:40:03.123 info: text". */
static void write_file(const struct log_line *l)
{
	char stamp[32], line[sizeof l->text + 64];
	time_t sec = (time_t)(l->wall_ns / 1000000000);
	struct tm tm;
	localtime_r(&sec, &tm);
	strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S", &tm);
	int n = snprintf(line, sizeof line, "%s.%03d %s: %s\n", stamp, (int)(l->wall_ns / 1000000 % 1000),
	                 level_names[l->level], l->text);
	if (n > 0 && write(file_fd, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1) < 0)
		return; /* a full disk does not stop the inspector */
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	if (level == LOG_DEBUG && !verbose)
		return;
	struct log_line *l = &ring[total % LOG_KEEP];
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	l->wall_ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	l->level = level;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(l->text, sizeof l->text, fmt, ap);
	va_end(ap);
	for (char *c = l->text; *c; c++) /* one message, one line */
		if (*c == '\n' || *c == '\r' || *c == '\t')
			*c = ' ';
	total++;
	if (file_fd >= 0)
		write_file(l);
	if (to_stderr)
		fprintf(stderr, "memlens: %s\n", l->text);
}

size_t log_count(void)
{
	return total < LOG_KEEP ? (size_t)total : LOG_KEEP;
}

const struct log_line *log_get(size_t i)
{
	if (i >= log_count())
		return NULL;
	uint64_t first = total - log_count();
	return &ring[(first + i) % LOG_KEEP];
}

uint64_t log_total(void)
{
	return total;
}
