/* series.c — multi-level ring buffers that keep hours of samples in bounded memory. */
#include "config.h"

#include <math.h>
#include <stdlib.h>

#include "core/series.h"
#include "core/util.h"

struct ring {
	struct sample *v;
	size_t head, len; /* oldest at head */
};

struct series {
	size_t per_level;
	int levels;
	struct ring *ring; /* ring[0] newest, finest */
};

struct series *series_new(size_t per_level, int levels)
{
	struct series *s = xcalloc(1, sizeof *s);
	s->per_level = per_level < 2 ? 2 : per_level;
	s->levels = levels < 1 ? 1 : levels;
	s->ring = xcalloc((size_t)s->levels, sizeof *s->ring);
	for (int i = 0; i < s->levels; i++)
		s->ring[i].v = xcalloc(s->per_level, sizeof(struct sample));
	return s;
}

void series_free(struct series *s)
{
	if (!s)
		return;
	for (int i = 0; i < s->levels; i++)
		free(s->ring[i].v);
	free(s->ring);
	free(s);
}

#define MAX(a, b) ((a) > (b) ? (a) : (b))

static void merge(struct sample *into, const struct sample *later)
{
	into->t = later->t;
	into->rss = MAX(into->rss, later->rss);
	into->rss_anon = MAX(into->rss_anon, later->rss_anon);
	into->hwm = MAX(into->hwm, later->hwm);
	into->vmsize = MAX(into->vmsize, later->vmsize);
	into->threads = MAX(into->threads, later->threads);
	into->heap_live = MAX(into->heap_live, later->heap_live);
	into->mmap_live = MAX(into->mmap_live, later->mmap_live);
	into->heap_calls = later->heap_calls;
	into->heap_frees = later->heap_frees;
	into->heap_bytes = later->heap_bytes;
}

static struct sample *ring_at(const struct series *s, const struct ring *r, size_t i)
{
	return &r->v[(r->head + i) % s->per_level];
}

static struct sample ring_pop(const struct series *s, struct ring *r)
{
	struct sample x = r->v[r->head];
	r->head = (r->head + 1) % s->per_level;
	r->len--;
	return x;
}

/* Push into level k; a full level hands its two oldest, merged, to level k+1. */
static void push_level(struct series *s, int k, const struct sample *x)
{
	struct ring *r = &s->ring[k];
	if (r->len == s->per_level) {
		struct sample a = ring_pop(s, r);
		struct sample b = ring_pop(s, r);
		merge(&a, &b);
		if (k + 1 < s->levels)
			push_level(s, k + 1, &a);
	}
	*ring_at(s, r, r->len) = *x;
	r->len++;
}

void series_push(struct series *s, const struct sample *x)
{
	push_level(s, 0, x);
}

size_t series_count(const struct series *s)
{
	size_t n = 0;
	for (int i = 0; i < s->levels; i++)
		n += s->ring[i].len;
	return n;
}

const struct sample *series_get(const struct series *s, size_t i)
{
	for (int k = s->levels - 1; k >= 0; k--) {
		const struct ring *r = &s->ring[k];
		if (i < r->len)
			return ring_at(s, r, i);
		i -= r->len;
	}
	return NULL;
}

const struct sample *series_last(const struct series *s)
{
	size_t n = series_count(s);
	return n ? series_get(s, n - 1) : NULL;
}

size_t series_memory(const struct series *s)
{
	return sizeof *s + (size_t)s->levels * (sizeof(struct ring) + s->per_level * sizeof(struct sample));
}

static int field_is_rate(enum series_field f)
{
	return f == SERIES_ALLOC_RATE || f == SERIES_FREE_RATE || f == SERIES_ALLOC_BYTES_RATE;
}

/* A gauge's level, or a rate's cumulative counter. */
static double field_value(const struct sample *x, enum series_field f)
{
	switch (f) {
	case SERIES_RSS: return (double)x->rss;
	case SERIES_HEAP_LIVE: return (double)x->heap_live;
	case SERIES_MMAP_LIVE: return (double)x->mmap_live;
	case SERIES_THREADS: return (double)x->threads;
	case SERIES_ALLOC_RATE: return (double)x->heap_calls;
	case SERIES_FREE_RATE: return (double)x->heap_frees;
	case SERIES_ALLOC_BYTES_RATE: return (double)x->heap_bytes;
	}
	return 0;
}

/* Index of the first sample at or after t (series_count when none). */
static size_t first_at(const struct series *s, double t)
{
	size_t lo = 0, hi = series_count(s);
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (series_get(s, mid)->t < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

void series_resample(const struct series *s, enum series_field f, double t0, double t1, double *out, size_t n)
{
	size_t count = series_count(s), i = first_at(s, t0);
	int rate = field_is_rate(f);
	double width = n ? (t1 - t0) / (double)n : 0;
	/* the last sample before the bucket: a gauge's carried level, a rate's baseline */
	const struct sample *base = i > 0 ? series_get(s, i - 1) : NULL;
	double carry = base && !rate ? field_value(base, f) : NAN;
	for (size_t k = 0; k < n; k++) {
		double end = k + 1 == n ? t1 : t0 + width * (double)(k + 1);
		const struct sample *last = NULL;
		double peak = -INFINITY;
		for (; i < count; i++) {
			const struct sample *x = series_get(s, i);
			if (x->t >= end && k + 1 < n)
				break;
			if (x->t > t1)
				break;
			last = x;
			if (field_value(x, f) > peak)
				peak = field_value(x, f);
		}
		if (last && !rate) {
			carry = peak;
		} else if (last && base && last->t > base->t) {
			double d = field_value(last, f) - field_value(base, f);
			carry = d > 0 ? d / (last->t - base->t) : 0;
		}
		if (last)
			base = last;
		out[k] = carry;
	}
}
