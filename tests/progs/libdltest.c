/*
 * libdltest.c - a shared object that tests/progs/dlopener loads with dlopen(3).
 *
 * dltest_leak() leaks COUNT blocks of SIZE bytes (alternating malloc and calloc) from
 * inside this library, so a report must show a site with a frame in this library's
 * function. Its constructor allocates and frees, at dlopen time.
 */
#include <stdlib.h>
#include <string.h>

static void *volatile sink;

__attribute__((constructor)) static void dltest_init(void)
{
    char *p = malloc(123);
    if (p) {
        memset(p, 0, 123);
        sink = p;
        free(p);
    }
}

__attribute__((noinline, visibility("default"))) unsigned long dltest_leak(unsigned count,
                                                                            unsigned long size)
{
    unsigned long total = 0;
    for (unsigned i = 0; i < count; i++) {
        char *p = (i & 1) ? calloc(1, size) : malloc(size);
        if (!p)
            return 0;
        memset(p, (int)i, size);
        sink = p;
        total += size;
    }
    return total;
}
