/* view_snapshots.c — the Snapshots view: `s` writes the model to a snapshot file; two of them compared as `memlens
 * diff` prints it. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/diff.h"
#include "core/log.h"
#include "core/snapshot.h"
#include "core/util.h"
#include "tui/view.h"

#define MAX_SNAPS 64
#define DIFF_TOP  100

struct snap {
	char path[512];
	double at_s; /* run time when taken */
	int64_t heap_live;
	uint64_t rss;
	size_t sites;
	long bytes;
};

struct snapshots {
	struct snap s[MAX_SNAPS];
	int n, counter;
	int mark[2]; /* indexes of marked snapshots, -1 when none */
	struct list l;
	enum diff_by by;
	int showing;  /* the comparison is on screen */
	int a, b;     /* what it compares */
	char **lines; /* the diff as text, one line each */
	int nlines;
	struct list dl;
};

static void *snapshots_init(struct tui *t)
{
	(void)t;
	struct snapshots *v = xcalloc(1, sizeof *v);
	v->mark[0] = v->mark[1] = -1;
	return v;
}

static void free_lines(struct snapshots *v)
{
	for (int i = 0; i < v->nlines; i++)
		free(v->lines[i]);
	free(v->lines);
	v->lines = NULL;
	v->nlines = 0;
}

static void snapshots_done(void *st)
{
	struct snapshots *v = st;
	free_lines(v);
	free(v);
}

/* A name in the snapshot directory that no file has yet: memlens-PID-N.mls. */
static void next_path(struct tui *t, struct snapshots *v, char *out, size_t len)
{
	const char *dir = t->o->snapshot_dir ? t->o->snapshot_dir : ".";
	do
		snprintf(out, len, "%s/memlens-%d-%d.mls", dir, (int)t->m->pid, ++v->counter);
	while (access(out, F_OK) == 0);
}

static int take(struct tui *t, struct snapshots *v)
{
	if (v->n == MAX_SNAPS) {
		tui_note(t, ROLE_WARN, "%d snapshots already in this session; compare them with memlens diff",
		         MAX_SNAPS);
		return TUI_HANDLED | TUI_REDRAW;
	}
	struct snap *s = &v->s[v->n];
	char err[512];
	next_path(t, v, s->path, sizeof s->path);
	tui_note(t, ROLE_WARN, "writing %s ...", s->path);
	uint64_t t0 = util_now_ns();
	if (snapshot_write(t->m, t->r, s->path, err, sizeof err) != SNAP_OK) {
		log_msg(LOG_ERROR, "snapshot: %s", err);
		tui_note(t, ROLE_BAD, "snapshot failed: %s", err);
		return TUI_HANDLED | TUI_REDRAW;
	}
	struct stat st;
	s->bytes = stat(s->path, &st) == 0 ? (long)st.st_size : -1;
	s->at_s = t->m->target == TARGET_RUNNING ? model_now_s(t->m) : t->m->duration_s;
	s->heap_live = t->m->heap.live_bytes;
	s->rss = t->m->status.rss;
	s->sites = t->m->nsites;
	v->n++;
	v->l.sel = v->n - 1;
	char size[32];
	log_msg(LOG_INFO, "snapshot written: %s (%s, %.0f ms)", s->path,
	        util_fmt_bytes(size, sizeof size, (double)s->bytes), (double)(util_now_ns() - t0) / 1e6);
	tui_note(t, ROLE_GOOD, "snapshot written: %s (%d in this session; Snapshots view compares them)", s->path,
	         v->n);
	return TUI_HANDLED | TUI_REDRAW;
}

/* The diff as the diff command prints it, split into lines for the view. */
static void set_text(struct snapshots *v, char *text, size_t len)
{
	free_lines(v);
	for (size_t i = 0; i < len;) {
		size_t j = i;
		while (j < len && text[j] != '\n')
			j++;
		v->lines = xrealloc(v->lines, (size_t)(v->nlines + 1) * sizeof *v->lines);
		v->lines[v->nlines] = xmalloc(j - i + 1);
		memcpy(v->lines[v->nlines], text + i, j - i);
		v->lines[v->nlines++][j - i] = '\0';
		i = j + 1;
	}
}

static int compare(struct tui *t, struct snapshots *v)
{
	struct model a, b;
	char err[512];
	const char *pa = v->s[v->a].path, *pb = v->s[v->b].path;
	if (snapshot_read(pa, &a, err, sizeof err) != SNAP_OK) {
		tui_note(t, ROLE_BAD, "%s", err);
		return TUI_HANDLED | TUI_REDRAW;
	}
	if (snapshot_read(pb, &b, err, sizeof err) != SNAP_OK) {
		model_done(&a);
		tui_note(t, ROLE_BAD, "%s", err);
		return TUI_HANDLED | TUI_REDRAW;
	}
	struct diff d;
	struct diff_opts o = {.by = v->by, .filter = t->filter[t->view].re ? t->filter[t->view].source : NULL};
	if (diff_compute(&a, &b, &o, &d, err, sizeof err) == 0) {
		char *text = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&text, &len);
		if (!f)
			fatal("out of memory (diff text)");
		diff_write_text(f, &d, pa, pb, DIFF_TOP);
		fclose(f);
		set_text(v, text, len);
		free(text);
		diff_free(&d);
		v->showing = 1;
		v->dl = (struct list){0};
	} else {
		tui_note(t, ROLE_BAD, "bad filter %s", err);
	}
	model_done(&a);
	model_done(&b);
	return TUI_HANDLED | TUI_REDRAW;
}

