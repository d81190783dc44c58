/*
 * dlopener.c - loads a shared object with dlopen(3) and calls a function that leaks.
 *
 * usage: dlopener PATH/TO/libdltest.so
 *
 * Calls dltest_leak(COUNT, SIZE) from the library (never dlclose'd, so its frames can
 * still be symbolized when the report is made) and prints the bytes it leaked, for
 * the test to find on a site whose frames include dltest_leak. dlopen allocates on its
 * own, so no total is exact here. Output uses write(2) only.
 */
#define _GNU_SOURCE
#include <dlfcn.h>

#include "ledger.h"

#define COUNT 40
#define SIZE 2500

int main(int argc, char **argv)
{
    if (argc != 2) {
        say_to(2, "usage: dlopener LIBRARY\n");
        return 2;
    }
    void *lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        say_to(2, "dlopener: %s\n", dlerror());
        return 2;
    }
    unsigned long (*leak)(unsigned, unsigned long);
    *(void **)&leak = dlsym(lib, "dltest_leak");
    if (!leak) {
        say_to(2, "dlopener: dltest_leak not found\n");
        return 2;
    }
    unsigned long got = leak(COUNT, SIZE);
    say_to(1, "dlopener: leaked %lu bytes\n", got);
    say_to(1, "expect_site function=dltest_leak alloc_calls=%d live_bytes=%lu live_blocks=%d\n",
           COUNT, got, COUNT);
    return got == (unsigned long)COUNT * SIZE ? 0 : 1;
}
