/*
 * sleeper.c - a long-running target that allocates steadily; for kill and --duration tests.
 *
 * usage: sleeper [-n TICKS] [-i INTERVAL_MS] [-o FILE]
 *   -n TICKS        stop after TICKS ticks (default 100)
 *   -i INTERVAL_MS  sleep between ticks (default 10)
 *   -o FILE         also write every line to FILE (created or truncated)
 *
 * Each tick leaks a 4096-byte block (up to 4096 of them, then the oldest is freed),
 * frees a temporary, and writes "tick N" to stdout (and FILE). At the end it writes
 * "sleeper: done ticks=N" and exits 0. Output uses write(2) only, unbuffered, so
 * whatever was written is in the file even if the process is killed.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ledger.h"

#define KEEP 4096

static void *kept[KEEP];

/* One line to stdout and, when file >= 0, to file too. */
__attribute__((format(printf, 2, 3))) static void emit(int file, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsay_to(1, file, fmt, ap);
    va_end(ap);
}

int main(int argc, char **argv)
{
    long ticks = 100, interval_ms = 10;
    const char *path = NULL;
    int opt;
    while ((opt = getopt(argc, argv, "n:i:o:")) != -1) {
        switch (opt) {
        case 'n': ticks = atol(optarg); break;
        case 'i': interval_ms = atol(optarg); break;
        case 'o': path = optarg; break;
        default: return 2;
        }
    }
    int file = -1;
    if (path && (file = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644)) < 0)
        return 2;

    struct timespec pause = {interval_ms / 1000, (interval_ms % 1000) * 1000000L};
    for (long t = 0; t < ticks; t++) {
        long slot = t % KEEP;
        free(kept[slot]);
        if (!(kept[slot] = malloc(4096)))
            return 4;
        memset(kept[slot], (int)t, 4096);
        char *tmp = malloc(100 + (size_t)(t % 900));
        if (!tmp)
            return 4;
        sink = tmp;
        free(tmp);
        emit(file, "tick %ld\n", t);
        nanosleep(&pause, NULL);
    }
    emit(file, "sleeper: done ticks=%ld\n", ticks);
    return 0;
}
