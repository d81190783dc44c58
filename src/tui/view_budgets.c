/* view_budgets.c — the Budgets view (each budget's limit, value, peak and state) and the Lua runtime's overlay: budget
 * status in the header, budget limits on the graphs, script errors in the footer. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "lua/host.h"
#include "tui/view.h"

/* A budget copied out of the Lua runtime at rebuild. */
struct budget_row {
	char name[64], limit[32], value[32], peak[32], where[96], match[64];
	int over, violated, has_value, error;
	double violated_at, over_since, sustained;
};

struct budgets {
	struct list l;
	struct budget_row *rows;
	size_t cap;
	int over, violated;
};

static const struct column columns[] = {
        {"Budget", 22, 1}, {"Limit", 11, 0}, {"Now", 11, 0}, {"Peak", 11, 0}, {"Status", 0, 1}};

static void *budgets_init(struct tui *t)
{
	(void)t;
	return xcalloc(1, sizeof(struct budgets));
}

static void budgets_done(void *st)
{
	struct budgets *v = st;
	free(v->rows);
	free(v);
}

static int budgets_available(const struct tui *t)
{
	return t->o->lua != NULL;
}

static void copy_row(const struct budget *b, struct budget_row *r)
{
	memset(r, 0, sizeof *r);
	if (strcmp(b->name, b->metric) == 0)
		snprintf(r->name, sizeof r->name, "%s", b->name);
	else
		snprintf(r->name, sizeof r->name, "%s (%s)", b->name, b->match ? b->match : b->metric);
	host_fmt_value(r->limit, sizeof r->limit, b->max, b->unit);
	r->has_value = b->has_value;
	if (b->has_value) {
		host_fmt_value(r->value, sizeof r->value, b->value, b->unit);
		host_fmt_value(r->peak, sizeof r->peak, b->peak, b->unit);
	}
	snprintf(r->where, sizeof r->where, "%s", b->where);
	r->over = b->over_now;
	r->violated = b->violated;
	r->error = b->disabled;
	r->violated_at = b->first_violation;
	r->over_since = b->over_since;
	r->sustained = b->sustained_s;
}

static void budgets_rebuild(struct tui *t, void *st)
{
	struct budgets *v = st;
	size_t n;
	const struct budget *b = host_budgets(t->o->lua, &n);
	if (n > v->cap) {
		v->cap = n;
		v->rows = xrealloc(v->rows, v->cap * sizeof *v->rows);
	}
	struct regex *re = t->filter[t->view].re;
	int k = 0;
	v->over = v->violated = 0;
	for (size_t i = 0; i < n; i++) {
		v->over += b[i].over_now;
		v->violated += b[i].violated;
		if (re && !regex_match(re, b[i].name) && !regex_match(re, b[i].metric))
			continue;
		copy_row(&b[i], &v->rows[k++]);
	}
	v->l.n = k;
}

static void status_text(const struct budget_row *r, char *buf, size_t len, enum role *role)
{
	char at[32], since[32], sus[32];
	if (r->error) {
		snprintf(buf, len, "ERROR: its value function failed (see the Log view)");
		*role = ROLE_BAD;
	} else if (r->over) {
		snprintf(buf, len, "OVER since %s", fmt_clock(since, sizeof since, r->over_since));
		*role = ROLE_BAD;
	} else if (r->violated) {
		snprintf(buf, len, "ok now; violated at %s", fmt_clock(at, sizeof at, r->violated_at));
		*role = ROLE_WARN;
	} else if (r->over_since >= 0 && r->has_value) {
		snprintf(buf, len, "over since %s, not for %s yet", fmt_clock(since, sizeof since, r->over_since),
		         fmt_age(sus, sizeof sus, r->sustained));
		*role = ROLE_WARN;
	} else {
		snprintf(buf, len, r->has_value ? "ok" : "no value yet");
		*role = r->has_value ? ROLE_GOOD : ROLE_DIM;
	}
}

static void budgets_draw(struct tui *t, void *st, struct rect a)
{
	struct budgets *v = st;
	draw_textf(a.y, a.x + 1, a.w - 2, ROLE_LABEL, "%d budget%s: %d over now, %d violated during the run%s", v->l.n,
	           v->l.n == 1 ? "" : "s", v->over, v->violated, t->filter[t->view].re ? "; filtered" : "");
	int x_status = table_header(t, a.y + 1, a.x, a.w, columns, 5, -1, 1);
	int rows = a.h - 3;
	list_clamp(&v->l, rows);
	for (int i = 0; i < rows && v->l.top + i < v->l.n; i++) {
		const struct budget_row *r = &v->rows[v->l.top + i];
		int y = a.y + 2 + i, sel = v->l.top + i == v->l.sel;
		char status[128];
		enum role sr;
		status_text(r, status, sizeof status, &sr);
		enum role nr = sel ? ROLE_SELECTED : r->over ? ROLE_BAD : ROLE_NORMAL;
		if (sel)
			draw_fill(y, a.x, a.w, ROLE_SELECTED);
		int x = a.x;
		draw_text(y, x, 22, nr, r->name);
		draw_text_right(y, x += 23, 11, nr, r->limit);
		draw_text_right(y, x += 12, 11, nr, r->has_value ? r->value : "-");
		draw_text_right(y, x += 12, 11, nr, r->has_value ? r->peak : "-");
		draw_text(y, x_status, a.x + a.w - x_status, sel ? ROLE_SELECTED : sr, status);
	}
	if (!v->l.n)
		draw_text(a.y + 2, a.x + 1, a.w - 2, ROLE_DIM,
		          t->filter[t->view].re ? "no budget matches the filter"
		                                : "no budgets: define them in a script (memlens run -s FILE.lua)");
	else if (v->l.sel < v->l.n)
		draw_textf(a.y + a.h - 1, a.x + 1, a.w - 2, ROLE_DIM, "defined at %s", v->rows[v->l.sel].where);
}

