/* calltree.h — the model's sites as a call tree by function: top-down (callers first) or bottom-up (allocators first).
 */
#ifndef MEMLENS_CORE_CALLTREE_H
#define MEMLENS_CORE_CALLTREE_H

#include <stddef.h>
#include <stdint.h>

#include "core/model.h"

enum calltree_dir {
	CALLTREE_TOP_DOWN,  /* root's children are the outermost frames (main, thread starts) */
	CALLTREE_BOTTOM_UP, /* root's children are the functions that called the allocator */
};

#define CALLTREE_NONE UINT32_MAX

/* One function at one place in the tree. Inclusive figures add up every site whose stack
 * passes through the node; self figures those whose stack ends there (top-down: the
 * function that called the allocator; bottom-up: the outermost frame). */
struct calltree_node {
	const char *name;   /* function; the module's path when the function is unknown; "??" */
	const char *file;   /* of the first frame seen here (NULL when unknown) */
	const char *module; /* NULL when unknown */
	uint32_t parent, first_child, next_sibling, nchildren;
	int depth;     /* root 0 */
	uint64_t path; /* hash of the names from the root: the same node across rebuilds */
	struct counts incl, self;
	uint32_t sites; /* sites through it */
};

struct calltree {
	enum calltree_dir dir;
	struct calltree_node *nodes; /* nodes[0] is the root */
	size_t n, cap;
	uint32_t *index; /* open addressing on (parent, name) */
	size_t index_cap;
	uint32_t *leaf; /* per site id: the node its stack ends at, CALLTREE_NONE while not in */
	size_t nleaf;
};

/* Build the tree of every heap and mmap site that made allocations (symbolizing those not
 * symbolized yet); when keep is not NULL, only of the sites it returns 1 for. */
struct calltree *calltree_build(struct model *m, const struct region *r, enum calltree_dir dir,
                                int (*keep)(struct site *s, void *arg), void *arg);
void calltree_free(struct calltree *t);

/* Bring the figures up to the model's counters: the sites already in the tree are added up
 * again along their known path (no lookups: a refresh of 10^5 sites costs a few ms), sites
 * that are new or allocated for the first time are inserted. keep must answer as it did
 * when the tree was built (build a new tree for a new filter). */
void calltree_update(struct calltree *t, struct model *m, const struct region *r,
                     int (*keep)(struct site *s, void *arg), void *arg);

/* Order the children of node id by cmp (qsort-style on nodes); calltree_sort: of every node. */
void calltree_sort_children(struct calltree *t, uint32_t id,
                            int (*cmp)(const struct calltree_node *, const struct calltree_node *));
void calltree_sort(struct calltree *t, int (*cmp)(const struct calltree_node *, const struct calltree_node *));

#endif