/* The two marked snapshots, older first; or the selected one and the one before it. */
static int pick_pair(struct tui *t, struct snapshots *v)
{
	if (v->mark[0] >= 0 && v->mark[1] >= 0) {
		v->a = v->mark[0] < v->mark[1] ? v->mark[0] : v->mark[1];
		v->b = v->mark[0] < v->mark[1] ? v->mark[1] : v->mark[0];
	} else if (v->n >= 2) {
		v->b = v->l.sel > 0 ? v->l.sel : 1;
		v->a = v->mark[0] >= 0 && v->mark[0] != v->b ? v->mark[0] : v->b - 1;
	} else {
		tui_note(t, ROLE_WARN, "%s",
		         v->n ? "one snapshot so far: s takes another to compare with"
		              : "no snapshot yet: s takes one");
		return 0;
	}
	return 1;
}

static void mark(struct snapshots *v)
{
	int i = v->l.sel;
	if (v->mark[0] == i || v->mark[1] == i) {
		v->mark[v->mark[0] == i ? 0 : 1] = -1;
		return;
	}
	if (v->mark[0] < 0)
		v->mark[0] = i;
	else if (v->mark[1] < 0)
		v->mark[1] = i;
	else { /* a third: it replaces the older mark */
		v->mark[0] = v->mark[1];
		v->mark[1] = i;
	}
}

static const char *const by_names[] = {"site", "function", "module"};

static void draw_list(struct tui *t, struct snapshots *v, struct rect a)
{
	draw_textf(a.y, a.x + 1, a.w - 2, ROLE_LABEL,
	           "%d snapshots; s takes one, m marks two, Enter compares them (by %s)", v->n, by_names[v->by]);
	static const struct column cols[] = {{"", 2, 1},    {"Taken", 8, 0}, {"Heap live", 9, 0},
	                                     {"RSS", 8, 0}, {"Size", 8, 0},  {"File", 0, 1}};
	table_header(t, a.y + 1, a.x, a.w, cols, 6, -1, 1);
	int rows = a.h - 2;
	v->l.n = v->n;
	list_clamp(&v->l, rows);
	for (int i = 0; i < rows && v->l.top + i < v->n; i++) {
		int k = v->l.top + i, y = a.y + 2 + i, sel = k == v->l.sel;
		const struct snap *s = &v->s[k];
		char b[4][32];
		if (sel)
			draw_fill(y, a.x, a.w, ROLE_SELECTED);
		draw_textf(y, a.x, a.w, sel ? ROLE_SELECTED : ROLE_NORMAL, "%-2s %8s %9s %8s %8s %s",
		           v->mark[0] == k || v->mark[1] == k ? "*" : "", fmt_clock(b[0], sizeof b[0], s->at_s),
		           fmt_bytes_short(b[1], sizeof b[1], (double)s->heap_live),
		           fmt_bytes_short(b[2], sizeof b[2], (double)s->rss),
		           fmt_bytes_short(b[3], sizeof b[3], (double)s->bytes), s->path);
	}
	if (!v->n)
		draw_text(a.y + 2, a.x + 1, a.w - 2, ROLE_DIM,
		          "no snapshot yet: s writes one (memlens-PID-N.mls here)");
}

static void draw_diff(struct tui *t, struct snapshots *v, struct rect a)
{
	draw_textf(a.y, a.x + 1, a.w - 2, ROLE_LABEL, "memlens diff %s %s --by %s   (> groups otherwise, Esc: back)",
	           base_name(v->s[v->a].path), base_name(v->s[v->b].path), by_names[v->by]);
	int rows = a.h - 1;
	v->dl.n = v->nlines;
	list_clamp(&v->dl, rows);
	for (int i = 0; i < rows && v->dl.top + i < v->nlines; i++) {
		int sel = v->dl.top + i == v->dl.sel;
		if (sel)
			draw_fill(a.y + 1 + i, a.x, a.w, ROLE_SELECTED);
		draw_text(a.y + 1 + i, a.x + 1, a.w - 2, sel ? ROLE_SELECTED : ROLE_NORMAL, v->lines[v->dl.top + i]);
	}
}

static void snapshots_draw(struct tui *t, void *st, struct rect a)
{
	struct snapshots *v = st;
	if (v->showing)
		draw_diff(t, v, a);
	else
		draw_list(t, v, a);
}

static int snapshots_action(struct tui *t, void *st, enum tui_action a, int arg)
{
	struct snapshots *v = st;
	(void)arg;
	if (a == ACT_SNAPSHOT)
		return take(t, v);
	if (v->showing) {
		switch (a) {
		case ACT_BACK: v->showing = 0; return TUI_HANDLED | TUI_REDRAW;
		case ACT_SORT_NEXT: v->by = (v->by + 1) % 3; return compare(t, v);
		default: return list_action(&v->dl, a, t->rows - 7);
		}
	}
	switch (a) {
	case ACT_MARK:
		if (v->n)
			mark(v);
		return TUI_HANDLED | TUI_REDRAW;
	case ACT_OPEN: return pick_pair(t, v) ? compare(t, v) : TUI_HANDLED | TUI_REDRAW;
	case ACT_SORT_NEXT: v->by = (v->by + 1) % 3; return TUI_HANDLED | TUI_REDRAW;
	default: return list_action(&v->l, a, t->rows - 7);
	}
}

const struct tui_view view_snapshots = {
        .name = "Snapshots",
        .about = "snapshots written with s, and what grew between two of them (as memlens diff prints it)",
        .filterable = 1,
        .init = snapshots_init,
        .done = snapshots_done,
        .draw = snapshots_draw,
        .action = snapshots_action,
};
