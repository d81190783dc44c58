/* regex.h — PCRE2 patterns on frames (function, file, module): the filter of diff, the TUI and Lua. */
#ifndef MEMLENS_CORE_REGEX_H
#define MEMLENS_CORE_REGEX_H

#include <stddef.h>

#include "core/symbolize.h"

struct regex;

/* NULL on a bad pattern, with "at offset N: PCRE2's message" in err. */
struct regex *regex_compile(const char *pattern, char *err, size_t errlen);
void regex_free(struct regex *re);
/* 1 when the pattern matches somewhere in s (NULL never matches). */
int regex_match(struct regex *re, const char *s);
/* 1 when it matches a frame's function, file or module path. */
int regex_match_frames(struct regex *re, const struct sym_frame *f, int n);

#endif
