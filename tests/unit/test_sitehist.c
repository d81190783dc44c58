/* test_sitehist.c — unit test of the per-site history (src/core/sitehist.c): values, window, rings given back. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "core/model.h"
#include "core/sitehist.h"

#define P 5

static struct site sites[4];

static void set(int i, int64_t live, uint64_t allocs)
{
	sites[i].c.live_bytes = live;
	sites[i].c.live_blocks = live / 16;
	sites[i].c.allocs = allocs;
	sites[i].c.bytes_alloc = allocs * 16;
}

int main(void)
{
	struct sitehist *h = sitehist_new(1.0, P);
	struct hist_point pts[P + 3];
	double t[P + 3];
	check(sitehist_read(h, 0, pts, t, P) == 0, "nothing before the first tick");

	/* site 0 grows every tick; site 1 is set once and never changes */
	set(0, 16, 1);
	set(1, 160, 10);
	check(sitehist_maybe_tick(h, sites, 2, 0.0) == 1, "the first tick is taken");
	check(sitehist_maybe_tick(h, sites, 2, 0.5) == 0, "no tick before a period has passed");
	for (int k = 1; k < 8; k++) {
		set(0, 16 * (k + 1), (uint64_t)k + 1);
		sitehist_maybe_tick(h, sites, 2, (double)k);
	}
	size_t n = sitehist_read(h, 0, pts, t, P + 3);
	check(n == P, "a window holds `points` ticks");
	int ok = 1;
	for (size_t i = 0; i < n; i++)
		ok &= pts[i].live_bytes == 16 * (int64_t)(i + 4) && t[i] == (double)(i + 3);
	check(ok, "the window is the last ticks, oldest first, with their times");
	check(sitehist_active(h, 0) && !sitehist_active(h, 1), "only the changing site owns a ring");
	n = sitehist_read(h, 1, pts, t, P + 3);
	ok = n == P;
	for (size_t i = 0; i < n; i++)
		ok &= pts[i].live_bytes == 160 && pts[i].allocs == 10;
	check(ok, "a site that never changed reads as its constant value over the window");
	check(sitehist_read(h, 0, pts, t, 2) == 2 && pts[1].live_bytes == 16 * 8, "max limits to the newest points");

	/* site 1 changes once: it gets a ring with the old value before the change */
	set(1, 320, 20);
	sitehist_maybe_tick(h, sites, 2, 8.0);
	n = sitehist_read(h, 1, pts, t, P);
	check(sitehist_active(h, 1) && n == P && pts[0].live_bytes == 160 && pts[P - 1].live_bytes == 320,
	      "a change keeps the constant past in the window");
	/* ...and gives it back once constant over a whole window */
	size_t mem = sitehist_memory(h);
	for (int k = 9; k < 9 + P; k++)
		sitehist_maybe_tick(h, sites, 2, (double)k);
	check(!sitehist_active(h, 1), "a site constant over a window gives its ring back");
	check(sitehist_memory(h) < mem, "memory goes down with it");
	n = sitehist_read(h, 1, pts, t, P);
	check(n == P && pts[0].live_bytes == 320 && pts[P - 1].live_bytes == 320, "and still reads its value");
	check(sitehist_idle_s(h, 1) >= (double)(P - 1), "idle time since the last change");

	/* a site seen later has history only from its first tick */
	set(2, 48, 3);
	sitehist_maybe_tick(h, sites, 3, 14.0);
	set(2, 64, 4);
	sitehist_maybe_tick(h, sites, 3, 15.0);
	n = sitehist_read(h, 2, pts, t, P);
	check(n == 2 && pts[0].live_bytes == 48 && pts[1].live_bytes == 64, "a new site's history starts when seen");

	/* allocation counts are kept modulo 2^32 */
	sites[3].c.allocs = ((uint64_t)1 << 32) + 5;
	sitehist_tick(h, sites, 4, 16.0);
	n = sitehist_read(h, 3, pts, t, P);
	check(n == 1 && pts[0].allocs == 5, "allocs modulo 2^32");

	/* a forced tick between two clock ticks */
	uint64_t ticks = sitehist_ticks(h);
	sitehist_tick(h, sites, 4, 16.2);
	check(sitehist_ticks(h) == ticks + 1, "sitehist_tick ticks now");

	/* memory bound: rings only for sites that changed within the window */
	struct sitehist *big = sitehist_new(1.0, 30);
	static struct site many[100000];
	for (int k = 0; k < 40; k++) {
		for (int i = 0; i < 100000; i++)
			if (i < 1000 || k == 0)
				many[i].c.allocs = (uint64_t)k + 1;
		sitehist_maybe_tick(big, many, 100000, (double)k);
	}
	check(sitehist_active_sites(big) == 1000, "100000 sites, 1000 changing: 1000 rings");
	printf("# 100000 sites, 1000 active: %zu bytes\n", sitehist_memory(big));
	check(sitehist_memory(big) < 100000 * 64 + 1000 * 30 * sizeof(struct hist_point) + 4096,
	      "memory: per-site record plus rings of the active ones");
	sitehist_free(big);
	sitehist_free(h);
	return check_done();
}
