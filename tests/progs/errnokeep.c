/*
 * errnokeep.c - the allocator must leave errno alone on success (glibc guarantees it for
 * free; programs rely on `close(fd); free(buf); return errno;`). Runs many allocations
 * from many call sites, new stacks and threads included, checking errno around each.
 * Exits 0 when errno never changed, 1 (with the first offence on stderr) otherwise.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int bad;

static void offence(const char *what, int want)
{
    if (!bad)
        fprintf(stderr, "errnokeep: errno changed by %s: %d, expected %d\n", what, errno, want);
    bad = 1;
}

__attribute__((noinline)) static void *site(int depth, size_t n)
{
    if (depth > 0)
        return site(depth - 1, n + 1);
    errno = 4321;
    void *p = malloc(n);
    if (errno != 4321)
        offence("malloc", 4321);
    errno = 77;
    p = realloc(p, n * 3);
    if (errno != 77)
        offence("realloc", 77);
    return p;
}

static void *worker(void *arg)
{
    for (int i = 0; i < 20000; i++) {
        void *p = site(i % 37, (size_t)(16 + i % 500));
        errno = 1234;
        free(p);
        if (errno != 1234)
            offence("free", 1234);
        errno = 99;
        void *q = calloc(3, 40);
        if (errno != 99)
            offence("calloc", 99);
        errno = 5;
        free(q);
        if (errno != 5)
            offence("free", 5);
    }
    return arg;
}

int main(void)
{
    worker(NULL);
    pthread_t t;
    if (pthread_create(&t, NULL, worker, NULL) != 0)
        return 2;
    worker(NULL);
    pthread_join(t, NULL);
    puts(bad ? "errnokeep: errno changed" : "errnokeep: errno kept");
    return bad;
}
