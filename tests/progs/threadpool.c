/*
 * threadpool.c - a fixed pool of worker threads started at once and kept busy: the thread
 * count stays flat (the case the thread-growth heuristic must leave alone).
 *
 * usage: threadpool [-s SECONDS] [-n THREADS]
 *   -s SECONDS   run that long, then stop and join the workers and exit 0 (default 20)
 *   -n THREADS   workers in the pool (default 8)
 *
 * Each worker allocates and frees a block of 64..4159 bytes every millisecond. Prints
 * "threadpool: joined N" at the end.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#include "ledger.h"

#define MAX_THREADS 256

static atomic_int stop;

static void *worker(void *arg)
{
    unsigned seed = (unsigned)(size_t)arg;
    struct timespec ms = {0, 1000000};
    while (!atomic_load(&stop)) {
        seed = seed * 1103515245u + 12345u;
        char *p = malloc(64 + (seed >> 16) % 4096);
        if (!p)
            _exit(4);
        p[0] = (char)seed;
        sink = p;
        free(p);
        nanosleep(&ms, NULL);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    double seconds = 20;
    long n = 8;
    int opt;
    while ((opt = getopt(argc, argv, "s:n:")) != -1) {
        switch (opt) {
        case 's': seconds = atof(optarg); break;
        case 'n': n = atol(optarg); break;
        default: return 2;
        }
    }
    if (n < 1 || n > MAX_THREADS)
        return 2;
    pthread_t t[MAX_THREADS];
    for (long i = 0; i < n; i++)
        if (pthread_create(&t[i], NULL, worker, (void *)(size_t)(i + 1)) != 0)
            return 5;
    struct timespec run = {(time_t)seconds, (long)((seconds - (double)(time_t)seconds) * 1e9)};
    nanosleep(&run, NULL);
    atomic_store(&stop, 1);
    for (long i = 0; i < n; i++)
        pthread_join(t[i], NULL);
    say("threadpool: joined %ld\n", n);
    return 0;
}
