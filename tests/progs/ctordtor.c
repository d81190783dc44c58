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
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static unsigned long allocs, frees, bytes, live_bytes, live_blocks;
static void *volatile sink;

static void say(const char *fmt, ...)
{
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n > 0 && write(1, line, (size_t)n) != n)
        _exit(3);
}

static void *take(size_t n)
{
    void *p = malloc(n);
    if (!p)
        _exit(4);
    memset(p, 0x11, n);
    sink = p;
    allocs++;
    bytes += n;
    live_bytes += n;
    live_blocks++;
    return p;
}

static void give(void *p, size_t n)
{
    free(p);
    frees++;
    live_bytes -= n;
    live_blocks--;
}

/* One stage: a leaked block of `leak` bytes, plus a grown-then-freed temporary. */
static void stage(size_t leak)
{
    take(leak);
    char *t = take(10);
    char *u = realloc(t, 5000);
    if (!u)
        _exit(4);
    frees++, live_bytes -= 10, live_blocks--; /* realloc = free of the old block ... */
    allocs++, bytes += 5000, live_bytes += 5000, live_blocks++; /* ... and a new one */
    give(u, 5000);
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
    say("expect alloc_calls=%lu frees=%lu bytes_allocated=%lu live_bytes=%lu live_blocks=%lu\n",
        allocs, frees, bytes, live_bytes, live_blocks);
}

int main(void)
{
    give(take(777), 777);
    say("ctordtor: main ran after %lu allocations\n", allocs);
    return 0;
}
