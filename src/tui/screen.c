/* screen.c — the frame every view sits in: header with the target's figures, tabs, footer with prompt or hints, help,
 * "too small". */
#include "config.h"

#include <curses.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/util.h"
#include "tui/screen.h"

#define HEADER_ROWS 4 /* three lines of figures, one of tabs */

const char *screen_target_state(const struct tui *t, char *buf, size_t len, enum role *role)
{
	const struct model *m = t->m;
	enum role r = ROLE_GOOD;
	switch (m->target) {
	case TARGET_RUNNING: snprintf(buf, len, "running"); break;
	case TARGET_EXITED:
		snprintf(buf, len, "exited with status %d", m->exit_code);
		r = m->exit_code ? ROLE_BAD : ROLE_WARN;
		break;
	case TARGET_KILLED:
		snprintf(buf, len, "killed by signal %d (%s)", m->signal, strsignal(m->signal));
		r = ROLE_BAD;
		break;
	case TARGET_GONE:
		snprintf(buf, len, "ended (how is unknown: not memlens's child)");
		r = ROLE_WARN;
		break;
	}
	if (role)
		*role = r;
	return buf;
}

/* Label and value pairs along a line; returns the next x. */
static int pair(int y, int x, int end, const char *label, const char *value)
{
	if (x >= end)
		return x;
	x += draw_text(y, x, end - x, ROLE_LABEL, label);
	x += draw_text(y, x, end - x, ROLE_NORMAL, " ");
	x += draw_text(y, x, end - x, ROLE_VALUE, value);
	return x + 2;
}

/* The budget slot: what an overlay (Lua budgets) says, or that there are none. */
static void budget_slot(struct tui *t, int y)
{
	char buf[64] = "";
	enum role r = ROLE_BAR;
	for (int i = 0; i < t->o->noverlays; i++) {
		const struct tui_overlay *o = t->o->overlays[i];
		enum tui_severity sev = TUI_OK;
		if (o->status && o->status(o->arg, buf, sizeof buf, &sev)) {
			r = sev == TUI_BAD ? ROLE_BAD : sev == TUI_WARN ? ROLE_WARN : ROLE_GOOD;
			break;
		}
		buf[0] = '\0';
	}
	if (!buf[0])
		snprintf(buf, sizeof buf, "budgets: none");
	int w = draw_width(buf);
	if (w + 2 < t->cols / 3)
		draw_text(y, t->cols - w - 1, w, r, buf);
}

static void header_line0(struct tui *t)
{
	char cmd[256] = "", pid[32], up[32], state[128];
	size_t o = 0;
	for (int i = 0; i < t->m->argc && o < sizeof cmd - 1; i++)
		o += (size_t)snprintf(cmd + o, sizeof cmd - o, "%s%s", i ? " " : "",
		                      i ? t->m->argv[i] : base_name(t->m->argv[i]));
	draw_fill(0, 0, t->cols, ROLE_BAR);
	int x = draw_text(0, 1, t->cols - 1, ROLE_BAR, "memlens") + 3;
	enum role sr;
	screen_target_state(t, state, sizeof state, &sr);
	snprintf(pid, sizeof pid, "pid %d", (int)t->m->pid);
	char clock[24];
	snprintf(up, sizeof up, "up %s", fmt_clock(clock, sizeof clock, t->hdr.now_s));
	int room = t->cols - x - draw_width(pid) - draw_width(up) - draw_width(state) - 24;
	x += draw_text(0, x, room > 8 ? room : 8, ROLE_BAR, cmd) + 2;
	x += draw_text(0, x, t->cols - x, ROLE_BAR, pid) + 2;
	x += draw_text(0, x, t->cols - x, ROLE_BAR, up) + 2;
	draw_text(0, x, t->cols - x, t->m->target == TARGET_RUNNING ? ROLE_BAR : sr, state);
	budget_slot(t, 0);
}

static void header_lines(struct tui *t)
{
	const struct tui_header *h = &t->hdr;
	char a[32], b[48], c[32];
	int end = t->cols;
	int x = pair(1, 1, end, "RSS", util_fmt_bytes(a, sizeof a, (double)h->rss));
	x = pair(1, x, end, "heap live", util_fmt_bytes(a, sizeof a, (double)h->heap_live));
	snprintf(b, sizeof b, "%s at %s", util_fmt_bytes(a, sizeof a, (double)h->peak_live),
	         fmt_clock(c, sizeof c, h->peak_s));
	x = pair(1, x, end, "peak", b);
	snprintf(a, sizeof a, "%u", h->threads);
	pair(1, x, end, "threads", a);

	snprintf(b, sizeof b, "%s/s (%s/s)", fmt_count_short(a, sizeof a, h->allocs_s),
	         util_fmt_bytes(c, sizeof c, h->bytes_s));
	x = pair(2, 1, end, "alloc", b);
	snprintf(b, sizeof b, "%s/s", fmt_count_short(a, sizeof a, h->frees_s));
	x = pair(2, x, end, "free", b);
	x = pair(2, x, end, "window", tui_window_name(t));
	if (t->paused)
		draw_text(2, x, end - x, ROLE_WARN, "PAUSED (p resumes)");
}