static int budgets_action(struct tui *t, void *st, enum tui_action a, int arg)
{
	struct budgets *v = st;
	(void)arg;
	return list_action(&v->l, a, t->rows - 8);
}

const struct tui_view view_budgets = {
        .name = "Budgets",
        .about = "every budget of the scripts: its limit, value now and peak; over and violated ones highlighted",
        .filterable = 1,
        .init = budgets_init,
        .done = budgets_done,
        .rebuild = budgets_rebuild,
        .draw = budgets_draw,
        .action = budgets_action,
        .available = budgets_available,
};

/* ---- the overlay --------------------------------------------------------------------------- */

struct lua_overlay {
	struct tui_overlay o;
	struct host *h;
	size_t messages_seen;
};

static struct lua_overlay the_overlay;

/* "budgets: 3 ok" / "budgets: 1 over" / "budgets: 1 violated" (over earlier, not now). */
static int overlay_status(void *arg, char *buf, size_t len, enum tui_severity *sev)
{
	struct lua_overlay *lo = arg;
	size_t n;
	const struct budget *b = host_budgets(lo->h, &n);
	if (!n)
		return 0;
	int over = 0, violated = 0;
	for (size_t i = 0; i < n; i++) {
		over += b[i].over_now;
		violated += b[i].violated;
	}
	if (over) {
		snprintf(buf, len, "budgets: %d over", over);
		*sev = TUI_BAD;
	} else if (violated) {
		snprintf(buf, len, "budgets: %d violated", violated);
		*sev = TUI_WARN;
	} else {
		snprintf(buf, len, "budgets: %zu ok", n);
		*sev = TUI_OK;
	}
	return 1;
}

/* Which graph shows a metric's limit: the graph in the same unit and the same figure. */
static int graph_of(const char *metric, enum tui_graph *g)
{
	if (!strcmp(metric, "heap.live") || !strcmp(metric, "rss") || !strcmp(metric, "rss.anon") ||
	    !strcmp(metric, "heap.peak"))
		*g = TUI_GRAPH_MEMORY;
	else if (!strcmp(metric, "alloc.calls"))
		*g = TUI_GRAPH_RATES;
	else if (!strcmp(metric, "threads"))
		*g = TUI_GRAPH_THREADS;
	else
		return 0;
	return 1;
}

/* A limit is drawn once the figure has come within a quarter of it: a line far above the
 * data would take the graph's whole scale (marks count in it) and flatten the data. */
static int overlay_marks(void *arg, enum tui_graph g, struct tui_mark *out, int max)
{
	struct lua_overlay *lo = arg;
	size_t n;
	const struct budget *b = host_budgets(lo->h, &n);
	int k = 0;
	for (size_t i = 0; i < n && k < max; i++) {
		enum tui_graph bg;
		if (!graph_of(b[i].metric, &bg) || bg != g || !b[i].has_value || b[i].peak < b[i].max / 4)
			continue;
		out[k].value = b[i].max;
		snprintf(out[k].label, sizeof out[k].label, "%s", b[i].name);
		out[k].severity = b[i].over_now ? TUI_BAD : b[i].violated ? TUI_WARN : TUI_OK;
		k++;
	}
	return k;
}

/* The newest script error since the last call, for the footer. */
static int overlay_note(void *arg, char *buf, size_t len, enum tui_severity *sev)
{
	struct lua_overlay *lo = arg;
	size_t n;
	const struct host_message *m = host_messages(lo->h, &n);
	size_t total = host_error_count(lo->h);
	if (total == lo->messages_seen)
		return 0;
	lo->messages_seen = total;
	for (size_t i = n; i-- > 0;)
		if (m[i].level == HOST_ERROR) {
			snprintf(buf, len, "lua: %s", m[i].text);
			*sev = TUI_BAD;
			return 1;
		}
	return 0;
}

const struct tui_overlay *tui_lua_overlay(struct host *h)
{
	the_overlay = (struct lua_overlay){
	        .o = {.name = "lua",
	              .arg = &the_overlay,
	              .status = overlay_status,
	              .marks = overlay_marks,
	              .note = overlay_note},
	        .h = h,
	};
	return &the_overlay.o;
}
