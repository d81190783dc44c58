/* view_threads.c — the Threads view: every thread's heap figures, rate, CPU and state; Enter: the sites holding its
 * live blocks. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/procfs.h"
#include "core/util.h"
#include "tui/view.h"

enum sort_col { COL_LIVE, COL_ALLOC, COL_RATE, COL_CPU, COL_TID, NSORT };

static const char *const sort_names[] = {"live bytes", "bytes allocated", "allocation rate", "CPU time", "tid"};

struct threads {
	struct list l;
	uint32_t *rows; /* indexes into the model's threads, in order (the array only grows) */
	size_t cap;
	int32_t sel_tid;
	int sort, ascending;
	int detail;
	int32_t detail_tid;
	struct thread_site *sites; /* of the detailed thread */
	size_t nsites;
	struct list dl;
};

static void *threads_init(struct tui *t)
{
	(void)t;
	return xcalloc(1, sizeof(struct threads));
}

static void threads_done(void *st)
{
	struct threads *v = st;
	free(v->rows);
	free(v->sites);
	free(v);
}

static const struct thread_stat *by_tid(const struct model *m, int32_t tid)
{
	for (size_t i = 0; i < m->nthreads; i++)
		if (m->threads[i].tid == tid)
			return &m->threads[i];
	return NULL;
}