static void tabs(struct tui *t)
{
	int x = 0;
	for (int i = 0; i < tui_nviews && x < t->cols; i++) {
		const struct tui_view *v = tui_views[i];
		if (v->available && !v->available(t))
			continue;
		char label[48];
		snprintf(label, sizeof label, " %d %s ", i + 1, v->name);
		x += draw_text(3, x, t->cols - x, i == t->view ? ROLE_TAB_ACTIVE : ROLE_TAB, label) + 1;
	}
}

void screen_header(struct tui *t)
{
	header_line0(t);
	header_lines(t);
	tabs(t);
}

struct rect screen_view_area(const struct tui *t)
{
	return (struct rect){HEADER_ROWS, 0, t->rows - HEADER_ROWS - 1, t->cols};
}

/* A message an overlay has for the footer (a script error) becomes the note. */
static void overlay_notes(struct tui *t)
{
	for (int i = 0; i < t->o->noverlays; i++) {
		const struct tui_overlay *o = t->o->overlays[i];
		char buf[200];
		enum tui_severity sev = TUI_OK;
		if (o->note && o->note(o->arg, buf, sizeof buf, &sev))
			tui_note(t, sev == TUI_BAD ? ROLE_BAD : sev == TUI_WARN ? ROLE_WARN : ROLE_GOOD, "%s", buf);
	}
}

void screen_footer(struct tui *t)
{
	int y = t->rows - 1;
	overlay_notes(t);
	draw_fill(y, 0, t->cols, ROLE_BAR);
	if (t->prompting == PROMPT_FILTER) {
		int x = draw_text(y, 0, t->cols, ROLE_BAR,
		                  "/ filter (PCRE2; Enter applies, empty clears, Esc cancels): ");
		x += draw_text(y, x, t->cols - x - 1, ROLE_NORMAL, t->input);
		draw_text(y, x, 1, ROLE_SELECTED, " ");
	} else if (t->prompting == PROMPT_QUIT) {
		draw_textf(y, 0, t->cols, ROLE_WARN, "detach from pid %d and quit? (y/n)", (int)t->m->pid);
	} else if (t->note[0]) {
		draw_text(y, 0, t->cols, t->note_role, t->note);
	} else {
		const struct tui_filter *f = &t->filter[t->view];
		int x = 1;
		if (f->re)
			x += draw_textf(y, x, t->cols - x, ROLE_BAR, "filter /%s/  ", f->source);
		draw_text(y, x, t->cols - x, ROLE_BAR,
		          "?:help  1-9/Tab:views  /:filter  p:pause  w:window  s:snapshot  q:quit");
	}
}

/* ---- the prompt ---------------------------------------------------------------------- */

static void filter_set(struct tui_filter *f, struct regex *re, const char *source)
{
	regex_free(f->re);
	f->re = re;
	snprintf(f->source, sizeof f->source, "%s", re ? source : "");
	f->generation++;
	if (f->site)
		memset(f->site, 0, f->nsite);
}

static int apply_filter(struct tui *t)
{
	struct tui_filter *f = &t->filter[t->view];
	t->prompting = 0;
	if (t->input_len == 0) {
		filter_set(f, NULL, NULL);
		tui_note(t, ROLE_GOOD, "filter cleared");
		return TUI_REBUILD | TUI_REDRAW;
	}
	char err[256];
	struct regex *re = regex_compile(t->input, err, sizeof err);
	if (!re) {
		tui_note(t, ROLE_BAD, "bad pattern /%s/: %s", t->input, err);
		return TUI_REDRAW;
	}
	filter_set(f, re, t->input);
	return TUI_REBUILD | TUI_REDRAW;
}

int screen_prompt_key(struct tui *t, int code)
{
	if (t->prompting == PROMPT_QUIT) {
		t->prompting = 0;
		return code == 'y' || code == 'Y' ? TUI_QUIT : TUI_REDRAW;
	}
	switch (code) {
	case 27: t->prompting = 0; return TUI_REDRAW;
	case '\n':
	case '\r':
	case KEY_ENTER: return apply_filter(t);
	case KEY_BACKSPACE:
	case 127:
	case 8:
		if (t->input_len)
			t->input[--t->input_len] = '\0';
		return TUI_REDRAW;
	case 21: /* Ctrl-U */
		t->input_len = 0;
		t->input[0] = '\0';
		return TUI_REDRAW;
	case 3: /* Ctrl-C leaves the prompt, as Esc does */ t->prompting = 0; return TUI_REDRAW;
	}
	if (code >= 32 && code < 256 && code != 127 && t->input_len + 1 < sizeof t->input) {
		t->input[t->input_len++] = (char)code;
		t->input[t->input_len] = '\0';
	}
	return TUI_REDRAW;
}

