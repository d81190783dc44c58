/* view_tree.c — the Tree view: the sites folded by function, top-down (callers first) or bottom-up, inclusive and self
 * figures, expand and collapse. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/calltree.h"
#include "core/util.h"
#include "tui/view.h"

enum sort_col { COL_INCL, COL_SELF, COL_ALLOC, COL_CALLS, NSORT };

static const char *const sort_names[] = {"live bytes (inclusive)", "live bytes (self)", "bytes allocated (inclusive)",
                                         "allocation calls (inclusive)"};

struct tree {
	struct calltree *ct;
	enum calltree_dir dir;
	int sort;
	uint64_t *open; /* paths of expanded nodes */
	size_t nopen, capopen;
	int touched; /* the user expanded or collapsed something (else the heaviest path opens) */
	uint32_t *rows;
	size_t caprows;
	struct list l;
	uint64_t sel_path;
	unsigned filter_generation; /* of the filter the tree was built with */
};

static void *tree_init(struct tui *t)
{
	(void)t;
	return xcalloc(1, sizeof(struct tree));
}

static void tree_done(void *st)
{
	struct tree *v = st;
	calltree_free(v->ct);
	free(v->open);
	free(v->rows);
	free(v);
}

static int is_open(const struct tree *v, uint64_t path)
{
	for (size_t i = 0; i < v->nopen; i++)
		if (v->open[i] == path)
			return 1;
	return 0;
}

static void set_open(struct tree *v, uint64_t path, int open)
{
	for (size_t i = 0; i < v->nopen; i++)
		if (v->open[i] == path) {
			if (!open)
				v->open[i] = v->open[--v->nopen];
			return;
		}
	if (!open)
		return;
	if (v->nopen == v->capopen) {
		v->capopen = v->capopen ? v->capopen * 2 : 64;
		v->open = xrealloc(v->open, v->capopen * sizeof *v->open);
	}
	v->open[v->nopen++] = path;
}

static int sort_col;

static int64_t key(const struct calltree_node *n)
{
	switch (sort_col) {
	case COL_SELF: return n->self.live_bytes;
	case COL_ALLOC: return (int64_t)n->incl.bytes_alloc;
	case COL_CALLS: return (int64_t)n->incl.allocs;
	default: return n->incl.live_bytes;
	}
}

static int cmp_nodes(const struct calltree_node *a, const struct calltree_node *b)
{
	int64_t x = key(a), y = key(b);
	if (x != y)
		return x < y ? 1 : -1;
	return strcmp(a->name, b->name);
}

static void push_row(struct tree *v, uint32_t id)
{
	if ((size_t)v->l.n == v->caprows) {
		v->caprows = v->caprows ? v->caprows * 2 : 256;
		v->rows = xrealloc(v->rows, v->caprows * sizeof *v->rows);
	}
	v->rows[v->l.n++] = id;
}

/* The visible rows: every child of an expanded node, depth first, in sorted order (only the
 * children shown are sorted). */
static void flatten(struct tree *v, uint32_t id)
{
	calltree_sort_children(v->ct, id, cmp_nodes);
	const struct calltree_node *nodes = v->ct->nodes;
	for (uint32_t c = nodes[id].first_child; c != CALLTREE_NONE; c = nodes[c].next_sibling) {
		push_row(v, c);
		if (is_open(v, nodes[c].path))
			flatten(v, c);
	}
}

/* Until the user opens or closes anything, the heaviest path is open down through the chain
 * of single callers (_start, __libc_start_main, main...) and one level past the first fork. */
static void open_heaviest(struct tree *v)
{
	const struct calltree_node *nodes = v->ct->nodes;
	calltree_sort_children(v->ct, 0, cmp_nodes);
	uint32_t id = nodes[0].first_child;
	for (int depth = 0; depth < 12 && id != CALLTREE_NONE; depth++) {
		set_open(v, nodes[id].path, 1);
		if (nodes[id].nchildren > 1)
			break;
		calltree_sort_children(v->ct, id, cmp_nodes);
		id = nodes[id].first_child;
	}
}

static int keep_site(struct site *s, void *arg)
{
	return tui_site_visible(arg, s);
}

static void tree_rebuild(struct tui *t, void *st)
{
	struct tree *v = st;
	unsigned gen = t->filter[t->view].generation;
	if (!v->ct || v->ct->dir != v->dir || v->filter_generation != gen) {
		calltree_free(v->ct);
		v->ct = calltree_build(t->m, t->r, v->dir, keep_site, t);
		v->filter_generation = gen;
	} else {
		calltree_update(v->ct, t->m, t->r, keep_site, t);
	}
	sort_col = v->sort;
	if (!v->touched)
		open_heaviest(v);
	v->l.n = 0;
	flatten(v, 0);
	for (int i = 0; i < v->l.n; i++)
		if (v->ct->nodes[v->rows[i]].path == v->sel_path)
			v->l.sel = i;
}

