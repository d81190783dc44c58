/*
 * exact.c - a target whose heap and mmap figures are known exactly; it prints them.
 *
 * Every allocator entry point memlens interposes is called at least once, with the
 * edge cases (realloc(NULL, n), realloc(p, 0), shrink and grow, malloc(0), free(NULL)).
 * The program keeps its own ledger of what it asked for and prints it at the end as
 * "expect ..." lines, which tests/shell/exact_totals.sh compares with memlens's JSON.
 *
 * Counting conventions the ledger follows (valgrind's, see tests/README.md):
 *   - realloc(NULL, n) is one allocation of n bytes;
 *   - realloc(p, n) with p and n non-zero is one allocation of n bytes and one free of p;
 *   - realloc(p, 0) that returns NULL (glibc) is one free and no allocation;
 *   - reallocarray follows realloc with n = nmemb * size;
 *   - free(NULL) is not a free;
 *   - sizes are the sizes asked for, never the allocator's rounded-up block size.
 * The peak is reached by one large malloc while nothing is being reallocated, so it
 * does not depend on whether a realloc is seen as "free then allocate" or the reverse.
 *
 * Nothing here may allocate behind the ledger's back: output is written with write(2)
 * from a stack buffer (snprintf with plain conversions does not allocate in glibc), and
 * no stdio stream is ever used.
 *
 * usage: exact [no-pvalloc]   (the argument leaves out pvalloc, which valgrind rejects)
 */
#define _GNU_SOURCE
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ledger.h"

static void die(const char *what)
{
    say("exact: FAILED: %s\n", what);
    _exit(1);
}

static void *got(void *p, size_t n)
{
    if (!p)
        die("allocation returned NULL");
    if (n)
        memset(p, 0xa5, n);
    sink = p;
    return p;
}

static void *do_malloc(size_t n)
{
    void *p = got(malloc(n), n);
    note_alloc(n);
    return p;
}

static void do_free(void *p, size_t n)
{
    sink = p;
    free(p);
    note_free(n);
}

static void *do_realloc(void *p, size_t old, size_t n)
{
    void *q = realloc(p, n);
    if (p)
        note_free(old);
    if (n == 0 && !q)
        return NULL; /* glibc: realloc(p, 0) frees p and returns NULL */
    note_alloc(n);
    return got(q, n);
}

/* The known leak: a site of its own, checked by function name and line in the test. */
__attribute__((noinline)) static void leak_here(int count, size_t n)
{
    for (int i = 0; i < count; i++) {
        got(malloc(n), n); /* the leak site: tests look for this line */
        note_alloc(n);
    }
}

__attribute__((noinline)) static void aligned_family(int with_pvalloc)
{
    void *e = NULL;
    if (posix_memalign(&e, 64, 1000) != 0)
        die("posix_memalign");
    got(e, 1000);
    note_alloc(1000);
    if ((uintptr_t)e % 64)
        die("posix_memalign alignment");

    void *f = got(aligned_alloc(256, 512), 512);
    note_alloc(512);
    void *g = got(memalign(32, 700), 700);
    note_alloc(700);
    void *h = got(valloc(3000), 3000);
    note_alloc(3000);
    void *i = NULL;
    if (with_pvalloc) { /* valgrind 3.19 aborts on pvalloc: "exact no-pvalloc" for it */
        i = got(pvalloc(8192), 8192); /* a page multiple: no rounding question */
        note_alloc(8192);
    }
    if ((uintptr_t)f % 256 || (uintptr_t)g % 32 || (uintptr_t)h % 4096 || (uintptr_t)i % 4096)
        die("alignment");

    do_free(e, 1000);
    do_free(f, 512);
    do_free(g, 700);
    if (i)
        do_free(i, 8192);
    /* h (valloc, 3000 bytes) is leaked on purpose */
}

__attribute__((noinline)) static void realloc_family(void)
{
    char *c = do_realloc(NULL, 0, 50); /* realloc(NULL, n) == malloc(n) */
    c = do_realloc(c, 50, 5000);        /* grow */
    c = do_realloc(c, 5000, 20);        /* shrink */

    void *d = got(reallocarray(NULL, 7, 11), 77);
    note_alloc(77);
    void *d2 = reallocarray(d, 9, 13);
    note_free(77);
    note_alloc(117);
    got(d2, 117);
    if (do_realloc(d2, 117, 0) != NULL) /* realloc(p, 0): a free */
        die("realloc(p, 0) did not return NULL (not glibc?)");

    do_free(c, 20);
}

__attribute__((noinline)) static void mmap_family(void)
{
    size_t pg = 4096;
    char *a = mmap(NULL, 16 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *b = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *c = mmap(NULL, 3 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (a == MAP_FAILED || b == MAP_FAILED || c == MAP_FAILED)
        die("mmap");
    a[0] = b[0] = c[0] = 1;
    L.mmap_calls += 3;
    L.bytes_mapped += 21 * pg;
    L.mapped_live += 21 * pg;
    L.live_regions += 3;

    if (munmap(a, 16 * pg))
        die("munmap");
    L.unmaps++;
    L.mapped_live -= 16 * pg;
    L.live_regions--;

    /* mremap = one unmap of the old region and one mapping of the new (like realloc) */
    char *b2 = mremap(b, 2 * pg, 8 * pg, MREMAP_MAYMOVE);
    if (b2 == MAP_FAILED)
        die("mremap");
    b2[8 * pg - 1] = 2;
    L.unmaps++;
    L.mmap_calls++;
    L.bytes_mapped += 8 * pg;
    L.mapped_live += 8 * pg - 2 * pg;
    /* b2 (8 pages) and c (3 pages) stay mapped */
}

int main(int argc, char **argv)
{
    int with_pvalloc = !(argc > 1 && strcmp(argv[1], "no-pvalloc") == 0);

    char *a = do_malloc(100);
    char *b = got(calloc(10, 30), 300);
    note_alloc(300);
    char *z = do_malloc(0); /* a real, distinct block of 0 bytes */

    realloc_family();
    aligned_family(with_pvalloc);

    free(NULL); /* not a free */

    /* the peak: everything above plus 1 MiB (glibc serves this with mmap internally) */
    char *big = do_malloc(1 << 20);
    do_free(big, 1 << 20);

    /* many short-lived blocks of varied sizes, well below the peak */
    for (int i = 0; i < 1000; i++) {
        size_t n = (size_t)(i * 37 % 200) + 1;
        do_free(do_malloc(n), n);
    }

    leak_here(5, 1234);
    do_free(b, 300);
    do_free(z, 0);
    mmap_family();
    /* a (100 bytes) is leaked on purpose */
    sink = a;

    say("exact: done\n");
    say_expect(1, WITH_PEAK);
    say("expect_mmap calls=%lu unmaps=%lu bytes_mapped=%lu live_bytes=%lu live_regions=%lu\n",
        L.mmap_calls, L.unmaps, L.bytes_mapped, L.mapped_live, L.live_regions);
    say("expect_site function=leak_here alloc_calls=5 live_bytes=%d live_blocks=5\n", 5 * 1234);
    return 0;
}
