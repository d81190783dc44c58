/*
 * copier.c - copies where a program should not: a large buffer copied while the original is
 * still live (duplicate-buffers), and a stream of short-lived blocks of one size (churn).
 *
 * usage: copier [-s SECONDS]   (default 10)
 *
 * Every 100 ms load_frame() allocates a 2 MiB frame and keep_copy() copies it into a new
 * 2 MiB buffer; both stay live for 300 ms (three frames and three copies at any time), then
 * the oldest of each is freed. Meanwhile, between frames, encode_packet() allocates a 4 KiB
 * scratch block, fills it and frees it, 200 times every 100 ms (2 000 a second). Prints
 * "copier: frames=N packets=M" at the end.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ledger.h"

#define FRAME (2u << 20)
#define KEEP 3
#define PACKET 4096

__attribute__((noinline)) static char *load_frame(unsigned n)
{
    char *f = malloc(FRAME);
    if (!f)
        _exit(4);
    memset(f, (int)n, FRAME);
    return f;
}

__attribute__((noinline)) static char *keep_copy(const char *frame)
{
    char *c = malloc(FRAME);
    if (!c)
        _exit(4);
    memcpy(c, frame, FRAME);
    return c;
}

__attribute__((noinline)) static unsigned encode_packet(unsigned n)
{
    unsigned char *p = malloc(PACKET);
    if (!p)
        _exit(4);
    memset(p, (int)n, PACKET);
    unsigned sum = p[n % PACKET];
    sink = p;
    free(p);
    return sum;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    double seconds = 10;
    int opt;
    while ((opt = getopt(argc, argv, "s:")) != -1) {
        if (opt == 's')
            seconds = atof(optarg);
        else
            return 2;
    }
    char *frames[KEEP] = {0}, *copies[KEEP] = {0};
    unsigned n = 0, packets = 0, sum = 0;
    struct timespec tick = {0, 500000}; /* 0.5 ms: 200 packets a frame */
    double end = now_s() + seconds;
    while (now_s() < end) {
        unsigned slot = n % KEEP;
        free(frames[slot]);
        free(copies[slot]);
        frames[slot] = load_frame(n);
        copies[slot] = keep_copy(frames[slot]);
        for (int i = 0; i < 200; i++, packets++) {
            sum += encode_packet(packets);
            nanosleep(&tick, NULL);
        }
        n++;
    }
    say("copier: frames=%u packets=%u sum=%u\n", n, packets, sum);
    return 0;
}
