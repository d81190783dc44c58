/*
 * cxxprog.cc - C++ allocation: new/delete, new[]/delete[], std::vector and std::string
 * growth, and exceptions thrown and caught.
 *
 * Every heap call the program causes itself is counted by the program:
 *   - each new / new[] is one operator new call;
 *   - vector and string growth is counted by watching capacity() change (each change
 *     beyond the short-string buffer is one allocation and, after the first, one free);
 *   - each throw of a plain struct is one __cxa_allocate_exception.
 * libstdc++ allocates on its own too (its emergency exception pool, at load time), so
 * the total is printed as a lower bound. Every allocating call stack keeps at least one
 * block live at exit, so that each is among the report's sites by live bytes, and the
 * sites are exact: leak_with_new leaks LEAK_OBJS Widgets and one char[777];
 * new_and_delete news and deletes in a loop but keeps the last Widget and int[] live;
 * thrower's exceptions are freed after the catch, but for the last one, which a leaked
 * std::exception_ptr holds. Output uses write(2) only (iostreams would allocate).
 */
#include <cstring>
#include <exception>
#include <string>
#include <unistd.h>
#include <vector>

#include "ledger.h" /* say() */

namespace {

struct Widget {
    long id;
    char payload[40];
};

struct Oops {
    int code;
};

enum { LEAK_OBJS = 10, NEW_DELETES = 200, THROWS = 100, PUSHES = 5000, APPENDS = 3000 };

unsigned long own_allocs;
Widget *volatile widget_sink;
char *volatile array_sink;
int *volatile int_sink;
std::exception_ptr *volatile exception_sink;
std::vector<long> *volatile vector_sink;
std::string *volatile string_sink;

__attribute__((noinline)) void leak_with_new()
{
    for (int i = 0; i < LEAK_OBJS; i++) {
        widget_sink = new Widget{i, {}};
        own_allocs++;
    }
    array_sink = new char[777];
    std::memset(array_sink, 1, 777);
    own_allocs++;
}

__attribute__((noinline)) long new_and_delete()
{
    long sum = 0;
    for (int i = 0; i < NEW_DELETES; i++) {
        Widget *w = new Widget{i, {}};
        int *a = new int[i + 1];
        a[i] = i;
        sum += w->id + a[i];
        own_allocs += 2;
        if (i == NEW_DELETES - 1) { /* the last pair stays live */
            widget_sink = w;
            int_sink = a;
            break;
        }
        delete w;
        delete[] a;
    }
    return sum;
}

/* The containers themselves are leaked, so their final buffers are live at exit. */
__attribute__((noinline)) long grow_containers()
{
    auto *v = new std::vector<long>;
    auto *s = new std::string;
    own_allocs += 2;
    size_t cap = v->capacity();
    for (long i = 0; i < PUSHES; i++) {
        v->push_back(i);
        if (v->capacity() != cap) {
            cap = v->capacity();
            own_allocs++;
        }
    }
    size_t scap = s->capacity();
    for (int i = 0; i < APPENDS; i++) {
        *s += static_cast<char>('a' + i % 26);
        if (s->capacity() != scap) {
            scap = s->capacity();
            own_allocs++;
        }
    }
    vector_sink = v;
    string_sink = s;
    return v->back() + static_cast<long>(s->size());
}

__attribute__((noinline)) void thrower(int i)
{
    if (i >= 0)
        throw Oops{i};
}

__attribute__((noinline)) long catch_them()
{
    long sum = 0;
    for (int i = 0; i < THROWS; i++) {
        try {
            thrower(i);
        } catch (const Oops &e) {
            sum += e.code;
            if (i == THROWS - 1) { /* keeps the last exception object live */
                exception_sink = new std::exception_ptr(std::current_exception());
                own_allocs++;
            }
        }
        own_allocs++;
    }
    return sum;
}

} // namespace

int main()
{
    leak_with_new();
    long a = new_and_delete();
    long b = grow_containers();
    long c = catch_them();
    say("cxxprog: new/delete sum=%ld containers=%ld caught=%ld\n", a, b, c);
    say("expect_min alloc_calls=%lu\n", own_allocs);
    say("expect_site function=leak_with_new alloc_calls=%d live_bytes=%lu live_blocks=%d\n",
        LEAK_OBJS + 1, LEAK_OBJS * sizeof(Widget) + 777, LEAK_OBJS + 1);
    say("expect_site function=new_and_delete alloc_calls=%d frees=%d live_bytes=%lu "
        "live_blocks=2\n",
        2 * NEW_DELETES, 2 * NEW_DELETES - 2, sizeof(Widget) + NEW_DELETES * sizeof(int));
    say("expect_site function=thrower alloc_calls=%d live_blocks=1\n", THROWS);
    return 0;
}