static double sort_key(const struct thread_stat *t, int col)
{
	switch (col) {
	case COL_LIVE: return (double)t->c.live_bytes;
	case COL_ALLOC: return (double)t->c.bytes_alloc;
	case COL_RATE: return t->alloc_rate;
	case COL_CPU: return t->utime_s + t->stime_s;
	case COL_TID: return -(double)t->tid; /* "largest first" lists the lowest tid first */
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
	const struct thread_stat *x = &c->m->threads[*(const uint32_t *)a], *y = &c->m->threads[*(const uint32_t *)b];
	double kx = sort_key(x, c->col), ky = sort_key(y, c->col);
	if (kx != ky)
		return (kx < ky ? 1 : -1) * (c->ascending ? -1 : 1);
	return x->tid < y->tid ? -1 : x->tid > y->tid;
}

static int visible(struct tui *t, const struct thread_stat *th)
{
	struct regex *re = t->filter[t->view].re;
	return !re || regex_match(re, th->name);
}

static void threads_rebuild(struct tui *t, void *st)
{
	struct threads *v = st;
	struct model *m = t->m;
	if (v->detail) {
		tui_want_blocks(t);
		free(v->sites);
		v->sites = model_thread_sites(m, v->detail_tid, &v->nsites);
		v->dl.n = (int)v->nsites;
		return;
	}
	if (m->nthreads > v->cap) {
		v->cap = m->nthreads;
		v->rows = xrealloc(v->rows, v->cap * sizeof *v->rows);
	}
	int n = 0;
	for (size_t i = 0; i < m->nthreads; i++)
		if (visible(t, &m->threads[i]))
			v->rows[n++] = (uint32_t)i;
	struct sort_ctx c = {m, v->sort, v->ascending};
	qsort_r(v->rows, (size_t)n, sizeof *v->rows, cmp_rows, &c);
	v->l.n = n;
	for (int i = 0; i < n; i++)
		if (m->threads[v->rows[i]].tid == v->sel_tid)
			v->l.sel = i;
}

static const char *state_text(const struct tui *t, const struct thread_stat *th)
{
	if (th->exited)
		return "exited";
	if (t->m->target != TARGET_RUNNING)
		return "-";
	return th->os_state ? procfs_state_name(th->os_state) : "?";
}

static void thread_row(struct tui *t, int y, struct rect a, const struct thread_stat *th, int selected)
{
	char b[6][32];
	enum role r = selected ? ROLE_SELECTED : ROLE_NORMAL;
	if (selected)
		draw_fill(y, a.x, a.w, ROLE_SELECTED);
	snprintf(b[0], sizeof b[0], "%.1fs", th->utime_s + th->stime_s);
	snprintf(b[1], sizeof b[1], "%.0f%%", th->cpu_share * 100);
	snprintf(b[2], sizeof b[2], "%s/s", fmt_bytes_short(b[4], sizeof b[4], th->alloc_rate));
	draw_textf(y, a.x, a.w, r, "%7d %-15.15s %-9.9s %7s %4s %8s %9s %9s %7s", th->tid, th->name[0] ? th->name : "?",
	           state_text(t, th), b[0], b[1], fmt_bytes_short(b[3], sizeof b[3], (double)th->c.live_bytes),
	           fmt_bytes_short(b[4], sizeof b[4], (double)th->c.bytes_alloc), b[2],
	           fmt_clock(b[5], sizeof b[5], th->start_s));
}

static const struct column columns[] = {
        {"TID", 7, 0},  {"Name", 15, 1},     {"State", 9, 1}, {"CPU", 7, 0},     {"CPU%", 4, 0},
        {"Live", 8, 0}, {"Allocated", 9, 0}, {"Rate", 9, 0},  {"Started", 7, 0},
};

/* The table's column of each sort order. */
static const int sort_column[] = {5, 6, 7, 3, 0};

static void draw_list(struct tui *t, struct threads *v, struct rect a)
{
	draw_textf(a.y, a.x + 1, a.w - 2, ROLE_LABEL,
	           "%d threads%s, by %s%s; Enter: the sites holding a thread's live blocks", v->l.n,
	           t->filter[t->view].re ? " whose name matches the filter" : "", sort_names[v->sort],
	           v->ascending ? " (smallest first)" : "");
	table_header(t, a.y + 1, a.x, a.w, columns, 9, sort_column[v->sort], !v->ascending);
	int rows = a.h - 2;
	list_clamp(&v->l, rows);
	for (int i = 0; i < rows && v->l.top + i < v->l.n; i++) {
		const struct thread_stat *th = &t->m->threads[v->rows[v->l.top + i]];
		thread_row(t, a.y + 2 + i, a, th, v->l.top + i == v->l.sel);
	}
	if (v->l.n)
		v->sel_tid = t->m->threads[v->rows[v->l.sel]].tid;
}

static void draw_detail(struct tui *t, struct threads *v, struct rect a)
{
	const struct thread_stat *th = by_tid(t->m, v->detail_tid);
	char label[512] = "unknown";
	if (th && th->create_stack && th->create_stack < t->m->nsites)
		site_label(t, &t->m->sites[th->create_stack], label, sizeof label);
	else if (th && th->slot == 0)
		snprintf(label, sizeof label, "the process (main thread)");
	draw_textf(a.y, a.x + 1, a.w - 2, ROLE_VALUE, "thread %d %s, created by %s", (int)v->detail_tid,
	           th && th->name[0] ? th->name : "", label);
	static const struct column cols[] = {{"Live", 8, 0}, {"Blocks", 8, 0}, {"Oldest", 7, 0}, {"Site", 0, 1}};
	int x_site = table_header(t, a.y + 1, a.x, a.w, cols, 4, 0, 1);
	int rows = a.h - 2;
	list_clamp(&v->dl, rows);
	for (int i = 0; i < rows && v->dl.top + i < (int)v->nsites; i++) {
		const struct thread_site *ts = &v->sites[v->dl.top + i];
		int y = a.y + 2 + i, sel = v->dl.top + i == v->dl.sel;
		enum role r = sel ? ROLE_SELECTED : ROLE_NORMAL;
		char b[32];
		if (sel)
			draw_fill(y, a.x, a.w, ROLE_SELECTED);
		draw_text_right(y, a.x, 8, r, fmt_bytes_short(b, sizeof b, (double)ts->live_bytes));
		draw_text_right(y, a.x + 9, 8, r, fmt_count_short(b, sizeof b, (double)ts->live_blocks));
		draw_text_right(y, a.x + 18, 7, r, fmt_age(b, sizeof b, t->hdr.now_s - ts->oldest_s));
		site_label(t, ts->site, label, sizeof label);
		draw_text(y, x_site, a.x + a.w - x_site, r, label);
	}
	if (!v->nsites)
		draw_text(a.y + 2, a.x + 1, a.w - 2, ROLE_DIM, "no live block allocated by this thread");
}

static void threads_draw(struct tui *t, void *st, struct rect a)
{
	struct threads *v = st;
	if (v->detail)
		draw_detail(t, v, a);
	else
		draw_list(t, v, a);
}

static int threads_action(struct tui *t, void *st, enum tui_action a, int arg)
{
	struct threads *v = st;
	(void)arg;
	if (v->detail) {
		if (a == ACT_BACK) {
			v->detail = 0;
			return TUI_HANDLED | TUI_REBUILD;
		}
		return list_action(&v->dl, a, t->rows - 8);
	}
	switch (a) {
	case ACT_OPEN:
		if (!v->l.n)
			return TUI_HANDLED;
		v->detail = 1;
		v->detail_tid = t->m->threads[v->rows[v->l.sel]].tid;
		v->dl = (struct list){0};
		return TUI_HANDLED | TUI_REBUILD;
	case ACT_SORT_NEXT: v->sort = (v->sort + 1) % NSORT; return TUI_HANDLED | TUI_REBUILD;
	case ACT_SORT_PREV: v->sort = (v->sort + NSORT - 1) % NSORT; return TUI_HANDLED | TUI_REBUILD;
	case ACT_SORT_REVERSE: v->ascending = !v->ascending; return TUI_HANDLED | TUI_REBUILD;
	default: {
		int r = list_action(&v->l, a, t->rows - 8);
		if (r && v->l.n)
			v->sel_tid = t->m->threads[v->rows[v->l.sel]].tid;
		return r;
	}
	}
}

const struct tui_view view_threads = {
        .name = "Threads",
        .about = "every thread: live and allocated bytes, allocation rate, CPU, state; Enter: its sites",
        .filterable = 1,
        .init = threads_init,
        .done = threads_done,
        .rebuild = threads_rebuild,
        .draw = threads_draw,
        .action = threads_action,
};
