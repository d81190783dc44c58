/* view.h — the inside of the TUI that every view file sees: the screen state, the view interface, shared helpers. */
#ifndef MEMLENS_TUI_VIEW_H
#define MEMLENS_TUI_VIEW_H

#include <stdint.h>

#include "core/regex.h"
#include "core/session.h"
#include "tui/draw.h"
#include "tui/graph.h"
#include "tui/keys.h"
#include "tui/tui.h"

/* What an action asks the loop to redo; one loop applies them (tui.c). */
enum {
	TUI_HANDLED = 1, /* the action was for this view */
	TUI_REDRAW = 2,  /* draw again from the data the views hold */
	TUI_REBUILD = 4, /* let the current view read the model again first (new order, filter...) */
	TUI_QUIT = 8,
};

struct tui;

/* One view: an entry in tui_views[] (views.c) and a file view_<name>.c. Every callback but
 * draw is optional. State is the view's own, made by init and released by done. */
struct tui_view {
	const char *name;  /* tab label, help heading, scope of its key bindings */
	const char *about; /* one line for the help screen */
	int filterable;    /* `/` applies to it: rebuild reads t->filter[its index] */
	void *(*init)(struct tui *t);
	void (*done)(void *st);
	/* Read the model into the view's rows: at each refresh while it is shown (never while
	 * paused), and after an action returned TUI_REBUILD. */
	void (*rebuild)(struct tui *t, void *st);
	void (*draw)(struct tui *t, void *st, struct rect area);
	/* Returns TUI_* flags; 0 when the action is not the view's. */
	int (*action)(struct tui *t, void *st, enum tui_action a, int arg);
	/* Hidden from tabs and keys when it returns 0 (a Lua view without Lua). */
	int (*available)(const struct tui *t);
};

extern const struct tui_view *const tui_views[];
extern const int tui_nviews;

#define TUI_MAX_VIEWS 12

/* A view's `/` filter. Whether a site matches is kept per site (its frames never change once
 * symbolized), so a pattern costs one pass over the sites, not one per refresh. */
struct tui_filter {
	struct regex *re; /* NULL: no filter */
	char source[256];
	unsigned generation; /* changes with the pattern */
	uint8_t *site;       /* per site id: 0 not asked yet, 1 no, 2 yes */
	size_t nsite;
};

/* The figures of the header, copied at each refresh so that a paused display is frozen. */
struct tui_header {
	double now_s;
	uint64_t rss;
	int64_t heap_live, peak_live;
	double peak_s;
	double allocs_s, frees_s, bytes_s;
	uint32_t threads;
};

struct tui {
	struct session *s;
	struct model *m; /* &s->model */
	const struct region *r;
	const struct tui_opts *o;
	int rows, cols;
	int view; /* index in tui_views */
	void *state[TUI_MAX_VIEWS];
	struct tui_filter filter[TUI_MAX_VIEWS];
	struct tui_header hdr;
	int paused, help, unicode, color;
	enum graph_style graph;
	int window; /* index in the graph windows (tui.c) */

	/* the bottom line: a prompt being edited, or a note */
	int prompting; /* 0, PROMPT_FILTER or PROMPT_QUIT */
	char input[256];
	size_t input_len;
	char note[256];
	enum role note_role;

	uint64_t refresh_ns, next_refresh_ns;
	unsigned refreshes;   /* screens drawn (MEMLENS_FAULT counts them) */
	double blocks_cost_s; /* how long the last capture of live blocks took */
	uint64_t stats_draws;
	int empty_reads; /* stdin readable with no key, in a row (a terminal that went away) */
};

enum { PROMPT_FILTER = 1, PROMPT_QUIT = 2 };

/* Does site s pass the current view's filter (always, without one)? Symbolizes it if needed. */
int tui_site_visible(struct tui *t, struct site *s);

/* A line in the footer until the next key (an error, "snapshot written"). */
void tui_note(struct tui *t, enum role r, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Capture the live blocks (ages, per-thread sites) unless the last capture is recent; the
 * interval grows with the capture's cost so it never takes more than ~5 % of a core. */
void tui_want_blocks(struct tui *t);

/* The graph window: seconds it spans (0 = the whole run) and its name. */
double tui_window_s(const struct tui *t);
const char *tui_window_name(const struct tui *t);

/* Arrows for sorted columns in this terminal ("▼" or "v"). */
const char *tui_arrow(const struct tui *t, int descending);

/* A scrolling selection over n rows, shared by the list views. */
struct list {
	int sel, top, n;
};

/* Moves for the list actions (up, down, pages, home, end); returns TUI_* flags. */
int list_action(struct list *l, enum tui_action a, int page);
/* Keep sel in [0, n) and visible in a window of rows. */
void list_clamp(struct list *l, int rows);

/* A table's column: its title, width and alignment. */
struct column {
	const char *title;
	int width;
	int left; /* left-aligned (else right) */
};

/* The title row of a table, the sorted column marked; returns the x after the last fixed
 * column (where the flexible last column starts). */
int table_header(struct tui *t, int y, int x, int w, const struct column *cols, int ncols, int sorted, int descending);

/* Site text: "function  file:line" of a site's first frame (its module when unknown). */
void site_label(struct tui *t, struct site *s, char *buf, size_t len);
/* A frame as "function  file:line" or "function  module+0x1f". */
void frame_label(const struct sym_frame *f, char *buf, size_t len);

#endif
