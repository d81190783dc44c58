/* util.h — inspector helpers: allocation that never fails (fatal instead), size/duration parsing and formatting. */
#ifndef MEMLENS_CORE_UTIL_H
#define MEMLENS_CORE_UTIL_H

#include <stddef.h>
#include <stdint.h>

void *xmalloc(size_t size);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *ptr, size_t size);
char *xstrdup(const char *s);

/* Print "memlens: <message>" and exit with EXIT_INTERNAL, after running the
 * registered cleanup (the TUI restores the terminal there). */
void fatal(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
void util_set_fatal_cleanup(void (*cleanup)(void));

/* "512MiB", "1.5GB", "4096", "64k" -> bytes. 0 on success, -1 on a malformed value. */
int util_parse_size(const char *s, uint64_t *out);
/* "10s", "5m", "250ms", "1h", "2" (seconds) -> nanoseconds. 0 or -1. */
int util_parse_duration(const char *s, uint64_t *out_ns);

/* Human-readable forms into buf (returned): "1.5 MiB", "12 B"; "1.25 s", "3m20s". */
char *util_fmt_bytes(char *buf, size_t len, double bytes);
char *util_fmt_count(char *buf, size_t len, uint64_t n); /* 1,234,567 */

uint64_t util_now_ns(void); /* CLOCK_MONOTONIC */

/* 1 when path names something other than a regular file (/dev/null, a FIFO, /dev/stdout):
 * writers that go through a temporary file and rename must open such a path in place
 * instead, or they replace the device with a file. */
int util_is_special(const char *path);

#endif
