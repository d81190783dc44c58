/* patterns.c — the patterns scripts use (core/regex), each compiled once, and each site's match remembered. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/regex.h"
#include "core/util.h"
#include "lua/internal.h"

/* Scripts that build patterns on the fly could compile without end: past this many the
 * cache starts over (patterns_generation changes). */
#define PATTERNS_MAX 256

struct pattern {
	char *text;
	struct regex *re;
	uint8_t *site; /* by site id: 0 unknown, 1 no match, 2 match */
	size_t nsite;
};

struct patterns {
	struct pattern *v;
	size_t n;
	uint64_t gen;
};

struct patterns *patterns_new(void)
{
	struct patterns *c = xcalloc(1, sizeof *c);
	c->v = xcalloc(PATTERNS_MAX, sizeof *c->v);
	return c;
}

static void flush(struct patterns *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->v[i].text);
		regex_free(c->v[i].re);
		free(c->v[i].site);
	}
	c->n = 0;
	c->gen++;
}

void patterns_free(struct patterns *c)
{
	if (!c)
		return;
	flush(c);
	free(c->v);
	free(c);
}

uint64_t patterns_generation(const struct patterns *c)
{
	return c->gen;
}

int patterns_get(struct patterns *c, const char *text, char *err, size_t errlen)
{
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->v[i].text, text) == 0)
			return (int)i;
	char why[256];
	struct regex *re = regex_compile(text, why, sizeof why);
	if (!re) {
		snprintf(err, errlen, "bad regex '%s': %s", text, why);
		return -1;
	}
	if (c->n == PATTERNS_MAX)
		flush(c);
	c->v[c->n] = (struct pattern){.text = xstrdup(text), .re = re};
	return (int)c->n++;
}

int patterns_match_string(struct patterns *c, int p, const char *s)
{
	if (p < 0 || (size_t)p >= c->n)
		return 0;
	return regex_match(c->v[p].re, s);
}

int patterns_match_site(struct patterns *c, int p, struct session *s, uint32_t id)
{
	if (p < 0 || (size_t)p >= c->n || id >= s->model.nsites)
		return 0;
	struct pattern *pt = &c->v[p];
	if (id >= pt->nsite) {
		size_t n = pt->nsite ? pt->nsite : 1024;
		while (n <= id)
			n *= 2;
		pt->site = xrealloc(pt->site, n);
		memset(pt->site + pt->nsite, 0, n - pt->nsite);
		pt->nsite = n;
	}
	if (!pt->site[id]) {
		struct site *x = &s->model.sites[id];
		if (!x->depth) /* not published yet: ask again later */
			return 0;
		int n;
		const struct sym_frame *f = model_site_frames(&s->model, &s->region, x, &n);
		pt->site[id] = regex_match_frames(pt->re, f, n) ? 2 : 1;
	}
	return pt->site[id] == 2;
}
