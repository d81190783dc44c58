/* view_leaks.c — the Leaks view: what the Lua heuristics found, ranked by score with their reasons; Enter: the stack.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "lua/host.h"
#include "tui/view.h"

/* A finding copied out of the Lua runtime at rebuild: the runtime may reallocate its own
 * between two draws. */
struct leak_row {
	char heuristic[48], category[16], score[32], score_short[16];
	char reason[256], label[256];
	uint32_t site; /* FINDING_PROCESS for the process */
	int fired, ever_fired, current;
	double first_s, last_s;
};

struct leaks {
	struct list l;
	struct leak_row *rows;
	size_t cap;
	int fired, heuristics, errors;
	double age; /* seconds since the latest evaluation */
	int detail;
	struct leak_row shown; /* the one Enter opened */
	struct list dl;
};

static const struct column columns[] = {{"Score", 10, 0}, {"Heuristic", 15, 1}, {"Site", 26, 1}, {"Reason", 0, 1}};

static void *leaks_init(struct tui *t)
{
	(void)t;
	return xcalloc(1, sizeof(struct leaks));
}

static void leaks_done(void *st)
{
	struct leaks *v = st;
	free(v->rows);
	free(v);
}

static int leaks_available(const struct tui *t)
{
	return t->o->lua != NULL;
}

/* The filter applies to the site's frames, the heuristic's name and the reason. */
static int row_visible(struct tui *t, const struct leak_row *r)
{
	struct regex *re = t->filter[t->view].re;
	if (!re)
		return 1;
	if (regex_match(re, r->heuristic) || regex_match(re, r->reason))
		return 1;
	return r->site != FINDING_PROCESS && r->site < t->m->nsites && tui_site_visible(t, &t->m->sites[r->site]);
}

/* The score in the table's 10 columns: "235K/s", "1.2M", "471/s". */
static void short_score(char *buf, size_t len, double v, enum host_unit unit)
{
	char b[16];
	switch (unit) {
	case HOST_UNIT_BYTES: fmt_bytes_short(buf, len, v); break;
	case HOST_UNIT_BYTES_PER_S: snprintf(buf, len, "%s/s", fmt_bytes_short(b, sizeof b, v)); break;
	case HOST_UNIT_COUNT_PER_S:
		if (v < 100)
			snprintf(buf, len, "%.2g/s", v);
		else
			snprintf(buf, len, "%s/s", fmt_count_short(b, sizeof b, v));
		break;
	case HOST_UNIT_COUNT: fmt_count_short(buf, len, v); break;
	case HOST_UNIT_SECONDS: fmt_age(buf, len, v); break;
	case HOST_UNIT_NUMBER: snprintf(buf, len, "%.4g", v); break;
	}
}

static void copy_row(struct host *h, const struct host_finding_ref *ref, struct leak_row *r)
{
	memset(r, 0, sizeof *r);
	snprintf(r->heuristic, sizeof r->heuristic, "%s", ref->he->name);
	snprintf(r->category, sizeof r->category, "%s", ref->he->category);
	host_fmt_value(r->score, sizeof r->score, ref->f->score, ref->he->unit);
	short_score(r->score_short, sizeof r->score_short, ref->f->score, ref->he->unit);
	snprintf(r->reason, sizeof r->reason, "%s", ref->f->reason ? ref->f->reason : "");
	r->site = ref->f->site;
	if (r->site == FINDING_PROCESS)
		snprintf(r->label, sizeof r->label, "(the process)");
	else
		host_site_label(h, r->site, r->label, sizeof r->label);
	r->fired = ref->f->fired;
	r->ever_fired = ref->f->ever_fired;
	r->current = ref->f->current;
	r->first_s = ref->f->first_s;
	r->last_s = ref->f->last_s;
}

static void leaks_rebuild(struct tui *t, void *st)
{
	struct leaks *v = st;
	struct host *h = t->o->lua;
	size_t n, nh;
	struct host_finding_ref *refs = host_findings_ranked(h, &n);
	if (n > v->cap) {
		v->cap = n;
		v->rows = xrealloc(v->rows, v->cap * sizeof *v->rows);
	}
	int k = 0;
	v->fired = 0;
	for (size_t i = 0; i < n; i++) {
		copy_row(h, &refs[i], &v->rows[k]);
		v->fired += v->rows[k].ever_fired;
		if (row_visible(t, &v->rows[k]))
			k++;
	}
	free(refs);
	v->l.n = k;
	host_heuristics(h, &nh);
	v->heuristics = (int)nh;
	v->errors = (int)host_error_count(h);
	v->age = host_last_evaluation_age(h);
}

static enum role row_role(const struct leak_row *r)
{
	if (r->current && r->fired)
		return ROLE_BAD;
	if (r->ever_fired)
		return ROLE_WARN;
	return ROLE_DIM;
}