static void node_row(struct tui *t, struct tree *v, int y, struct rect a, uint32_t id, int selected)
{
	const struct calltree_node *n = &v->ct->nodes[id];
	enum role r = selected ? ROLE_SELECTED : ROLE_NORMAL;
	char b[4][32], name[768];
	if (selected)
		draw_fill(y, a.x, a.w, ROLE_SELECTED);
	draw_textf(y, a.x, a.w, r, "%9s %9s %9s %8s", fmt_bytes_short(b[0], sizeof b[0], (double)n->incl.live_bytes),
	           fmt_bytes_short(b[1], sizeof b[1], (double)n->self.live_bytes),
	           fmt_bytes_short(b[2], sizeof b[2], (double)n->incl.bytes_alloc),
	           fmt_count_short(b[3], sizeof b[3], (double)n->incl.allocs));
	const char *mark = n->first_child == CALLTREE_NONE ? "  "
	                   : is_open(v, n->path)           ? (t->unicode ? "\u25be " : "- ")
	                                                   : (t->unicode ? "\u25b8 " : "+ ");
	snprintf(name, sizeof name, "%*s%s%s%s%s", 2 * (n->depth - 1), "", mark, n->name, n->file ? "  " : "",
	         n->file ? base_name(n->file) : "");
	draw_text(y, a.x + 39, a.w - 39, r, name);
}

static const struct column columns[] = {
        {"Live", 9, 0}, {"Self", 9, 0}, {"Allocated", 9, 0}, {"Calls", 8, 0}, {"Function", 0, 1}};

static void tree_draw(struct tui *t, void *st, struct rect a)
{
	struct tree *v = st;
	if (!v->ct)
		tree_rebuild(t, v);
	draw_textf(a.y, a.x + 1, a.w - 2, ROLE_LABEL, "%s (b switches), by %s%s; Enter expands, Left collapses",
	           v->dir == CALLTREE_TOP_DOWN ? "top-down: callers first" : "bottom-up: allocating functions first",
	           sort_names[v->sort], t->filter[t->view].re ? "; sites matching the filter" : "");
	table_header(t, a.y + 1, a.x, a.w, columns, 5, v->sort, 1);
	int rows = a.h - 2;
	list_clamp(&v->l, rows);
	for (int i = 0; i < rows && v->l.top + i < v->l.n; i++)
		node_row(t, v, a.y + 2 + i, a, v->rows[v->l.top + i], v->l.top + i == v->l.sel);
	if (v->l.n)
		v->sel_path = v->ct->nodes[v->rows[v->l.sel]].path;
	else
		draw_text(a.y + 2, a.x + 1, a.w - 2, ROLE_DIM,
		          t->filter[t->view].re ? "no site matches the filter" : "no allocation yet");
}

/* Expand, collapse or toggle the selected node; collapsing a closed node selects its caller. */
static int open_close(struct tree *v, int how)
{
	if (!v->l.n)
		return TUI_HANDLED;
	const struct calltree_node *n = &v->ct->nodes[v->rows[v->l.sel]];
	v->touched = 1;
	if (how < 0 && !is_open(v, n->path)) {
		for (int i = v->l.sel - 1; i >= 0; i--)
			if (v->rows[i] == n->parent) {
				v->l.sel = i;
				v->sel_path = v->ct->nodes[n->parent].path;
				break;
			}
		return TUI_HANDLED | TUI_REDRAW;
	}
	set_open(v, n->path, how > 0 ? 1 : how < 0 ? 0 : !is_open(v, n->path));
	v->sel_path = n->path;
	v->l.n = 0;
	flatten(v, 0);
	return TUI_HANDLED | TUI_REDRAW;
}

static int tree_action(struct tui *t, void *st, enum tui_action a, int arg)
{
	struct tree *v = st;
	switch (a) {
	case ACT_EXPAND: return open_close(v, arg ? 1 : 0);
	case ACT_COLLAPSE: return open_close(v, -1);
	case ACT_INVERT:
		v->dir = v->dir == CALLTREE_TOP_DOWN ? CALLTREE_BOTTOM_UP : CALLTREE_TOP_DOWN;
		v->nopen = 0;
		v->touched = 0;
		v->l = (struct list){0};
		return TUI_HANDLED | TUI_REBUILD;
	case ACT_SORT_NEXT: v->sort = (v->sort + 1) % NSORT; return TUI_HANDLED | TUI_REBUILD;
	case ACT_SORT_PREV: v->sort = (v->sort + NSORT - 1) % NSORT; return TUI_HANDLED | TUI_REBUILD;
	default: {
		int r = list_action(&v->l, a, t->rows - 8);
		if (r && v->l.n)
			v->sel_path = v->ct->nodes[v->rows[v->l.sel]].path;
		return r;
	}
	}
}

const struct tui_view view_tree = {
        .name = "Tree",
        .about = "sites folded by function: callers first (top-down) or allocators first (bottom-up)",
        .filterable = 1,
        .init = tree_init,
        .done = tree_done,
        .rebuild = tree_rebuild,
        .draw = tree_draw,
        .action = tree_action,
};
