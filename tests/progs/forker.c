/*
 * forker.c - fork with and without exec; the children must run exactly as without memlens.
 *
 * usage: forker            run the scenario (the parent)
 *        forker exec-child used by the scenario: the program exec'd in a child
 *
 * The parent allocates, then
 *   1. forks a child that execs this program ("exec-child"): it allocates, reports
 *      whether a memlens agent is still in LD_PRELOAD (it must not be: exec'd programs
 *      are not tracked), and exits 7;
 *   2. forks a child that execs /bin/echo;
 *   3. forks a child that does not exec: it frees and reallocs blocks the parent
 *      allocated before the fork, allocates its own, and exits 42 through exit(), so
 *      atexit handlers and destructors run in the child;
 * and checks every exit status. Only the parent's own heap calls are tracked, so the
 * parent's "expect" line is memlens's whole total. Output uses write(2) only; the
 * parent waits for each child before going on, so the output order is fixed.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ledger.h"

#define FILL 0x5a /* the byte the parent's blocks are filled with, checked after the forks */

/* Waits for pid and returns its exit status, or -1 (with a message) if it did not exit. */
static int wait_status(pid_t pid, const char *who)
{
    int st;
    if (waitpid(pid, &st, 0) != pid) {
        say("forker: waitpid %s failed\n", who);
        return -1;
    }
    if (!WIFEXITED(st)) {
        say("forker: %s did not exit normally (signal %d)\n", who,
            WIFSIGNALED(st) ? WTERMSIG(st) : 0);
        return -1;
    }
    return WEXITSTATUS(st);
}

static int exec_child(void)
{
    const char *pre = getenv("LD_PRELOAD");
    int tracked = pre && strstr(pre, "memlens") != NULL;
    char *p = malloc(1000);
    char *q = realloc(p, 3000);
    if (!q)
        return 5;
    sink = q;
    free(q);
    say("exec-child: agent in LD_PRELOAD: %s\n", tracked ? "yes" : "no");
    return 7;
}

static int check(int got, int want, const char *who)
{
    if (got == want) {
        say("forker: %s exited %d as expected\n", who, got);
        return 0;
    }
    say("forker: %s exited %d, expected %d\n", who, got, want);
    return 1;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "exec-child") == 0)
        return exec_child();

    int bad = 0;
    char *kept = counted_malloc(500, FILL);
    char *given = counted_malloc(700, FILL); /* the no-exec child frees its copy */
    char *grown = counted_malloc(300, FILL); /* ... and reallocs this one */

    pid_t pid = fork();
    if (pid == 0) {
        execl("/proc/self/exe", argv[0], "exec-child", (char *)NULL);
        _exit(126);
    }
    bad |= pid < 0 || check(wait_status(pid, "exec child"), 7, "exec child");

    pid = fork();
    if (pid == 0) {
        execl("/bin/echo", "echo", "echo-child: hello", (char *)NULL);
        _exit(126);
    }
    bad |= pid < 0 || check(wait_status(pid, "echo child"), 0, "echo child");

    pid = fork();
    if (pid == 0) {
        free(given);
        char *g = realloc(grown, 100000);
        char *own = calloc(100, 100);
        if (!g || !own)
            _exit(5);
        memset(g, 1, 100000);
        sink = own;
        free(own);
        free(g);
        exit(42);
    }
    bad |= pid < 0 || check(wait_status(pid, "fork child"), 42, "fork child");

    /* the parent's blocks are untouched by what the child did to its copies */
    if (kept[499] != FILL || given[699] != FILL || grown[299] != FILL) {
        say("forker: parent memory changed\n");
        bad = 1;
    }
    counted_free(given, 700);
    counted_free(grown, 300);
    for (int i = 0; i < 10; i++)
        counted_free(counted_malloc(64 * (size_t)(i + 1), FILL), 64 * (size_t)(i + 1));
    sink = kept; /* leaked */

    say("forker: %s\n", bad ? "FAILED" : "ok");
    say_expect(1, WITHOUT_PEAK);
    return bad;
}
