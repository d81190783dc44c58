/*
 * parked.c - a target whose threads wait in known places, for thread dumps (attach, threads).
 *
 * usage: parked [-t TICK_MS] [-U] A B C
 *   A threads wait in park_sleep (nanosleep, 10 s at a time), B in park_pipe (read of a pipe
 *   nobody writes), C in park_cond (pthread_cond_wait on a condition nobody signals); each
 *   kind reaches its place through one call chain, so the threads of a kind have identical
 *   stacks. The main thread prints "ready pid=N threads=T" once all of them wait, then
 *   "tick N" every TICK_MS (default 50) until killed, so a test sees the process go on.
 *   -U makes the process undumpable (prctl PR_SET_DUMPABLE 0): only CAP_SYS_PTRACE may trace it.
 * Output uses write(2) only.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sys/prctl.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "ledger.h"

static int pipefd[2];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t never = PTHREAD_COND_INITIALIZER;
static pthread_cond_t arrived_cv = PTHREAD_COND_INITIALIZER;
static int arrived;

static void arrive(void)
{
    pthread_mutex_lock(&lock);
    arrived++;
    pthread_cond_broadcast(&arrived_cv);
    pthread_mutex_unlock(&lock);
}

__attribute__((noinline)) static void park_sleep(void)
{
    arrive();
    for (;;) {
        struct timespec ts = {10, 0};
        nanosleep(&ts, NULL);
    }
}

__attribute__((noinline)) static void park_pipe(void)
{
    char c;
    arrive();
    for (;;)
        if (read(pipefd[0], &c, 1) <= 0)
            pause();
}

__attribute__((noinline)) static void park_cond(void)
{
    pthread_mutex_lock(&lock);
    arrived++;
    pthread_cond_broadcast(&arrived_cv);
    for (;;)
        pthread_cond_wait(&never, &lock);
}

__attribute__((noinline)) static void *worker(void *kind)
{
    switch ((long)kind) {
    case 0: park_sleep(); break;
    case 1: park_pipe(); break;
    default: park_cond(); break;
    }
    return NULL;
}

int main(int argc, char **argv)
{
    long tick_ms = 50;
    int opt;
    while ((opt = getopt(argc, argv, "t:U")) != -1) {
        if (opt == 't')
            tick_ms = atol(optarg);
        else if (opt == 'U')
            prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
        else
            return 2;
    }
    if (argc - optind != 3) {
        say_to(2, "usage: parked [-t TICK_MS] [-U] A B C\n");
        return 2;
    }
    if (pipe(pipefd) != 0)
        return 1;
    int total = 0;
    for (long kind = 0; kind < 3; kind++) {
        int n = atoi(argv[optind + kind]);
        for (int i = 0; i < n; i++, total++) {
            pthread_t t;
            pthread_attr_t attr;
            pthread_attr_init(&attr);
            pthread_attr_setstacksize(&attr, 256 * 1024);
            if (pthread_create(&t, &attr, worker, (void *)kind) != 0)
                return 1;
            pthread_attr_destroy(&attr);
        }
    }
    pthread_mutex_lock(&lock);
    while (arrived < total)
        pthread_cond_wait(&arrived_cv, &lock);
    pthread_mutex_unlock(&lock);
    /* the condition waiters hold the lock only between their waits: let the last one settle */
    usleep(20000);
    say("ready pid=%d threads=%d\n", (int)getpid(), total + 1);
    for (long n = 1;; n++) {
        struct timespec ts = {tick_ms / 1000, (tick_ms % 1000) * 1000000};
        nanosleep(&ts, NULL);
        say("tick %ld\n", n);
    }
}