/* ---- help ------------------------------------------------------------------------------- */

static int help_group(const struct tui_key *k)
{
	return k->action >= ACT_UP && k->action <= ACT_END;
}

static int help_line(struct tui *t, int y, struct rect a, const char *keys, const char *text)
{
	if (y >= a.y + a.h)
		return y;
	draw_text(y, a.x + 2, 20, ROLE_KEY, keys);
	draw_text(y, a.x + 24, a.w - 25, ROLE_NORMAL, text);
	return y + 1;
}

void screen_help(struct tui *t, struct rect a)
{
	const char *scope = tui_views[t->view]->name;
	int y = a.y;
	draw_textf(y++, a.x + 1, a.w - 2, ROLE_VALUE, "memlens keys (any key closes this; the %s view's own keys last)",
	           scope);
	int nav_done = 0;
	for (const struct tui_key *k = tui_keys; k->action != ACT_NONE; k++) {
		char keys[64];
		if (k->scope)
			continue;
		if (k->action == ACT_VIEW) {
			if (k->arg == 0) {
				char views[256];
				size_t o = 0;
				for (int i = 0; i < tui_nviews && o < sizeof views; i++)
					o += (size_t)snprintf(views + o, sizeof views - o, "%s%d %s", i ? ", " : "",
					                      i + 1, tui_views[i]->name);
				y = help_line(t, y, a, "1-9", views);
			}
			continue;
		}
		if (help_group(k)) {
			if (!nav_done++)
				y = help_line(t, y, a, "arrows, j/k, PgUp..", "move in lists (Home, End too)");
			continue;
		}
		y = help_line(t, y, a, keys_names(k, keys, sizeof keys), k->help);
	}
	for (const struct tui_key *k = tui_keys; k->action != ACT_NONE; k++) {
		char keys[64];
		if (k->scope && strcmp(k->scope, scope) == 0)
			y = help_line(t, y, a, keys_names(k, keys, sizeof keys), k->help);
	}
}

void screen_too_small(struct tui *t)
{
	char need[64];
	snprintf(need, sizeof need, "%dx%d, needs %dx%d", t->cols, t->rows, SCREEN_MIN_COLS, SCREEN_MIN_ROWS);
	const char *lines[] = {"memlens: terminal too small", need, "enlarge it, or q to quit"};
	for (int i = 0; i < 3; i++) {
		int w = draw_width(lines[i]);
		int x = (t->cols - w) / 2;
		draw_text(t->rows / 2 - 1 + i, x > 0 ? x : 0, t->cols, i ? ROLE_NORMAL : ROLE_WARN, lines[i]);
	}
}

/* ---- timings ------------------------------------------------------------------------- */

#define TIMING_KEEP 512

static struct {
	uint64_t n, max;
	uint64_t last[TIMING_KEEP];
	uint64_t keyed_n, keyed_max; /* rebuilds a key asked for (a view shown, a new order) */
} timing[TUI_MAX_VIEWS];

void screen_note_timing(struct tui *t, uint64_t ns, int keyed)
{
	int v = t->view;
	if (keyed) {
		timing[v].keyed_n++;
		if (ns > timing[v].keyed_max)
			timing[v].keyed_max = ns;
		return;
	}
	timing[v].last[timing[v].n % TIMING_KEEP] = ns;
	timing[v].n++;
	if (ns > timing[v].max)
		timing[v].max = ns;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

void screen_log_timing(struct tui *t)
{
	for (int v = 0; v < tui_nviews; v++) {
		uint64_t n = timing[v].n < TIMING_KEEP ? timing[v].n : TIMING_KEEP;
		if (!n)
			continue;
		uint64_t sorted[TIMING_KEEP];
		memcpy(sorted, timing[v].last, n * sizeof *sorted);
		qsort(sorted, n, sizeof *sorted, cmp_u64);
		log_msg(LOG_DEBUG,
		        "refresh of the %s view (read the model, sort, draw): %llu times, median %.2f ms, 95th "
		        "percentile %.2f ms, max %.2f ms, %zu sites; after a key: %llu times, max %.2f ms",
		        tui_views[v]->name, (unsigned long long)timing[v].n, sorted[n / 2] / 1e6,
		        sorted[n * 95 / 100] / 1e6, timing[v].max / 1e6, t->m->nsites,
		        (unsigned long long)timing[v].keyed_n, timing[v].keyed_max / 1e6);
	}
}
