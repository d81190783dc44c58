/*
 * threadleak.c - starts a thread every INTERVAL and never joins it: the thread count keeps
 * growing (a "goroutine leak"), for the thread-growth heuristic.
 *
 * usage: threadleak [-s SECONDS] [-i INTERVAL_MS] [-m MAX]
 *   -s SECONDS      run that long, then exit 0 (default 20)
 *   -i INTERVAL_MS  start a thread every INTERVAL_MS (default 200)
 *   -m MAX          start at most MAX threads (default 500)
 *
 * Every thread is started from spawn_worker(), allocates a 1 KiB block it keeps, and then
 * waits forever on a condition nobody signals. Prints "threadleak: started N" at the end.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ledger.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t never = PTHREAD_COND_INITIALIZER;

static void *worker(void *arg)
{
    char *mine = malloc(1024);
    if (!mine)
        _exit(4);
    memset(mine, 1, 1024);
    pthread_mutex_lock(&lock);
    for (;;)
        pthread_cond_wait(&never, &lock);
    return arg;
}

__attribute__((noinline)) static int spawn_worker(void)
{
    pthread_t t;
    pthread_attr_t a;
    pthread_attr_init(&a);
    pthread_attr_setstacksize(&a, 64 * 1024);
    int r = pthread_create(&t, &a, worker, NULL);
    pthread_attr_destroy(&a);
    return r;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    double seconds = 20;
    long interval_ms = 200, max = 500, started = 0;
    int opt;
    while ((opt = getopt(argc, argv, "s:i:m:")) != -1) {
        switch (opt) {
        case 's': seconds = atof(optarg); break;
        case 'i': interval_ms = atol(optarg); break;
        case 'm': max = atol(optarg); break;
        default: return 2;
        }
    }
    struct timespec pause = {interval_ms / 1000, (interval_ms % 1000) * 1000000L};
    double end = now_s() + seconds;
    while (now_s() < end) {
        if (started < max && spawn_worker() == 0)
            started++;
        nanosleep(&pause, NULL);
    }
    say("threadleak: started %ld\n", started);
    return 0;
}
