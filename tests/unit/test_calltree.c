/* test_calltree.c — unit test of the call tree (src/core/calltree.c): inclusive and self figures top-down and bottom-up, recursion, the keep filter, sorting. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/calltree.h"

/* Interned names: the tree compares names by pointer, as the symbolizer's are. */
static const char *MAIN = "main", *PARSE = "parse", *LEX = "lex", *ALLOC = "alloc_node", *REC = "walk";

/* A site whose frames (innermost first) are the given names, with live bytes and calls. */
static void site(struct model *m, const char *const *names, int n, int64_t live, uint64_t calls)
{
	struct site *s = &m->sites[m->nsites];
	s->id = (uint32_t)m->nsites++;
	s->kind = MLR_KIND_HEAP;
	s->c.live_bytes = live;
	s->c.live_blocks = live / 16;
	s->c.allocs = calls;
	s->c.bytes_alloc = calls * 16;
	s->frames = calloc((size_t)n, sizeof *s->frames);
	for (int i = 0; i < n; i++)
		s->frames[i].function = names[i];
	s->nframes = n;
}

static const struct calltree_node *child_named(const struct calltree *t, uint32_t parent, const char *name)
{
	for (uint32_t c = t->nodes[parent].first_child; c != CALLTREE_NONE; c = t->nodes[c].next_sibling)
		if (t->nodes[c].name == name)
			return &t->nodes[c];
	return NULL;
}

static int keep_not_lex(struct site *s, void *arg)
{
	(void)arg;
	for (int i = 0; i < s->nframes; i++)
		if (s->frames[i].function == LEX)
			return 0;
	return 1;
}

static int by_live(const struct calltree_node *a, const struct calltree_node *b)
{
	return a->incl.live_bytes < b->incl.live_bytes ? 1 : a->incl.live_bytes > b->incl.live_bytes ? -1 : 0;
}

int main(void)
{
	struct model m;
	memset(&m, 0, sizeof m);
	m.sites = calloc(8, sizeof *m.sites);
	const char *a[] = {ALLOC, PARSE, MAIN}; /* main -> parse -> alloc_node */
	const char *b[] = {ALLOC, LEX, PARSE, MAIN};
	const char *c[] = {PARSE, MAIN};           /* parse allocates itself */
	const char *d[] = {REC, REC, REC, MAIN};   /* recursion */
	site(&m, a, 3, 1000, 10);
	site(&m, b, 4, 300, 3);
	site(&m, c, 2, 50, 1);
	site(&m, d, 4, 7, 1);

	struct calltree *t = calltree_build(&m, NULL, CALLTREE_TOP_DOWN, NULL, NULL);
	const struct calltree_node *mn = child_named(t, 0, MAIN);
	check(mn && mn->incl.live_bytes == 1357 && mn->self.live_bytes == 0, "top-down: main holds everything, itself nothing");
	const struct calltree_node *pa = mn ? child_named(t, (uint32_t)(mn - t->nodes), PARSE) : NULL;
	check(pa && pa->incl.live_bytes == 1350 && pa->self.live_bytes == 50 && pa->sites == 3,
	      "top-down: parse's inclusive and self bytes, and its sites");
	const struct calltree_node *lx = pa ? child_named(t, (uint32_t)(pa - t->nodes), LEX) : NULL;
	check(lx && lx->incl.allocs == 3 && lx->depth == 3, "top-down: parse -> lex, with its calls and depth");
	const struct calltree_node *w1 = mn ? child_named(t, (uint32_t)(mn - t->nodes), REC) : NULL;
	const struct calltree_node *w2 = w1 ? child_named(t, (uint32_t)(w1 - t->nodes), REC) : NULL;
	const struct calltree_node *w3 = w2 ? child_named(t, (uint32_t)(w2 - t->nodes), REC) : NULL;
	check(w3 && w3->self.live_bytes == 7 && w1->incl.live_bytes == 7, "recursion: one node per level, counted once each");
	check(t->nodes[0].incl.live_bytes == 1357, "the root adds every site up");
	calltree_free(t);

	t = calltree_build(&m, NULL, CALLTREE_BOTTOM_UP, NULL, NULL);
	const struct calltree_node *al = child_named(t, 0, ALLOC);
	check(al && al->incl.live_bytes == 1300 && al->sites == 2, "bottom-up: alloc_node first, both its sites");
	const struct calltree_node *top_parse = child_named(t, 0, PARSE);
	check(top_parse && top_parse->incl.live_bytes == 50, "bottom-up: parse as an allocator of its own");
	const struct calltree_node *al_lex = al ? child_named(t, (uint32_t)(al - t->nodes), LEX) : NULL;
	check(al_lex && al_lex->incl.live_bytes == 300, "bottom-up: alloc_node <- lex");
	calltree_free(t);

	t = calltree_build(&m, NULL, CALLTREE_TOP_DOWN, keep_not_lex, NULL);
	check(t->nodes[0].incl.live_bytes == 1057, "keep leaves out the sites it refuses");
	calltree_sort(t, by_live);
	mn = child_named(t, 0, MAIN);
	uint32_t first = mn ? t->nodes[mn - t->nodes].first_child : CALLTREE_NONE;
	check(first != CALLTREE_NONE && t->nodes[first].name == PARSE, "sorted: the heavier child first");
	calltree_free(t);

	/* a refresh: changed counters and a new site, the tree kept */
	t = calltree_build(&m, NULL, CALLTREE_TOP_DOWN, NULL, NULL);
	size_t nodes = t->n;
	m.sites[0].c.live_bytes = 2000;
	const char *e[] = {LEX, MAIN};
	site(&m, e, 2, 40, 2);
	calltree_update(t, &m, NULL, NULL, NULL);
	mn = child_named(t, 0, MAIN);
	check(mn && mn->incl.live_bytes == 2397 && t->nodes[0].incl.live_bytes == 2397,
	      "update: new counters added up again, the new site in");
	check(t->n == nodes + 1 && mn && child_named(t, (uint32_t)(mn - t->nodes), LEX),
	      "update: only the new site's node was added");
	calltree_free(t);

	for (size_t i = 0; i < m.nsites; i++)
		free(m.sites[i].frames);
	free(m.sites);
	return check_done();
}
