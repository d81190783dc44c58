/* log.h — memlens's own messages: kept for the TUI's Log view, copied to a file (--log) and, when no TUI owns the
 * terminal, to stderr. */
#ifndef MEMLENS_CORE_LOG_H
#define MEMLENS_CORE_LOG_H

#include <stddef.h>
#include <stdint.h>

enum log_level {
	LOG_ERROR,
	LOG_WARN,
	LOG_INFO,
	LOG_DEBUG, /* kept only with -v */
};

struct log_line {
	int64_t wall_ns; /* CLOCK_REALTIME */
	enum log_level level;
	char text[240];
};

#define LOG_KEEP 1000 /* lines kept in memory; the file keeps everything */

/* Append every message to path as well (created 0600 if new). 0 or -errno. */
int log_open_file(const char *path);
void log_close(void);
/* While on, messages are also printed to stderr as "memlens: text" (no TUI running). */
void log_to_stderr(int on);
void log_set_verbose(int on);
int log_verbose(void);

void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Lines kept, oldest first; log_total() counts every line ever logged (it tells a reader
 * that new lines came). */
size_t log_count(void);
const struct log_line *log_get(size_t i);
uint64_t log_total(void);

#endif