static void draw_list(struct tui *t, struct leaks *v, struct rect a)
{
	char age[32];
	if (v->age >= 0)
		fmt_age(age, sizeof age, v->age);
	draw_textf(a.y, a.x + 1, a.w - 2, ROLE_LABEL, "%d suspect%s, %d fired; %d heuristics, evaluated %s%s%s%s",
	           v->l.n, v->l.n == 1 ? "" : "s", v->fired, v->heuristics, v->age >= 0 ? age : "not yet",
	           v->age >= 0 ? " ago" : "", v->errors ? "; script errors: see the Log view" : "",
	           t->filter[t->view].re ? "; filtered" : "");
	int x_reason = table_header(t, a.y + 1, a.x, a.w, columns, 4, -1, 1);
	int rows = a.h - 2;
	list_clamp(&v->l, rows);
	for (int i = 0; i < rows && v->l.top + i < v->l.n; i++) {
		const struct leak_row *r = &v->rows[v->l.top + i];
		int y = a.y + 2 + i, sel = v->l.top + i == v->l.sel;
		enum role role = sel ? ROLE_SELECTED : row_role(r);
		if (sel)
			draw_fill(y, a.x, a.w, ROLE_SELECTED);
		int x = a.x;
		draw_text_right(y, x, 10, role, r->score_short);
		draw_text(y, x += 11, 15, sel ? ROLE_SELECTED : ROLE_NORMAL, r->heuristic);
		draw_text(y, x += 16, 26, sel ? ROLE_SELECTED : ROLE_NORMAL, r->label);
		draw_text(y, x_reason, a.x + a.w - x_reason, sel ? ROLE_SELECTED : ROLE_NORMAL, r->reason);
	}
	if (!v->l.n)
		draw_text(a.y + 2, a.x + 1, a.w - 2, ROLE_DIM,
		          t->filter[t->view].re ? "no suspect matches the filter"
		          : v->age < 0          ? "no heuristic has run yet (every 5 s by default)"
		                                : "no suspects: nothing looks like a leak");
}

static void draw_detail(struct tui *t, struct leaks *v, struct rect a)
{
	const struct leak_row *r = &v->shown;
	char first[32], last[32];
	draw_textf(a.y, a.x + 1, a.w - 2, r->ever_fired ? ROLE_BAD : ROLE_VALUE, "%s: %s", r->heuristic, r->reason);
	draw_textf(a.y + 1, a.x + 1, a.w - 2, ROLE_LABEL, "score %s (%s); seen from %s to %s%s;  Esc or Left goes back",
	           r->score, r->category, fmt_clock(first, sizeof first, r->first_s),
	           fmt_clock(last, sizeof last, r->last_s), r->current ? "" : ", not any more");
	if (r->site == FINDING_PROCESS || r->site >= t->m->nsites) {
		draw_text(a.y + 3, a.x + 1, a.w - 2, ROLE_DIM, "a finding about the whole process: no stack");
		return;
	}
	struct site *s = &t->m->sites[r->site];
	char live[32], blocks[32];
	draw_textf(a.y + 2, a.x + 1, a.w - 2, ROLE_VALUE, "site %u: %s live in %s blocks", s->id,
	           util_fmt_bytes(live, sizeof live, (double)s->c.live_bytes),
	           util_fmt_count(blocks, sizeof blocks, (uint64_t)(s->c.live_blocks > 0 ? s->c.live_blocks : 0)));
	int n;
	const struct sym_frame *f = model_site_frames(t->m, t->r, s, &n);
	v->dl.n = n;
	int rows = a.h - 4;
	list_clamp(&v->dl, rows);
	for (int i = 0; i < rows && v->dl.top + i < n; i++) {
		const struct sym_frame *fr = &f[v->dl.top + i];
		char line[1024], label[768];
		frame_label(fr, label, sizeof label);
		snprintf(line, sizeof line, "#%-3d %s%s%s", v->dl.top + i, label, fr->module ? "  in " : "",
		         fr->module ? base_name(fr->module) : "");
		int sel = v->dl.top + i == v->dl.sel;
		if (sel)
			draw_fill(a.y + 4 + i, a.x, a.w, ROLE_SELECTED);
		draw_text(a.y + 4 + i, a.x + 1, a.w - 2, sel ? ROLE_SELECTED : ROLE_NORMAL, line);
	}
}

static void leaks_draw(struct tui *t, void *st, struct rect a)
{
	struct leaks *v = st;
	if (v->detail)
		draw_detail(t, v, a);
	else
		draw_list(t, v, a);
}

static int leaks_action(struct tui *t, void *st, enum tui_action a, int arg)
{
	struct leaks *v = st;
	(void)arg;
	if (v->detail) {
		if (a == ACT_BACK) {
			v->detail = 0;
			return TUI_HANDLED | TUI_REDRAW;
		}
		return list_action(&v->dl, a, t->rows - 8);
	}
	if (a == ACT_OPEN) {
		if (!v->l.n)
			return TUI_HANDLED;
		v->detail = 1;
		v->shown = v->rows[v->l.sel];
		v->dl = (struct list){0};
		return TUI_HANDLED | TUI_REDRAW;
	}
	return list_action(&v->l, a, t->rows - 8);
}

const struct tui_view view_leaks = {
        .name = "Leaks",
        .about = "suspects from the Lua heuristics, ranked by score, with their reasons; Enter: the stack",
        .filterable = 1,
        .init = leaks_init,
        .done = leaks_done,
        .rebuild = leaks_rebuild,
        .draw = leaks_draw,
        .action = leaks_action,
        .available = leaks_available,
};
