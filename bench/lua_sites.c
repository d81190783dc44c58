/* lua_sites.c — what Lua heuristics over 10^5 sites cost the inspector: CPU per evaluation, as a share of a core.
 *
 * usage: bench/lua_sites [--lua-dir DIR] [--sites N] [--active PCT] [--evals N] [--every S] [--script FILE]
 *
 * No target: a model is filled with N synthetic sites whose counters change at every tick of
 * the history clock (all of them, or --active percent: the others allocated once and stay),
 * a third growing steadily (leaks), a third filling and then plateauing (bounded caches), a
 * third churning. The Lua host runs as the session client it is in memlens, with the standard
 * library (and --script FILE, e.g. lua/examples/custom_heuristic.lua), on a simulated clock:
 * a history tick each second, a sample (the client's on_sample) each 100 ms, for --evals
 * times --every seconds. Measured with the thread's CPU clock: what each heuristic reports
 * per evaluation, and the client's on_sample altogether. Printed: CPU per evaluation, its
 * share of one core at the heuristic's `every`, and the whole client's share. A measurement,
 * not a test.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/model.h"
#include "core/session.h"
#include "core/sitehist.h"
#include "core/util.h"
#include "lua/host.h"

static double cpu_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The counters of site i at second t. */
static void site_at(struct site *s, uint32_t i, int t, int active)
{
	int k = active ? t : 0;
	uint64_t size = 32 + (i % 64) * 16;
	switch (i % 3) {
	case 0: /* a leak: one more block a second */
		s->c.allocs = (uint64_t)k + 1;
		s->c.frees = 0;
		break;
	case 1: /* a cache: fills for 10 s, then replaces */
		s->c.allocs = (uint64_t)k * 4 + 1;
		s->c.frees = k > 10 ? (uint64_t)(k - 10) * 4 : 0;
		break;
	default: /* churn: 50 blocks a second, all freed */
		s->c.allocs = (uint64_t)k * 50 + 1;
		s->c.frees = (uint64_t)k * 50;
		break;
	}
	s->c.bytes_alloc = s->c.allocs * size;
	s->c.live_blocks = (int64_t)(s->c.allocs - s->c.frees);
	s->c.live_bytes = s->c.live_blocks * (int64_t)size;
}

static void quiet(void *arg, enum host_level level, double t, const char *msg)
{
	if (level == HOST_ERROR)
		fprintf(stderr, "lua_sites: [%.1fs] %s\n", t, msg);
}

int main(int argc, char **argv)
{
	const char *lua_dir = "lua", *script = NULL;
	long nsites = 100000, evals = 6;
	double active_pct = 100, every = 5; /* --every: how long to simulate, in evaluations */
	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--lua-dir") == 0)
			lua_dir = argv[i + 1];
		else if (strcmp(argv[i], "--sites") == 0)
			nsites = atol(argv[i + 1]);
		else if (strcmp(argv[i], "--active") == 0)
			active_pct = atof(argv[i + 1]);
		else if (strcmp(argv[i], "--evals") == 0)
			evals = atol(argv[i + 1]);
		else if (strcmp(argv[i], "--every") == 0)
			every = atof(argv[i + 1]);
		else if (strcmp(argv[i], "--script") == 0)
			script = argv[i + 1];
		else {
			fprintf(stderr, "lua_sites: unknown option %s\n", argv[i]);
			return 64;
		}
	}
	if (nsites < 1 || evals < 1 || every <= 0)
		return 64;

	struct session s;
	memset(&s, 0, sizeof s);
	s.region.fd = -1;
	char *targv[] = {"synthetic", NULL};
	model_init(&s.model, 0, 1, targv);
	struct model *m = &s.model;
	m->sites = xcalloc((size_t)nsites, sizeof *m->sites);
	m->nsites = (size_t)nsites;
	long nactive = (long)((double)nsites * active_pct / 100);
	for (long i = 0; i < nsites; i++) {
		m->sites[i].id = (uint32_t)i;
		m->sites[i].oldest_s = -1;
	}

	struct host_opts ho = {.lua_dir = lua_dir, .log = quiet};
	struct host *h = host_new(&ho);
	host_load_stdlib(h);
	if (script)
		host_load(h, script);
	if (host_error_count(h))
		return 102;
	host_bind(h, &s);
	struct session_client c;
	host_client(h, &c);

	/* simulated time: model_now_s() = now - start_ns, so start_ns moves back by each step */
	uint64_t t0 = util_now_ns();
	double total = 0, worst = 0;
	int seconds = (int)(every * (double)evals) + 1;
	for (int t = 0; t <= seconds; t++) {
		for (long i = 0; i < nsites; i++)
			site_at(&m->sites[i], (uint32_t)i, t, i < nactive);
		for (int tenth = 0; tenth < 10; tenth++) {
			double now = t + tenth / 10.0;
			m->start_ns = util_now_ns() - (uint64_t)(now * 1e9);
			if (tenth == 0)
				sitehist_tick(m->hist, m->sites, m->nsites, now);
			m->nsamples++;
			double c0 = cpu_now();
			c.on_sample(&s, c.arg);
			double dt = cpu_now() - c0;
			total += dt;
			worst = dt > worst ? dt : worst;
		}
	}
	size_t n;
	const struct heuristic *he = host_heuristics(h, &n);
	printf("sites: %ld, changing every second: %ld (%.0f %%); history: %zu rings, %.1f MiB; Lua heap %.1f MiB\n",
	       nsites, nactive, active_pct, sitehist_active_sites(m->hist),
	       (double)sitehist_memory(m->hist) / 1048576.0, (double)host_lua_memory(h) / 1048576.0);
	printf("  heuristic                every  evaluations  CPU per evaluation  share of a core\n");
	for (size_t k = 0; k < n; k++) {
		double per = he[k].evals ? he[k].cpu_s / (double)he[k].evals : 0;
		printf("  %-24s %4.0fs  %11llu  %15.1f ms  %13.2f %%\n", he[k].name, he[k].every_s,
		       (unsigned long long)he[k].evals, per * 1000, 100 * per / he[k].every_s);
	}
	size_t nf;
	free(host_findings_ranked(h, &nf));
	printf("  all of it (on_sample: budgets, heuristics, callbacks): %.2f %% of a core over %d s simulated; "
	       "longest sample %.0f ms; %zu findings; wall %.1f s\n",
	       100 * total / (double)(seconds + 1), seconds + 1, worst * 1000, nf,
	       (double)(util_now_ns() - t0) / 1e9);
	host_bind(h, NULL);
	host_free(h);
	model_done(m);
	return 0;
}
