/*
 * manysites.c - a target with as many distinct allocation stacks as asked for (10^5 by default),
 * for scale tests and benchmarks of everything that walks sites (report, TUI, snapshots, diff).
 *
 * usage: manysites [-n SITES] [-k BLOCKS] [-s SECONDS] [-c]
 *   -n SITES    distinct call stacks to allocate from (default 100000, at most 2^20)
 *   -k BLOCKS   live blocks each stack allocates and keeps (default 1; -n 100000 -k 10 gives
 *               the 10^6 live blocks of the snapshot benchmark)
 *   -s SECONDS  then stay alive that long, idle (default 0: exit at once; -1: until killed)
 *   -c          while staying alive, churn: every 100 ms free and re-allocate 100 blocks
 *
 * Stack i is a chain of 20 calls through two functions, left() and right(), chosen by the
 * bits of i: every i gives a different sequence of return addresses, hence its own site.
 * Each stack allocates one block of 16 + (i % 64) bytes and keeps it live, so every site is
 * in the report's live figures. Prints "manysites: sites=N bytes=B" once all are allocated
 * (write(2), no stdio), then sleeps.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "ledger.h"

#define LEVELS 20

static void **blocks;
static uint64_t total_bytes;
static long per_site = 1;

static void descend(int level, uint32_t bits, uint32_t i);

/* Two distinct callers of descend(); the empty asm after the call keeps it from being a tail
 * call, so each level leaves its own return address on the stack. */
__attribute__((noinline)) static void left(int level, uint32_t bits, uint32_t i)
{
    descend(level - 1, bits >> 1, i);
    __asm__ volatile("");
}

__attribute__((noinline)) static void right(int level, uint32_t bits, uint32_t i)
{
    descend(level - 1, bits >> 1, i);
    __asm__ volatile("");
}

__attribute__((noinline)) static void descend(int level, uint32_t bits, uint32_t i)
{
    if (level == 0) {
        size_t size = 16 + i % 64;
        /* one malloc call for all of this stack's blocks: they share its site; the churn
         * replaces blocks[i], the first, and keeps the others for good */
        for (long k = 0; k < per_site; k++) {
            void *p = malloc(size);
            if (k == 0)
                blocks[i] = p;
            if (p)
                total_bytes += size;
        }
        return;
    }
    if (bits & 1)
        left(level, bits, i);
    else
        right(level, bits, i);
    __asm__ volatile("");
}

static void nap_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

int main(int argc, char **argv)
{
    long sites = 100000, seconds = 0;
    int churn = 0, opt;
    while ((opt = getopt(argc, argv, "n:k:s:c")) != -1) {
        switch (opt) {
        case 'n': sites = atol(optarg); break;
        case 'k': per_site = atol(optarg); break;
        case 's': seconds = atol(optarg); break;
        case 'c': churn = 1; break;
        default: return 2;
        }
    }
    if (per_site < 1 || per_site > 1000) {
        say("manysites: -k must be 1..1000\n");
        return 2;
    }
    if (sites < 1 || sites > (1L << LEVELS)) {
        say("manysites: -n must be 1..%ld\n", 1L << LEVELS);
        return 2;
    }
    blocks = calloc((size_t)sites, sizeof *blocks);
    if (!blocks)
        return 1;
    for (uint32_t i = 0; i < (uint32_t)sites; i++)
        descend(LEVELS, i, i);
    say("manysites: sites=%ld bytes=%llu\n", sites, (unsigned long long)total_bytes);
    for (long tick = 0; seconds < 0 || tick < seconds * 10; tick++) {
        if (churn)
            for (uint32_t k = 0; k < 100; k++) {
                uint32_t i = (uint32_t)((tick * 100 + k) % sites);
                free(blocks[i]);
                blocks[i] = NULL;
                descend(LEVELS, i, i);
            }
        nap_ms(100);
    }
    return 0;
}
