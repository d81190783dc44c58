/* sitehist.h — per-site history (live bytes and blocks, allocations) over a sliding window, in bounded memory. */
#ifndef MEMLENS_CORE_SITEHIST_H
#define MEMLENS_CORE_SITEHIST_H

#include <stddef.h>
#include <stdint.h>

struct site;

/* A site's figures at one tick of the history clock. */
struct hist_point {
	int64_t live_bytes;
	uint64_t bytes_alloc; /* cumulative */
	uint32_t live_blocks; /* saturates at UINT32_MAX */
	uint32_t allocs;      /* cumulative, modulo 2^32: differences within a window are exact */
};

/* The history clock ticks every `period_s` (driven by model_sample); a window is the last
 * `points` ticks. Only sites that changed within the window own a ring of points; a site
 * that has not changed for a whole window gives its ring back, since its history over the
 * window is one constant value. Memory: 48 bytes per site plus 24 * points bytes per site
 * that changed within the window (see doc/lua-api.md, "History"). */
struct sitehist;

/* The model's history clock: one tick a second, a window of 30 ticks. */
#define SITEHIST_PERIOD_S 1.0
#define SITEHIST_POINTS   30

struct sitehist *sitehist_new(double period_s, uint32_t points);
void sitehist_free(struct sitehist *h);

/* Take a tick at time t (seconds since the target started) when a period has passed since
 * the last one; returns 1 when it did. Reads the sites' counters (sites[i].id == i). */
int sitehist_maybe_tick(struct sitehist *h, const struct site *sites, size_t nsites, double t);
/* A tick now, whatever the clock says (the target ended: its final figures). */
void sitehist_tick(struct sitehist *h, const struct site *sites, size_t nsites, double t);

/* The points of site `id` within the window, oldest first: at most max of them into pts and
 * their tick times into t (either may be NULL). Returns the number of points (0 for a site
 * not seen at any tick yet). */
size_t sitehist_read(const struct sitehist *h, uint32_t id, struct hist_point *pts, double *t, size_t max);

/* The number of points sitehist_read would give, and (span) the seconds between the first
 * and the last; without copying anything. */
size_t sitehist_count(const struct sitehist *h, uint32_t id, double *span);

/* 1 when the site changed within the window (it owns a ring). */
int sitehist_active(const struct sitehist *h, uint32_t id);
/* Seconds since the site's figures last changed at a tick (since it was first seen if never). */
double sitehist_idle_s(const struct sitehist *h, uint32_t id);

uint64_t sitehist_ticks(const struct sitehist *h);
uint32_t sitehist_points(const struct sitehist *h);
double sitehist_period(const struct sitehist *h);
size_t sitehist_active_sites(const struct sitehist *h);
size_t sitehist_memory(const struct sitehist *h);

#endif
