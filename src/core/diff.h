/* diff.h — what grew and shrank between two models (two snapshots), per call site, function or module. */
#ifndef MEMLENS_CORE_DIFF_H
#define MEMLENS_CORE_DIFF_H

#include <stdint.h>
#include <stdio.h>

#include "core/model.h"

enum diff_by {
	DIFF_BY_SITE,     /* the whole symbolized stack */
	DIFF_BY_FUNCTION, /* the function that called the allocator (innermost frame) */
	DIFF_BY_MODULE,   /* the module of that frame */
};

struct diff_opts {
	enum diff_by by;
	const char *filter; /* PCRE2 pattern: only sites with a frame whose function, file or module matches */
	uint64_t min_bytes; /* only rows whose live bytes changed by at least this much (either way) */
};

/* Figures of one row on one side ("live" = not freed at the snapshot; "allocated" = every
 * allocation up to it). */
struct diff_side {
	int64_t live_bytes, live_blocks;
	uint64_t allocs, bytes_alloc;
	uint32_t sites; /* sites of that model folded into the row; 0: absent on that side */
};

struct diff_row {
	const char *label; /* site: innermost frame; function: its name; module: its path */
	uint8_t kind;      /* enum mlr_kind: heap or mmap */
	struct diff_side a, b;
	struct site *site_a; /* a site of each side folded into the row (its stack), or NULL */
	struct site *site_b;
};

struct diff {
	enum diff_by by;
	struct diff_row *rows; /* sorted by growth of live bytes, largest first; shrinkage last */
	size_t nrows;
	struct diff_side total_a, total_b; /* every heap and mmap site, filter or not */
	size_t new_rows, gone_rows;        /* rows only in B, only in A (after filter and --min) */
	struct strpool *keys;
	struct model *model_a, *model_b; /* compared (rows point at their sites): keep them until diff_free */
};

/* Match the sites of a and b by their symbolized frames (so different address-space layouts
 * and rebuilds of the same code still match) and fold them by o->by. 0, or -1 with
 * "bad --filter pattern at offset N: PCRE2's message" in err. */
int diff_compute(struct model *a, struct model *b, const struct diff_opts *o, struct diff *d, char *err, size_t errlen);
void diff_free(struct diff *d);

static inline int64_t diff_live_delta(const struct diff_row *r)
{
	return r->b.live_bytes - r->a.live_bytes;
}

/* The diff as `memlens diff` prints it: totals first, then up to top rows that grew and up
 * to top that shrank. names: the two files (or labels) of a and b. */
void diff_write_text(FILE *out, const struct diff *d, const char *name_a, const char *name_b, int top);
/* doc/diff-json.md */
void diff_write_json(FILE *out, const struct diff *d, const char *name_a, const char *name_b, int top);

#endif
