/* util.c — inspector helpers: fatal allocation wrappers, size and duration parsing and formatting. */
#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include "cli/exitcodes.h"
#include "core/util.h"

static void (*fatal_cleanup)(void);

void util_set_fatal_cleanup(void (*cleanup)(void))
{
	fatal_cleanup = cleanup;
}

void fatal(const char *fmt, ...)
{
	if (fatal_cleanup)
		fatal_cleanup();
	va_list ap;
	va_start(ap, fmt);
	fputs("memlens: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(EXIT_INTERNAL);
}

void *xmalloc(size_t size)
{
	void *p = malloc(size ? size : 1);
	if (!p)
		fatal("out of memory (%zu bytes)", size);
	return p;
}

void *xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);
	if (!p)
		fatal("out of memory (%zu x %zu bytes)", nmemb, size);
	return p;
}

void *xrealloc(void *ptr, size_t size)
{
	void *p = realloc(ptr, size ? size : 1);
	if (!p)
		fatal("out of memory (%zu bytes)", size);
	return p;
}

char *xstrdup(const char *s)
{
	char *p = strdup(s);
	if (!p)
		fatal("out of memory");
	return p;
}

/* A unit table: suffix (case-insensitive) and its multiplier. */
struct unit {
	const char *suffix;
	double factor;
};

static const struct unit size_units[] = {
        {"", 1},
        {"b", 1},
        {"k", 1024.0},
        {"kib", 1024.0},
        {"kb", 1e3},
        {"m", 1048576.0},
        {"mib", 1048576.0},
        {"mb", 1e6},
        {"g", 1073741824.0},
        {"gib", 1073741824.0},
        {"gb", 1e9},
        {"t", 1099511627776.0},
        {"tib", 1099511627776.0},
        {"tb", 1e12},
};

static const struct unit duration_units[] = {
        {"", 1e9}, {"s", 1e9}, {"ms", 1e6}, {"us", 1e3}, {"ns", 1}, {"m", 60e9}, {"min", 60e9}, {"h", 3600e9},
};

/* Parse "<number><space?><unit>" against a table; the value must be >= 0 and finite. */
static int parse_with_units(const char *s, const struct unit *units, size_t n, double *out)
{
	if (!s)
		return -1;
	while (isspace((unsigned char)*s))
		s++;
	char *end;
	double v = strtod(s, &end);
	if (end == s || !(v >= 0) || v > 1e18)
		return -1;
	while (isspace((unsigned char)*end))
		end++;
	for (size_t i = 0; i < n; i++) {
		if (strcasecmp(end, units[i].suffix) == 0) {
			*out = v * units[i].factor;
			return *out < 1.8e19 ? 0 : -1;
		}
	}
	return -1;
}

int util_parse_size(const char *s, uint64_t *out)
{
	double v;
	if (parse_with_units(s, size_units, sizeof size_units / sizeof size_units[0], &v) != 0)
		return -1;
	*out = (uint64_t)(v + 0.5);
	return 0;
}

int util_parse_duration(const char *s, uint64_t *out_ns)
{
	double v;
	if (parse_with_units(s, duration_units, sizeof duration_units / sizeof duration_units[0], &v) != 0)
		return -1;
	*out_ns = (uint64_t)(v + 0.5);
	return 0;
}

char *util_fmt_bytes(char *buf, size_t len, double bytes)
{
	static const char *const names[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	double v = bytes < 0 ? -bytes : bytes;
	int u = 0;
	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	const char *sign = bytes < 0 ? "-" : "";
	if (u == 0)
		snprintf(buf, len, "%s%.0f B", sign, v);
	else
		snprintf(buf, len, "%s%.1f %s", sign, v, names[u]);
	return buf;
}

char *util_fmt_count(char *buf, size_t len, uint64_t n)
{
	char tmp[32];
	int d = snprintf(tmp, sizeof tmp, "%llu", (unsigned long long)n);
	size_t o = 0;
	for (int i = 0; i < d && o + 1 < len; i++) {
		if (i > 0 && (d - i) % 3 == 0 && o + 2 < len)
			buf[o++] = ',';
		buf[o++] = tmp[i];
	}
	buf[o] = '\0';
	return buf;
}

uint64_t util_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int util_is_special(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && !S_ISREG(st.st_mode);
}
