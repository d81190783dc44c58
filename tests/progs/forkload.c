/*
 * forkload.c - fork while other threads are inside malloc and free.
 *
 * usage: forkload [FORKS]   (default 40)
 *
 * Two threads churn the heap without pause while the main thread forks FORKS children.
 * Each child allocates and frees (the classic deadlock: a lock held by another thread
 * at the moment of fork is never released in the child) and exits 0; grandchildren are
 * not made. A child that has not exited within 10 seconds is killed and counted as hung.
 * Prints a fixed summary, and exits 0 only if every child exited 0.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ledger.h"

static atomic_int stop;

static void *churn(void *arg)
{
    unsigned s = (unsigned)(size_t)arg;
    void *ring[32] = {0};
    while (!atomic_load(&stop)) {
        s = s * 1103515245u + 12345u;
        int k = (int)((s >> 16) % 32);
        free(ring[k]);
        ring[k] = malloc(16 + (s >> 8) % 2000);
        sink = ring[k];
    }
    for (int k = 0; k < 32; k++)
        free(ring[k]);
    return NULL;
}

static int child_work(void)
{
    void *p[16];
    for (int round = 0; round < 100; round++) {
        for (int i = 0; i < 16; i++)
            if (!(p[i] = malloc(32 + (size_t)i * 100)))
                return 2;
        for (int i = 0; i < 16; i++)
            free(p[i]);
    }
    return 0;
}

/* Returns the child's exit status, or -1 if it hung (it is then killed) or died. */
static int reap(pid_t pid)
{
    struct timespec tick = {0, 2 * 1000 * 1000};
    for (int waited = 0; waited < 5000; waited++) { /* 5000 x 2 ms = 10 s */
        int st;
        pid_t r = waitpid(pid, &st, WNOHANG);
        if (r == pid)
            return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
        if (r < 0)
            return -1;
        nanosleep(&tick, NULL);
    }
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    return -1;
}

int main(int argc, char **argv)
{
    int forks = argc > 1 ? atoi(argv[1]) : 40;
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        if (pthread_create(&t[i], NULL, churn, (void *)(size_t)(i + 1)) != 0)
            return 1;

    int ok = 0, failed = 0;
    for (int i = 0; i < forks; i++) {
        struct timespec pause = {0, 1000 * 1000};
        nanosleep(&pause, NULL); /* let the threads get back into the allocator */
        pid_t pid = fork();
        if (pid == 0)
            _exit(child_work());
        if (pid < 0 || reap(pid) != 0)
            failed++;
        else
            ok++;
    }
    atomic_store(&stop, 1);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    say("forkload: forks=%d ok=%d failed=%d\n", forks, ok, failed);
    return failed ? 1 : 0;
}
