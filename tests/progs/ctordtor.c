/*
 * ctordtor.c - allocations before main and after it: .preinit_array, constructors,
 * atexit handlers and destructors.
 *
 * A .preinit_array function runs before any shared library's initialiser, so its
 * malloc reaches an LD_PRELOAD agent before the agent's own constructor has run. Each
 * stage leaks a block of its own size from a function of its own (preinit_alloc 1111,
 * ctor_alloc 2222, atexit_alloc 3333, dtor_alloc 4444 bytes) and also allocates and
 * frees. The destructor, the last of these to run, prints the "expect" line with the
 * totals of every stage; main prints one line of its own. Output uses write(2) only.
 *
 * usage: ctordtor [no-preinit]   (the argument leaves the .preinit_array stage out)
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "ledger.h"

#define FILL 0x11 /* the byte every counted block is filled with */

/* One stage: a leaked block of `leak` bytes, plus a grown-then-freed temporary. */
static void stage(size_t leak)
{
    counted_malloc(leak, FILL);
    char *t = counted_malloc(10, FILL);
    char *u = realloc(t, 5000);
    if (!u)
        _exit(4);
    note_free(10);    /* realloc = free of the old block ... */
    note_alloc(5000); /* ... and a new one */
    counted_free(u, 5000);
}

/* The empty asm after the call keeps it from becoming a tail call (a jump), which
 * would leave the stage's function out of the call stack. */
#define STAGE_FUNCTION(name, leak)                                                                 \
    __attribute__((noinline)) static void name(void)                                              \
    {                                                                                              \
        stage(leak);                                                                               \
        __asm__ volatile("" ::: "memory");                                                         \
    }
STAGE_FUNCTION(preinit_alloc, 1111)
STAGE_FUNCTION(ctor_alloc, 2222)
STAGE_FUNCTION(atexit_alloc, 3333)
STAGE_FUNCTION(dtor_alloc, 4444)

static void run_preinit(int argc, char **argv, char **envp)
{
    (void)envp;
    if (!(argc > 1 && strcmp(argv[1], "no-preinit") == 0))
        preinit_alloc();
}
__attribute__((section(".preinit_array"), used)) static void (*const preinit_hook)(int, char **,
                                                                                   char **) = run_preinit;

static void at_exit(void) { atexit_alloc(); }

__attribute__((constructor)) static void on_load(void)
{
    ctor_alloc();
    atexit(at_exit);
}

__attribute__((destructor)) static void on_unload(void)
{
    dtor_alloc();
    say_expect(1, WITHOUT_PEAK);
}

int main(void)
{
    counted_free(counted_malloc(777, FILL), 777);
    say("ctordtor: main ran after %lu allocations\n", L.alloc_calls);
    return 0;
}
