/* calltree.c — fold the sites' symbolized stacks into a tree of functions with inclusive and self figures. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/calltree.h"
#include "core/util.h"

static uint64_t mix(uint64_t h, const void *p)
{
	h ^= (uint64_t)(uintptr_t)p + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
	return h * 0xff51afd7ed558ccdull;
}

static size_t slot_of(const struct calltree *t, uint32_t parent, const char *name)
{
	uint64_t h = mix(mix(parent, name), NULL);
	return (size_t)(h >> 20) & (t->index_cap - 1);
}

static void index_insert(struct calltree *t, uint32_t id)
{
	size_t i = slot_of(t, t->nodes[id].parent, t->nodes[id].name);
	while (t->index[i] != CALLTREE_NONE)
		i = (i + 1) & (t->index_cap - 1);
	t->index[i] = id;
}

static void index_grow(struct calltree *t)
{
	free(t->index);
	t->index_cap = t->index_cap ? t->index_cap * 2 : 1024;
	t->index = xmalloc(t->index_cap * sizeof *t->index);
	memset(t->index, 0xff, t->index_cap * sizeof *t->index);
	for (size_t id = 1; id < t->n; id++)
		index_insert(t, (uint32_t)id);
}

static uint32_t add_node(struct calltree *t, uint32_t parent, const char *name, const struct sym_frame *f)
{
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 256;
		t->nodes = xrealloc(t->nodes, t->cap * sizeof *t->nodes);
	}
	uint32_t id = (uint32_t)t->n++;
	struct calltree_node *p = &t->nodes[parent], *c = &t->nodes[id];
	memset(c, 0, sizeof *c);
	c->name = name;
	c->file = f ? f->file : NULL;
	c->module = f ? f->module : NULL;
	c->parent = parent;
	c->first_child = CALLTREE_NONE;
	c->next_sibling = p->first_child;
	c->depth = p->depth + 1;
	c->path = mix(p->path, name);
	p->first_child = id;
	p->nchildren++;
	if (2 * t->n > t->index_cap)
		index_grow(t);
	else
		index_insert(t, id);
	return id;
}

/* The child of parent named name, created on first sight. */
static uint32_t child(struct calltree *t, uint32_t parent, const char *name, const struct sym_frame *f)
{
	for (size_t i = slot_of(t, parent, name); t->index[i] != CALLTREE_NONE; i = (i + 1) & (t->index_cap - 1)) {
		const struct calltree_node *c = &t->nodes[t->index[i]];
		if (c->parent == parent && c->name == name)
			return t->index[i];
	}
	return add_node(t, parent, name, f);
}

static void add_counts(struct counts *to, const struct counts *c)
{
	to->allocs += c->allocs;
	to->frees += c->frees;
	to->bytes_alloc += c->bytes_alloc;
	to->live_bytes += c->live_bytes;
	to->live_blocks += c->live_blocks;
}

/* A frame's node name: the function, else its module, else "??". Both are interned
 * strings, so names compare by pointer. */
static const char *frame_name(const struct sym_frame *f)
{
	return f->function ? f->function : f->module ? f->module : "??";
}

/* Insert a site's stack; returns the node it ends at. */
static uint32_t insert_site(struct calltree *t, const struct sym_frame *f, int n)
{
	uint32_t at = 0;
	for (int k = 0; k < n; k++) {
		const struct sym_frame *fr = t->dir == CALLTREE_TOP_DOWN ? &f[n - 1 - k] : &f[k];
		at = child(t, at, frame_name(fr), fr);
	}
	return at;
}

/* Add a site's counters to its leaf (self) and every node up to the root (inclusive). */
static void add_up(struct calltree *t, uint32_t leaf, const struct site *s)
{
	add_counts(&t->nodes[leaf].self, &s->c);
	for (uint32_t at = leaf; at != CALLTREE_NONE; at = t->nodes[at].parent) {
		add_counts(&t->nodes[at].incl, &s->c);
		t->nodes[at].sites++;
	}
}

void calltree_update(struct calltree *t, struct model *m, const struct region *r,
                     int (*keep)(struct site *s, void *arg), void *arg)
{
	if (m->nsites > t->nleaf) {
		t->leaf = xrealloc(t->leaf, m->nsites * sizeof *t->leaf);
		memset(t->leaf + t->nleaf, 0xff, (m->nsites - t->nleaf) * sizeof *t->leaf);
		t->nleaf = m->nsites;
	}
	for (size_t i = 0; i < t->n; i++) {
		t->nodes[i].incl = t->nodes[i].self = (struct counts){0};
		t->nodes[i].sites = 0;
	}
	for (size_t i = 0; i < m->nsites; i++) {
		struct site *s = &m->sites[i];
		if (t->leaf[i] == CALLTREE_NONE) {
			if (s->kind == MLR_KIND_THREAD || !s->c.allocs || (keep && !keep(s, arg)))
				continue;
			int n;
			const struct sym_frame *f = model_site_frames(m, r, s, &n);
			if (!f || n <= 0)
				continue;
			t->leaf[i] = insert_site(t, f, n);
		}
		add_up(t, t->leaf[i], s);
	}
}

struct calltree *calltree_build(struct model *m, const struct region *r, enum calltree_dir dir,
                                int (*keep)(struct site *s, void *arg), void *arg)
{
	struct calltree *t = xcalloc(1, sizeof *t);
	t->dir = dir;
	index_grow(t);
	t->cap = 256;
	t->nodes = xcalloc(t->cap, sizeof *t->nodes);
	t->n = 1;
	t->nodes[0] = (struct calltree_node){
	        .name = "all", .parent = CALLTREE_NONE, .first_child = CALLTREE_NONE, .next_sibling = CALLTREE_NONE};
	calltree_update(t, m, r, keep, arg);
	return t;
}

void calltree_free(struct calltree *t)
{
	if (!t)
		return;
	free(t->nodes);
	free(t->index);
	free(t->leaf);
	free(t);
}

struct sort_ctx {
	int (*cmp)(const struct calltree_node *, const struct calltree_node *);
	const struct calltree_node *nodes;
};

static int cmp_ids(const void *a, const void *b, void *arg)
{
	const struct sort_ctx *c = arg;
	return c->cmp(&c->nodes[*(const uint32_t *)a], &c->nodes[*(const uint32_t *)b]);
}

void calltree_sort_children(struct calltree *t, uint32_t id,
                            int (*cmp)(const struct calltree_node *, const struct calltree_node *))
{
	struct calltree_node *parent = &t->nodes[id];
	if (parent->nchildren < 2)
		return;
	uint32_t *ids = xmalloc(parent->nchildren * sizeof *ids);
	uint32_t k = 0;
	for (uint32_t c = parent->first_child; c != CALLTREE_NONE; c = t->nodes[c].next_sibling)
		ids[k++] = c;
	struct sort_ctx ctx = {cmp, t->nodes};
	qsort_r(ids, k, sizeof *ids, cmp_ids, &ctx);
	parent->first_child = ids[0];
	for (uint32_t i = 0; i + 1 < k; i++)
		t->nodes[ids[i]].next_sibling = ids[i + 1];
	t->nodes[ids[k - 1]].next_sibling = CALLTREE_NONE;
	free(ids);
}

void calltree_sort(struct calltree *t, int (*cmp)(const struct calltree_node *, const struct calltree_node *))
{
	for (size_t p = 0; p < t->n; p++)
		calltree_sort_children(t, (uint32_t)p, cmp);
}
