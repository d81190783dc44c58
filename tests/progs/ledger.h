/*
 * ledger.h - helpers shared by the target programs in tests/progs (each program is one
 * translation unit that includes this header; everything here is static; C and C++).
 *
 *   say / say_to / vsay_to   formatted output with write(2) from a stack buffer: stdio
 *                            streams would allocate behind the ledger's back (snprintf
 *                            with plain conversions does not allocate in glibc);
 *   sink                     a volatile pointer that keeps the compiler from dropping
 *                            malloc/free pairs;
 *   L, note_alloc, note_free the program's own count of its heap calls, printed as an
 *                            "expect ..." line by say_expect for the tests to compare
 *                            with memlens's report;
 *   counted_malloc/_free     malloc (exit 4 on failure) and free, counted in L.
 *
 * Counting conventions (valgrind's, see tests/README.md): a realloc(p, n) with p and n
 * non-zero is note_free(old size) and note_alloc(n); sizes are the sizes asked for.
 * Nothing here allocates.
 */
#ifndef MEMLENS_TESTS_PROGS_LEDGER_H
#define MEMLENS_TESTS_PROGS_LEDGER_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Keeps the compiler from dropping malloc/free pairs. */
__attribute__((unused)) static void *volatile sink;

/* Formats one line and writes it to fd and, when also >= 0, to also; exits 3 if a write
 * comes up short. Nothing is written for an empty line. */
__attribute__((format(printf, 3, 0))) static inline void vsay_to(int fd, int also, const char *fmt,
                                                                 va_list ap)
{
    char line[512];
    int n = vsnprintf(line, sizeof line, fmt, ap);
    if (n <= 0)
        return;
    if (n >= (int)sizeof line)
        n = (int)sizeof line - 1; /* a longer line is cut, never read past the buffer */
    if (write(fd, line, (size_t)n) != n)
        _exit(3);
    if (also >= 0 && write(also, line, (size_t)n) != n)
        _exit(3);
}

/* say_to(fd, fmt, ...): one formatted line to fd. */
__attribute__((format(printf, 2, 3))) static inline void say_to(int fd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsay_to(fd, -1, fmt, ap);
    va_end(ap);
}

/* say(fmt, ...): one formatted line to stdout. */
__attribute__((format(printf, 1, 2))) static inline void say(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsay_to(1, -1, fmt, ap);
    va_end(ap);
}

/* What the program knows it did to the heap (and, for programs that map memory, to
 * anonymous mappings; the mmap fields are counted by the program itself). */
struct ledger {
    unsigned long alloc_calls, frees, bytes_allocated, live_bytes, live_blocks, peak_live_bytes;
    unsigned long mmap_calls, unmaps, bytes_mapped, mapped_live, live_regions;
};

__attribute__((unused)) static struct ledger L;

static inline void note_alloc(size_t n)
{
    L.alloc_calls++;
    L.live_blocks++;
    L.bytes_allocated += n;
    L.live_bytes += n;
    if (L.live_bytes > L.peak_live_bytes)
        L.peak_live_bytes = L.live_bytes;
}

static inline void note_free(size_t n)
{
    L.frees++;
    L.live_blocks--;
    L.live_bytes -= n;
}

/* malloc(n), exit 4 if it fails; the block is filled with `fill` (each program has its
 * own byte: some check it later) and counted. */
static inline void *counted_malloc(size_t n, int fill)
{
    void *p = malloc(n);
    if (!p)
        _exit(4);
    memset(p, fill, n);
    sink = p;
    note_alloc(n);
    return p;
}

/* free(p) of a block of n bytes, counted. */
static inline void counted_free(void *p, size_t n)
{
    free(p);
    note_free(n);
}

enum expect_fields { WITHOUT_PEAK, WITH_PEAK };

/* Prints the heap ledger to fd as the line the tests read (peak_live_bytes only WITH_PEAK):
 *   expect alloc_calls=N frees=N bytes_allocated=N [peak_live_bytes=N] live_bytes=N
 *   live_blocks=N   (one line) */
static inline void say_expect(int fd, enum expect_fields fields)
{
    if (fields == WITH_PEAK)
        say_to(fd,
               "expect alloc_calls=%lu frees=%lu bytes_allocated=%lu peak_live_bytes=%lu "
               "live_bytes=%lu live_blocks=%lu\n",
               L.alloc_calls, L.frees, L.bytes_allocated, L.peak_live_bytes, L.live_bytes,
               L.live_blocks);
    else
        say_to(fd,
               "expect alloc_calls=%lu frees=%lu bytes_allocated=%lu live_bytes=%lu "
               "live_blocks=%lu\n",
               L.alloc_calls, L.frees, L.bytes_allocated, L.live_bytes, L.live_blocks);
}

#endif
