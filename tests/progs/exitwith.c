/*
 * exitwith.c - exits with a given status, or dies of a given signal; allocates nothing.
 *
 * usage: exitwith STATUS        exit(STATUS)
 *        exitwith -k SIGNAL     raise SIGNAL with its default action
 *
 * Used for exit-status pass-through tests, and as the "no allocations at all" baseline
 * that tells what a reference tool (heaptrack) adds to every count by itself.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "-k") == 0) {
        int sig = atoi(argv[2]);
        signal(sig, SIG_DFL);
        raise(sig);
        return 125; /* the signal did not kill us */
    }
    return argc > 1 ? atoi(argv[1]) : 0;
}
