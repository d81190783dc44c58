/* sitehist.c — per-site history rings that exist only for sites that changed within the window. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/model.h"
#include "core/sitehist.h"
#include "core/util.h"

/* One site's history. Invariant at tick k: the site's figures at every tick of the window
 * [max(born, k-points+1), k] are ring[j % points] when ring is set, else `last`. */
struct hsite {
	struct hist_point *ring; /* owned; NULL while constant over the window */
	uint64_t born;           /* first tick that saw the site */
	uint64_t changed;        /* tick at which `last` first appeared */
	struct hist_point last;
};

struct sitehist {
	double period_s, next_t;
	uint32_t points;
	uint64_t ticks;  /* ticks taken; the latest is ticks - 1 */
	double *tick_t;  /* time of tick j at [j % points] */
	struct hsite *s; /* by site id */
	size_t nsites, cap;
	size_t active; /* sites owning a ring */
};

struct sitehist *sitehist_new(double period_s, uint32_t points)
{
	struct sitehist *h = xcalloc(1, sizeof *h);
	h->period_s = period_s > 0 ? period_s : 1;
	h->points = points < 2 ? 2 : points;
	h->tick_t = xcalloc(h->points, sizeof *h->tick_t);
	return h;
}

void sitehist_free(struct sitehist *h)
{
	if (!h)
		return;
	for (size_t i = 0; i < h->nsites; i++)
		free(h->s[i].ring);
	free(h->s);
	free(h->tick_t);
	free(h);
}

static struct hist_point point_of(const struct site *s)
{
	return (struct hist_point){
	        .live_bytes = s->c.live_bytes,
	        .bytes_alloc = s->c.bytes_alloc,
	        .live_blocks = s->c.live_blocks < 0                      ? 0
	                       : (uint64_t)s->c.live_blocks > UINT32_MAX ? UINT32_MAX
	                                                                 : (uint32_t)s->c.live_blocks,
	        .allocs = (uint32_t)s->c.allocs,
	};
}

static int same_point(const struct hist_point *a, const struct hist_point *b)
{
	return a->live_bytes == b->live_bytes && a->bytes_alloc == b->bytes_alloc && a->live_blocks == b->live_blocks &&
	       a->allocs == b->allocs;
}

static void grow(struct sitehist *h, const struct site *sites, size_t nsites, uint64_t k)
{
	if (nsites > h->cap) {
		size_t cap = h->cap ? h->cap : 1024;
		while (cap < nsites)
			cap *= 2;
		h->s = xrealloc(h->s, cap * sizeof *h->s);
		h->cap = cap;
	}
	for (size_t i = h->nsites; i < nsites; i++)
		h->s[i] = (struct hsite){.born = k, .changed = k, .last = point_of(&sites[i])};
	h->nsites = nsites;
}

/* Record tick k of one site seen before. */
static void tick_site(struct sitehist *h, struct hsite *hs, const struct hist_point *p, uint64_t k)
{
	uint32_t slot = (uint32_t)(k % h->points);
	if (!same_point(p, &hs->last)) {
		if (!hs->ring) {
			/* constant until now: every slot of the window holds the old value */
			hs->ring = xmalloc(h->points * sizeof *hs->ring);
			for (uint32_t j = 0; j < h->points; j++)
				hs->ring[j] = hs->last;
			h->active++;
		}
		hs->ring[slot] = *p;
		hs->last = *p;
		hs->changed = k;
		return;
	}
	if (!hs->ring)
		return;
	hs->ring[slot] = *p;
	if (k - hs->changed >= h->points - 1) { /* constant over the whole window now */
		free(hs->ring);
		hs->ring = NULL;
		h->active--;
	}
}

int sitehist_maybe_tick(struct sitehist *h, const struct site *sites, size_t nsites, double t)
{
	if (h->ticks && t < h->next_t)
		return 0;
	h->next_t = h->ticks ? h->next_t + h->period_s : t + h->period_s;
	if (h->next_t <= t) /* fell behind: no burst of ticks */
		h->next_t = t + h->period_s;
	sitehist_tick(h, sites, nsites, t);
	return 1;
}

void sitehist_tick(struct sitehist *h, const struct site *sites, size_t nsites, double t)
{
	uint64_t k = h->ticks;
	size_t old = h->nsites;
	if (nsites > old)
		grow(h, sites, nsites, k);
	for (size_t i = 0; i < old; i++) {
		struct hist_point p = point_of(&sites[i]);
		tick_site(h, &h->s[i], &p, k);
	}
	h->tick_t[k % h->points] = t;
	h->ticks = k + 1;
}

size_t sitehist_read(const struct sitehist *h, uint32_t id, struct hist_point *pts, double *t, size_t max)
{
	if (id >= h->nsites || !h->ticks || !max)
		return 0;
	const struct hsite *hs = &h->s[id];
	uint64_t k = h->ticks - 1;
	uint64_t first = k + 1 >= h->points ? k + 1 - h->points : 0;
	if (hs->born > first)
		first = hs->born;
	if (k - first + 1 > max)
		first = k + 1 - max;
	size_t n = 0;
	for (uint64_t j = first; j <= k; j++, n++) {
		uint32_t slot = (uint32_t)(j % h->points);
		if (pts)
			pts[n] = hs->ring ? hs->ring[slot] : hs->last;
		if (t)
			t[n] = h->tick_t[slot];
	}
	return n;
}

size_t sitehist_count(const struct sitehist *h, uint32_t id, double *span)
{
	*span = 0;
	if (id >= h->nsites || !h->ticks)
		return 0;
	uint64_t k = h->ticks - 1;
	uint64_t first = k + 1 >= h->points ? k + 1 - h->points : 0;
	if (h->s[id].born > first)
		first = h->s[id].born;
	*span = h->tick_t[k % h->points] - h->tick_t[first % h->points];
	return (size_t)(k - first + 1);
}

int sitehist_active(const struct sitehist *h, uint32_t id)
{
	return id < h->nsites && h->s[id].ring != NULL;
}

double sitehist_idle_s(const struct sitehist *h, uint32_t id)
{
	if (id >= h->nsites || !h->ticks)
		return 0;
	return (double)(h->ticks - 1 - h->s[id].changed) * h->period_s;
}

uint64_t sitehist_ticks(const struct sitehist *h)
{
	return h->ticks;
}

uint32_t sitehist_points(const struct sitehist *h)
{
	return h->points;
}

double sitehist_period(const struct sitehist *h)
{
	return h->period_s;
}

size_t sitehist_active_sites(const struct sitehist *h)
{
	return h->active;
}

size_t sitehist_memory(const struct sitehist *h)
{
	return sizeof *h + h->points * sizeof *h->tick_t + h->cap * sizeof *h->s +
	       h->active * h->points * sizeof(struct hist_point);
}
