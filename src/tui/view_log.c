/* view_log.c — the Log view: memlens's own messages (the target's end, errors, snapshots written, stderr). */
#include "config.h"

#include <stdlib.h>
#include <time.h>

#include "core/log.h"
#include "core/util.h"
#include "tui/view.h"

struct logview {
	struct list l;
	size_t *rows; /* indexes into the log of the lines shown (filtered) */
	size_t cap;
	int follow; /* the selection stays on the newest line */
};

static void *log_init(struct tui *t)
{
	(void)t;
	struct logview *v = xcalloc(1, sizeof *v);
	v->follow = 1;
	return v;
}

static void log_done(void *st)
{
	struct logview *v = st;
	free(v->rows);
	free(v);
}

static const char *const level_names[] = {"error", "warn", "info", "debug"};

static void log_rebuild(struct tui *t, void *st)
{
	struct logview *v = st;
	struct regex *f = t->filter[t->view].re;
	size_t n = log_count();
	if (n > v->cap) {
		v->cap = n;
		v->rows = xrealloc(v->rows, v->cap * sizeof *v->rows);
	}
	int k = 0;
	for (size_t i = 0; i < n; i++)
		if (!f || regex_match(f, log_get(i)->text))
			v->rows[k++] = i;
	v->l.n = k;
	if (v->follow)
		v->l.sel = k - 1;
}

static void log_draw(struct tui *t, void *st, struct rect a)
{
	struct logview *v = st;
	log_rebuild(t, st); /* messages may come between refreshes; the list is small */
	int y = a.y;
	if (t->o->target_output)
		draw_textf(y++, a.x + 1, a.w - 2, ROLE_LABEL, "the target's output goes to %s", t->o->target_output);
	int rows = a.y + a.h - y;
	list_clamp(&v->l, rows);
	for (int i = 0; i < rows && v->l.top + i < v->l.n; i++) {
		const struct log_line *l = log_get(v->rows[v->l.top + i]);
		char stamp[16];
		time_t sec = (time_t)(l->wall_ns / 1000000000);
		struct tm tm;
		localtime_r(&sec, &tm);
		strftime(stamp, sizeof stamp, "%H:%M:%S", &tm);
		int sel = v->l.top + i == v->l.sel && !v->follow;
		enum role r = sel                     ? ROLE_SELECTED
		              : l->level == LOG_ERROR ? ROLE_BAD
		              : l->level == LOG_WARN  ? ROLE_WARN
		                                      : ROLE_NORMAL;
		if (sel)
			draw_fill(y + i, a.x, a.w, ROLE_SELECTED);
		draw_textf(y + i, a.x + 1, a.w - 2, r, "%s %-5s %s", stamp, level_names[l->level], l->text);
	}
	if (!v->l.n)
		draw_text(y, a.x + 1, a.w - 2, ROLE_DIM,
		          t->filter[t->view].re ? "no message matches the filter" : "no messages");
}

static int log_action(struct tui *t, void *st, enum tui_action a, int arg)
{
	struct logview *v = st;
	(void)arg;
	int r = list_action(&v->l, a, t->rows - 6);
	if (r)
		v->follow = v->l.sel >= v->l.n - 1;
	return r;
}

const struct tui_view view_log = {
        .name = "Log",
        .about = "memlens's own messages: the target's end, errors, snapshots written",
        .filterable = 1,
        .init = log_init,
        .done = log_done,
        .rebuild = log_rebuild,
        .draw = log_draw,
        .action = log_action,
};
