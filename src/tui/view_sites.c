/* view_sites.c — the Call sites view: every allocation site, sortable by any column, and one site's full stack. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "tui/view.h"

enum sort_col { COL_LIVE, COL_BLOCKS, COL_ALLOC, COL_CALLS, COL_PEAK, COL_AGE, NSORT };

static const struct column columns[] = {
        {"Live", 8, 0},  {"Blocks", 8, 0}, {"Allocated", 9, 0}, {"Calls", 8, 0},
        {"Peak%", 6, 0}, {"Age", 7, 0},    {"Site", 0, 1},
};

static const char *const sort_names[] = {"live bytes",       "live blocks",       "bytes allocated",
                                         "allocation calls", "share of the peak", "age of the oldest live block"};

struct sites {
	struct list l;
	uint32_t *rows; /* site ids in order */
	size_t cap;
	uint32_t sel_id; /* the selected site, kept across rebuilds */
	int sort, ascending;
	int detail; /* showing one site's stack */
	uint32_t detail_id;
	struct list dl;
};

static void *sites_init(struct tui *t)
{
	(void)t;
	return xcalloc(1, sizeof(struct sites));
}

static void sites_done(void *st)
{
	struct sites *v = st;
	free(v->rows);
	free(v);
}

/* Larger first; for age, older (born earlier) first and sites without a live block last. */
static int64_t sort_key(const struct site *s, int col, const struct model *m)
{
	switch (col) {
	case COL_LIVE: return s->c.live_bytes;
	case COL_BLOCKS: return s->c.live_blocks;
	case COL_ALLOC: return (int64_t)s->c.bytes_alloc;
	case COL_CALLS: return (int64_t)s->c.allocs;
	case COL_PEAK: return s->at_peak_bytes;
	case COL_AGE: return s->oldest_s >= 0 && m->have_blocks ? -(int64_t)(s->oldest_s * 1e6) : INT64_MIN;
	}
	return 0;
}

struct sort_ctx {
	const struct model *m;
	int col, ascending;
};

static int cmp_rows(const void *a, const void *b, void *arg)
{
	const struct sort_ctx *c = arg;
	const struct site *x = &c->m->sites[*(const uint32_t *)a], *y = &c->m->sites[*(const uint32_t *)b];
	int64_t kx = sort_key(x, c->col, c->m), ky = sort_key(y, c->col, c->m);
	if (kx != ky)
		return (kx < ky ? 1 : -1) * (c->ascending ? -1 : 1);
	return x->id < y->id ? -1 : x->id > y->id;
}

static void sites_rebuild(struct tui *t, void *st)
{
	struct sites *v = st;
	struct model *m = t->m;
	tui_want_blocks(t); /* the Age column */
	if (m->nsites > v->cap) {
		v->cap = m->nsites;
		v->rows = xrealloc(v->rows, v->cap * sizeof *v->rows);
	}
	int n = 0;
	for (size_t i = 0; i < m->nsites; i++) {
		struct site *s = &m->sites[i];
		if (s->kind != MLR_KIND_THREAD && s->c.allocs && tui_site_visible(t, s))
			v->rows[n++] = (uint32_t)i;
	}
	struct sort_ctx c = {m, v->sort, v->ascending};
	qsort_r(v->rows, (size_t)n, sizeof *v->rows, cmp_rows, &c);
	v->l.n = n;
	for (int i = 0; i < n; i++)
		if (v->rows[i] == v->sel_id) {
			v->l.sel = i;
			break;
		}
}

static void row(struct tui *t, int y, struct rect a, int x_site, struct site *s, int selected)
{
	char b[32], label[512];
	enum role r = selected ? ROLE_SELECTED : ROLE_NORMAL;
	if (selected)
		draw_fill(y, a.x, a.w, ROLE_SELECTED);
	int x = a.x;
	draw_text_right(y, x, 8, r, fmt_bytes_short(b, sizeof b, (double)s->c.live_bytes));
	draw_text_right(y, x += 9, 8, r, fmt_count_short(b, sizeof b, (double)s->c.live_blocks));
	draw_text_right(y, x += 9, 9, r, fmt_bytes_short(b, sizeof b, (double)s->c.bytes_alloc));
	draw_text_right(y, x += 10, 8, r, fmt_count_short(b, sizeof b, (double)s->c.allocs));
	double share = t->m->peak_live > 0 ? 100.0 * (double)s->at_peak_bytes / (double)t->m->peak_live : 0;
	snprintf(b, sizeof b, "%.1f", share);
	draw_text_right(y, x += 9, 6, r, b);
	double age = t->m->have_blocks && s->oldest_s >= 0 ? t->hdr.now_s - s->oldest_s : -1;
	draw_text_right(y, x += 7, 7, r, fmt_age(b, sizeof b, age < 0 && age > -1 ? 0 : age));
	site_label(t, s, label, sizeof label);
	draw_text(y, x_site, a.x + a.w - x_site, r, label);
}

