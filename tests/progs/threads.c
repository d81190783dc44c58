/*
 * threads.c - eight threads churn the heap at the same time; each knows its own figures.
 *
 * usage: threads [ITERS_PER_THREAD]   (default 20000)
 *
 * The workers start together on a barrier and replace blocks in a ring of their own
 * (malloc, calloc, realloc grow/shrink, free), from a PRNG seeded by the thread index,
 * so every figure is a pure function of the index. At the end each worker hands half
 * of its ring to the main thread, which frees those blocks (frees from another thread),
 * and leaks the other half. The main thread prints one line per worker with the figures
 * the worker made itself, and its own; tids are printed so a test can match the lines
 * with memlens's per-thread report (strip "tid=N" to compare two runs' output).
 *
 * Per-thread conventions: a realloc(p, n) by a thread is one allocation and one free by
 * that thread; a thread's live_bytes are the bytes it allocated that are still live,
 * whoever frees them. Output uses write(2) only: stdio would allocate.
 * (pthread_create itself allocates in glibc, in the creating thread: the TLS vector.)
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ledger.h"

#define NWORKERS 8
#define RING 64

struct worker {
    int index;
    long tid;
    unsigned long iters;
    uint64_t rng;
    void *ring[RING];
    size_t size[RING];
    unsigned long alloc_calls, frees, bytes_allocated, live_bytes;
    uint64_t checksum;
    void *handed[RING / 2]; /* blocks the main thread frees */
    size_t handed_size[RING / 2];
};

static struct worker workers[NWORKERS];
static pthread_barrier_t start_line;

static uint64_t next(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 0x2545F4914F6CDD1DULL;
}

static void noted(struct worker *w, void *p, size_t n)
{
    if (!p)
        abort();
    memset(p, w->index, n);
    w->checksum += n * (uint64_t)(w->index + 1);
    w->alloc_calls++;
    w->bytes_allocated += n;
    w->live_bytes += n;
}

static void replace_slot(struct worker *w, int slot)
{
    uint64_t r = next(&w->rng);
    size_t n = 1 + (size_t)(r >> 20) % 3000;
    unsigned op = (unsigned)(r % 10);
    void *old = w->ring[slot];

    if (old && op == 0) { /* realloc, grow or shrink */
        w->checksum += ((unsigned char *)old)[0];
        void *q = realloc(old, n);
        w->frees++;
        w->live_bytes -= w->size[slot];
        noted(w, q, n);
        w->ring[slot] = q;
        w->size[slot] = n;
        return;
    }
    if (old) {
        w->checksum += ((unsigned char *)old)[w->size[slot] - 1];
        free(old);
        w->frees++;
        w->live_bytes -= w->size[slot];
    }
    void *p = op < 3 ? calloc(1, n) : malloc(n);
    noted(w, p, n);
    w->ring[slot] = p;
    w->size[slot] = n;
}

static void *work(void *arg)
{
    struct worker *w = arg;
    w->tid = (long)syscall(SYS_gettid);
    pthread_barrier_wait(&start_line);
    for (unsigned long i = 0; i < w->iters; i++)
        replace_slot(w, (int)(next(&w->rng) % RING));
    for (int i = 0; i < RING; i++) { /* fill empty slots so the hand-over is exact */
        if (!w->ring[i])
            replace_slot(w, i);
    }
    for (int i = 0; i < RING / 2; i++) {
        w->handed[i] = w->ring[i];
        w->handed_size[i] = w->size[i];
        w->ring[i] = NULL;
    }
    /* ring[RING/2 ..] stays allocated: this worker's leak */
    return NULL;
}

/* Every pthread_create call is made here, so threads' "created_by" stacks show it. */
__attribute__((noinline)) static int spawn_workers(pthread_t *tids, unsigned long iters)
{
    for (int i = 0; i < NWORKERS; i++) {
        workers[i].index = i;
        workers[i].iters = iters;
        workers[i].rng = 0x9E3779B97F4A7C15ULL * (uint64_t)(i + 1);
        if (pthread_create(&tids[i], NULL, work, &workers[i]) != 0)
            return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    unsigned long iters = argc > 1 ? strtoul(argv[1], NULL, 10) : 20000;
    pthread_t tids[NWORKERS];
    unsigned long main_allocs = 0, main_frees = 0, main_bytes = 0;

    /* the main thread's own allocation, before and while the workers run */
    char *mine = malloc(4000);
    if (!mine)
        return 1;
    memset(mine, 7, 4000);
    main_allocs++;
    main_bytes += 4000;

    if (pthread_barrier_init(&start_line, NULL, NWORKERS + 1) != 0)
        return 1;
    if (spawn_workers(tids, iters) != 0)
        return 1;
    pthread_barrier_wait(&start_line);
    for (int i = 0; i < NWORKERS; i++)
        pthread_join(tids[i], NULL);

    uint64_t checksum = 0;
    unsigned long sum_allocs = 0;
    for (int i = 0; i < NWORKERS; i++) {
        struct worker *w = &workers[i];
        for (int k = 0; k < RING / 2; k++) { /* cross-thread frees */
            sink = w->handed[k];
            free(w->handed[k]);
            main_frees++;
            w->live_bytes -= w->handed_size[k];
        }
        checksum += w->checksum;
        sum_allocs += w->alloc_calls;
    }
    free(mine);
    main_frees++;

    for (int i = 0; i < NWORKERS; i++) {
        struct worker *w = &workers[i];
        say("thread index=%d tid=%ld alloc_calls=%lu frees=%lu bytes_allocated=%lu "
            "live_bytes=%lu checksum=%llu\n",
            w->index, w->tid, w->alloc_calls, w->frees, w->bytes_allocated, w->live_bytes,
            (unsigned long long)w->checksum);
    }
    say("main tid=%ld own_alloc_calls=%lu own_frees=%lu own_bytes_allocated=%lu\n",
        (long)getpid(), main_allocs, main_frees, main_bytes);
    say("threads: workers=%d iters=%lu worker_alloc_calls=%lu checksum=%llu\n", NWORKERS, iters,
        sum_allocs, (unsigned long long)checksum);
    return 0;
}
