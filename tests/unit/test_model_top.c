/* test_model_top.c — unit test of model_top_sites (src/core/model.c): the partial selection it uses for a few sites out of many gives the same sites, in the same order, as sorting them all. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/model.h"

/* A model holding n sites with pseudo-random live and at-peak bytes (many ties). */
static void fill(struct model *m, size_t n, unsigned seed)
{
	memset(m, 0, sizeof *m);
	m->sites = calloc(n, sizeof *m->sites);
	m->nsites = n;
	srand(seed);
	for (size_t i = 0; i < n; i++) {
		struct site *s = &m->sites[i];
		s->id = (uint32_t)i;
		s->kind = i % 97 == 0 ? MLR_KIND_THREAD : i % 13 == 0 ? MLR_KIND_MMAP : MLR_KIND_HEAP;
		s->c.live_bytes = rand() % 5000 - 100; /* some zero or negative: never listed */
		s->at_peak_bytes = rand() % 300;
	}
}

/* The reference: every listed site by the order's key, largest first, then by id. */
static int reference(const struct model *m, enum site_order o, uint32_t *ids)
{
	int k = 0;
	for (size_t i = 0; i < m->nsites; i++) {
		const struct site *s = &m->sites[i];
		int64_t key = o == SITES_BY_LIVE ? s->c.live_bytes : s->at_peak_bytes;
		if (s->kind != MLR_KIND_THREAD && key > 0)
			ids[k++] = s->id;
	}
	for (int a = 1; a < k; a++) /* insertion sort: slow and obviously right */
		for (int b = a; b > 0; b--) {
			const struct site *x = &m->sites[ids[b - 1]], *y = &m->sites[ids[b]];
			int64_t kx = o == SITES_BY_LIVE ? x->c.live_bytes : x->at_peak_bytes;
			int64_t ky = o == SITES_BY_LIVE ? y->c.live_bytes : y->at_peak_bytes;
			if (kx > ky || (kx == ky && x->id < y->id))
				break;
			uint32_t t = ids[b];
			ids[b] = ids[b - 1];
			ids[b - 1] = t;
		}
	return k;
}

static int same_top(struct model *m, enum site_order o, int top, const uint32_t *ids, int k)
{
	size_t n;
	struct site **v = model_top_sites(m, o, top, &n);
	int ok = n == (size_t)(k < top ? k : top);
	for (size_t i = 0; ok && i < n; i++)
		ok = v[i]->id == ids[i];
	free(v);
	return ok;
}

int main(void)
{
	struct model m;
	fill(&m, 20000, 7);
	uint32_t *ids = malloc(m.nsites * sizeof *ids);
	int k = reference(&m, SITES_BY_LIVE, ids);
	check(same_top(&m, SITES_BY_LIVE, 10, ids, k), "top 10 of 20000 by live bytes: as a full sort");
	check(same_top(&m, SITES_BY_LIVE, 64, ids, k), "top 64 of 20000: as a full sort");
	check(same_top(&m, SITES_BY_LIVE, 5000, ids, k), "top 5000 (the full-sort path): as a full sort");
	k = reference(&m, SITES_BY_PEAK, ids);
	check(same_top(&m, SITES_BY_PEAK, 50, ids, k), "top 50 by bytes at the peak, many ties: by id among equals");
	size_t n;
	free(model_top_sites(&m, SITES_BY_LIVE, 0, &n));
	check(n == 0, "top 0 lists nothing");
	free(m.sites);
	fill(&m, 5, 3);
	k = reference(&m, SITES_BY_LIVE, ids);
	check(same_top(&m, SITES_BY_LIVE, 10, ids, k), "more asked than there are: all of them");
	free(m.sites);
	free(ids);
	return check_done();
}