static void draw_list(struct tui *t, struct sites *v, struct rect a)
{
	char count[32];
	draw_textf(a.y, a.x + 1, a.w - 2, ROLE_LABEL, "%s site%s%s, by %s%s",
	           util_fmt_count(count, sizeof count, (uint64_t)v->l.n), v->l.n == 1 ? "" : "s",
	           t->filter[t->view].re ? " matching the filter" : "", sort_names[v->sort],
	           v->ascending ? " (smallest first)" : "");
	int x_site = table_header(t, a.y + 1, a.x, a.w, columns, 7, v->sort, !v->ascending);
	int rows = a.h - 2;
	list_clamp(&v->l, rows);
	for (int i = 0; i < rows && v->l.top + i < v->l.n; i++) {
		struct site *s = &t->m->sites[v->rows[v->l.top + i]];
		row(t, a.y + 2 + i, a, x_site, s, v->l.top + i == v->l.sel);
	}
	if (v->l.n)
		v->sel_id = v->rows[v->l.sel];
	else
		draw_text(a.y + 2, a.x + 1, a.w - 2, ROLE_DIM,
		          t->filter[t->view].re ? "no site matches the filter" : "no allocation yet");
}

static void draw_detail(struct tui *t, struct sites *v, struct rect a)
{
	struct model *m = t->m;
	struct site *s = &m->sites[v->detail_id];
	char live[32], blocks[32], alloc[32], calls[32], age[32];
	double share = m->peak_live > 0 ? 100.0 * (double)s->at_peak_bytes / (double)m->peak_live : 0;
	draw_textf(a.y, a.x + 1, a.w - 2, ROLE_VALUE,
	           "site %u%s: %s live in %s blocks; %s allocated in %s calls; %.1f%% of the peak", s->id,
	           s->kind == MLR_KIND_MMAP ? " (mmap)" : "",
	           util_fmt_bytes(live, sizeof live, (double)s->c.live_bytes),
	           util_fmt_count(blocks, sizeof blocks, (uint64_t)(s->c.live_blocks > 0 ? s->c.live_blocks : 0)),
	           util_fmt_bytes(alloc, sizeof alloc, (double)s->c.bytes_alloc),
	           util_fmt_count(calls, sizeof calls, s->c.allocs), share);
	double oldest = m->have_blocks && s->oldest_s >= 0 ? t->hdr.now_s - s->oldest_s : -1;
	draw_textf(a.y + 1, a.x + 1, a.w - 2, ROLE_LABEL, "oldest live block: %s%s;  Esc or Left goes back",
	           oldest >= 0 ? fmt_age(age, sizeof age, oldest) : "none", oldest >= 0 ? " old" : "");
	int n;
	const struct sym_frame *f = model_site_frames(m, t->r, s, &n);
	v->dl.n = n;
	int rows = a.h - 3;
	list_clamp(&v->dl, rows);
	for (int i = 0; i < rows && v->dl.top + i < n; i++) {
		const struct sym_frame *fr = &f[v->dl.top + i];
		char line[1024], label[768];
		frame_label(fr, label, sizeof label);
		snprintf(line, sizeof line, "#%-3d %s%s%s", v->dl.top + i, label, fr->module ? "  in " : "",
		         fr->module ? base_name(fr->module) : "");
		int sel = v->dl.top + i == v->dl.sel;
		if (sel)
			draw_fill(a.y + 3 + i, a.x, a.w, ROLE_SELECTED);
		draw_text(a.y + 3 + i, a.x + 1, a.w - 2, sel ? ROLE_SELECTED : ROLE_NORMAL, line);
	}
	if (s->truncated && rows > n)
		draw_text(a.y + 3 + n, a.x + 1, a.w - 2, ROLE_DIM, "(deeper frames were cut: see --max-depth)");
}

static void sites_draw(struct tui *t, void *st, struct rect a)
{
	struct sites *v = st;
	if (v->detail)
		draw_detail(t, v, a);
	else
		draw_list(t, v, a);
}

static int sites_action(struct tui *t, void *st, enum tui_action a, int arg)
{
	struct sites *v = st;
	(void)arg;
	if (v->detail) {
		if (a == ACT_BACK) {
			v->detail = 0;
			return TUI_HANDLED | TUI_REDRAW;
		}
		return list_action(&v->dl, a, t->rows - 8);
	}
	switch (a) {
	case ACT_OPEN:
		if (!v->l.n)
			return TUI_HANDLED;
		v->detail = 1;
		v->detail_id = v->rows[v->l.sel];
		v->dl = (struct list){0};
		return TUI_HANDLED | TUI_REDRAW;
	case ACT_SORT_NEXT: v->sort = (v->sort + 1) % NSORT; return TUI_HANDLED | TUI_REBUILD;
	case ACT_SORT_PREV: v->sort = (v->sort + NSORT - 1) % NSORT; return TUI_HANDLED | TUI_REBUILD;
	case ACT_SORT_REVERSE: v->ascending = !v->ascending; return TUI_HANDLED | TUI_REBUILD;
	default: {
		int r = list_action(&v->l, a, t->rows - 8);
		if (r && v->l.n)
			v->sel_id = v->rows[v->l.sel];
		return r;
	}
	}
}

const struct tui_view view_sites = {
        .name = "Call sites",
        .about = "every allocation site: live and allocated figures, share of the peak, age; Enter: its stack",
        .filterable = 1,
        .init = sites_init,
        .done = sites_done,
        .rebuild = sites_rebuild,
        .draw = sites_draw,
        .action = sites_action,
};
