/* view_overview.c — the Overview view: memory, allocation-rate and thread graphs over the window, and the top sites. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "tui/view.h"

#define TOP_KEEP 64

struct overview {
	uint32_t top[TOP_KEEP]; /* site ids, most live bytes first (filtered) */
	int ntop;
};

static void *overview_init(struct tui *t)
{
	(void)t;
	return xcalloc(1, sizeof(struct overview));
}

static void overview_done(void *st)
{
	free(st);
}

static void overview_rebuild(struct tui *t, void *st)
{
	struct overview *o = st;
	int filtered = t->filter[t->view].re != NULL;
	size_t n;
	struct site **v = model_top_sites(t->m, SITES_BY_LIVE, filtered ? (int)t->m->nsites : TOP_KEEP, &n);
	o->ntop = 0;
	for (size_t i = 0; i < n && o->ntop < TOP_KEEP; i++)
		if (tui_site_visible(t, v[i]))
			o->top[o->ntop++] = v[i]->id;
	free(v);
}

/* Marks the overlays (budgets) want on graph g. */
static int overlay_marks(struct tui *t, enum tui_graph g, struct tui_mark *out, int max)
{
	int n = 0;
	for (int i = 0; i < t->o->noverlays && n < max; i++)
		if (t->o->overlays[i]->marks)
			n += t->o->overlays[i]->marks(t->o->overlays[i]->arg, g, out + n, max - n);
	return n;
}

/* One graph of one or two series fields over the window. */
static void plot(struct tui *t, struct rect r, const char *title, enum graph_unit unit, enum tui_graph which,
                 enum series_field line, const char *line_label, double line_now, int has_area, enum series_field area,
                 const char *area_label, double area_now)
{
	double span = tui_window_s(t), end = t->hdr.now_s;
	struct graph g = {.title = title, .unit = unit, .end_s = end, .relative = span > 0};
	g.span_s = span > 0 ? span : end > 1 ? end : 1;
	g.end_label = t->m->target == TARGET_RUNNING ? "now" : "end";
	int n = graph_points(r, t->graph);
	double *lv = xcalloc(n > 0 ? (size_t)n : 1, sizeof *lv), *av = xcalloc(n > 0 ? (size_t)n : 1, sizeof *av);
	if (n > 0) {
		series_resample(t->m->series, line, end - g.span_s, end, lv, (size_t)n);
		if (has_area)
			series_resample(t->m->series, area, end - g.span_s, end, av, (size_t)n);
	}
	g.line = (struct graph_series){line_label, lv, line_now};
	g.has_line = 1;
	g.area = (struct graph_series){area_label, av, area_now};
	g.has_area = has_area;
	struct tui_mark marks[8];
	g.nmarks = overlay_marks(t, which, marks, 8);
	g.marks = marks;
	graph_draw(&g, r, t->graph);
	free(lv);
	free(av);
}

static void top_sites(struct tui *t, struct overview *o, struct rect r)
{
	static const struct column cols[] = {
	        {"Live", 8, 0}, {"Blocks", 8, 0}, {"Peak%", 6, 0}, {"Top sites by live bytes", 0, 1}};
	int x = table_header(t, r.y, r.x, r.w, cols, 4, 0, 1);
	for (int i = 0; i < o->ntop && i < r.h - 1; i++) {
		struct site *s = &t->m->sites[o->top[i]];
		int y = r.y + 1 + i;
		char a[32], label[512];
		draw_text_right(y, r.x, 8, ROLE_NORMAL, fmt_bytes_short(a, sizeof a, (double)s->c.live_bytes));
		draw_text_right(y, r.x + 9, 8, ROLE_NORMAL, fmt_count_short(a, sizeof a, (double)s->c.live_blocks));
		double share = t->m->peak_live > 0 ? 100.0 * (double)s->at_peak_bytes / (double)t->m->peak_live : 0;
		snprintf(a, sizeof a, "%.1f", share);
		draw_text_right(y, r.x + 18, 6, ROLE_NORMAL, a);
		site_label(t, s, label, sizeof label);
		draw_text(y, x, r.x + r.w - x, ROLE_NORMAL, label);
	}
	if (!o->ntop)
		draw_text(r.y + 1, r.x + 1, r.w - 2, ROLE_DIM,
		          t->filter[t->view].re ? "no site matches the filter" : "no live heap yet");
}

static void overview_draw(struct tui *t, void *st, struct rect a)
{
	struct overview *o = st;
	const struct tui_header *h = &t->hdr;
	int sites_h = a.h / 4 < 3 ? 3 : a.h / 4 > 12 ? 12 : a.h / 4;
	int gh = a.h - sites_h;
	struct rect mem = {a.y, a.x, gh / 2, a.w}, rates, threads;
	if (a.w >= 160) { /* wide: memory on top, rates and threads side by side under it */
		mem.h = gh * 3 / 5;
		rates = (struct rect){a.y + mem.h, a.x, gh - mem.h, a.w * 2 / 3};
		threads = (struct rect){a.y + mem.h, a.x + rates.w + 1, gh - mem.h, a.w - rates.w - 1};
	} else {
		rates = (struct rect){a.y + mem.h, a.x, (gh - mem.h) * 3 / 5, a.w};
		threads = (struct rect){rates.y + rates.h, a.x, gh - mem.h - rates.h, a.w};
	}
	plot(t, mem, "Memory", UNIT_BYTES, TUI_GRAPH_MEMORY, SERIES_RSS, "RSS", (double)h->rss, 1, SERIES_HEAP_LIVE,
	     "heap live", (double)h->heap_live);
	plot(t, rates, "Rates", UNIT_PER_S, TUI_GRAPH_RATES, SERIES_FREE_RATE, "frees", h->frees_s, 1,
	     SERIES_ALLOC_RATE, "allocations", h->allocs_s);
	plot(t, threads, "Threads", UNIT_COUNT, TUI_GRAPH_THREADS, SERIES_THREADS, "threads", h->threads, 0,
	     SERIES_THREADS, NULL, 0);
	top_sites(t, o, (struct rect){a.y + gh, a.x, sites_h, a.w});
}

const struct tui_view view_overview = {
        .name = "Overview",
        .about = "graphs of memory, allocation rates and threads over time; the sites holding the most",
        .filterable = 1,
        .init = overview_init,
        .done = overview_done,
        .rebuild = overview_rebuild,
        .draw = overview_draw,
};
