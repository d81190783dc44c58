/*
 * hoard.c - keeps N small blocks live (a checksum of them is its output); for the test that
 * fills memlens's region and checks that the agent degrades without harming the program.
 *
 * usage: hoard N
 * Prints "hoard: blocks=N checksum=C" using write(2) only, frees everything, exits 0.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 1000;
    if (n < 1)
        return 2;
    /* the table of pointers is mmap'ed: only the hoarded blocks are heap calls */
    unsigned char **keep = mmap(NULL, (size_t)n * sizeof *keep, PROT_READ | PROT_WRITE,
                                MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (keep == MAP_FAILED)
        return 1;
    unsigned long sum = 0;
    for (long i = 0; i < n; i++) {
        keep[i] = malloc(24 + (size_t)(i % 5) * 8);
        if (!keep[i])
            return 1;
        keep[i][0] = (unsigned char)i;
    }
    for (long i = 0; i < n; i++) {
        sum += keep[i][0];
        free(keep[i]);
    }
    char line[96];
    int len = snprintf(line, sizeof line, "hoard: blocks=%ld checksum=%lu\n", n, sum);
    if (write(1, line, (size_t)len) != len)
        return 3;
    return 0;
}
