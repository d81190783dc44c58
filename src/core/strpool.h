/* strpool.h — interned strings: each distinct string stored once, equal strings the same pointer. */
#ifndef MEMLENS_CORE_STRPOOL_H
#define MEMLENS_CORE_STRPOOL_H

#include <stddef.h>

struct strpool;

struct strpool *strpool_new(void);
void strpool_free(struct strpool *p);
/* The pool's copy of s[0..len), cut at a NUL inside; valid until strpool_free. */
const char *strpool_intern_n(struct strpool *p, const char *s, size_t len);
const char *strpool_intern(struct strpool *p, const char *s);

#endif
