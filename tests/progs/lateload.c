/*
 * lateload.c - a target that loads a library with dlopen(3) late, then allocates from it.
 *
 * usage: lateload LIBRARY DELAY_MS TICKS
 *   Ticks every 10 ms ("tick N"); after DELAY_MS it dlopens LIBRARY (tests/progs'
 *   libdltest.so) and prints "loaded", then every tick calls dltest_leak(1, 2500) in it.
 *   Ends after TICKS ticks with "lateload: done leaked=BYTES". A process memlens attached to
 *   before the dlopen shows the library's allocations only if the agent patched the new
 *   module too. Output uses write(2) only.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <time.h>

#include "ledger.h"

int main(int argc, char **argv)
{
    if (argc != 4) {
        say_to(2, "usage: lateload LIBRARY DELAY_MS TICKS\n");
        return 2;
    }
    long delay = atol(argv[2]), ticks = atol(argv[3]);
    unsigned long (*leak)(unsigned, unsigned long) = NULL;
    unsigned long leaked = 0;
    for (long n = 1; n <= ticks; n++) {
        struct timespec ts = {0, 10000000};
        nanosleep(&ts, NULL);
        if (!leak && n * 10 >= delay) {
            void *lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
            if (!lib) {
                say_to(2, "lateload: %s\n", dlerror());
                return 2;
            }
            *(void **)&leak = dlsym(lib, "dltest_leak");
            if (!leak)
                return 2;
            say("loaded\n");
        }
        if (leak)
            leaked += leak(1, 2500);
        say("tick %ld\n", n);
    }
    say("lateload: done leaked=%lu\n", leaked);
    return 0;
}
