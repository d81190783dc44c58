/* tui.h — the live ncurses front end of a session: what commands call to run it, and what they may lay over it. */
#ifndef MEMLENS_TUI_TUI_H
#define MEMLENS_TUI_TUI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/session.h"

/* How graphs are drawn. AUTO: braille when the locale is UTF-8 and the terminal is not the
 * Linux console (its font has no braille), ASCII otherwise. */
enum graph_style {
	GRAPH_AUTO,
	GRAPH_BRAILLE, /* 2x4 dots per cell: two samples per column */
	GRAPH_BLOCK,   /* eighth blocks, one sample per column */
	GRAPH_ASCII,
};

/* The graphs an overlay can draw lines on. */
enum tui_graph {
	TUI_GRAPH_MEMORY,  /* bytes: RSS and live heap */
	TUI_GRAPH_RATES,   /* allocations and frees per second */
	TUI_GRAPH_THREADS, /* thread count */
};

enum tui_severity { TUI_OK, TUI_WARN, TUI_BAD };

/* A horizontal line on a graph (a budget's limit). */
struct tui_mark {
	double value;   /* in the graph's unit */
	char label[24]; /* drawn at the line's right end */
	enum tui_severity severity;
};

/* What another front end (the Lua runtime's budgets) lays over the standard screen: a status
 * in the header's budget slot and lines on the graphs. Both callbacks are optional and run on
 * the session's thread while the TUI draws; they must only read what they computed on their
 * own clock (on_sample), never compute there. */
struct tui_overlay {
	const char *name;
	void *arg;
	/* Fill buf with a short status ("budgets: 2 ok, 1 broken") and its severity; return 0
	 * when there is nothing to say. */
	int (*status)(void *arg, char *buf, size_t len, enum tui_severity *severity);
	/* Fill up to max marks for graph g; return how many. */
	int (*marks)(void *arg, enum tui_graph g, struct tui_mark *out, int max);
	/* A message for the footer line that came since the last call (a script error); return
	 * 0 when there is none. */
	int (*note)(void *arg, char *buf, size_t len, enum tui_severity *severity);
};

struct host;
/* The Lua runtime's overlay: budgets in the header and on the graphs, script errors in the
 * footer (view_budgets.c). */
const struct tui_overlay *tui_lua_overlay(struct host *h);

#define TUI_MAX_OVERLAYS 4

struct tui_opts {
	uint64_t refresh_ns; /* display refresh period; 0 = 1 s */
	enum graph_style graph;
	int no_color;              /* --no-color (NO_COLOR in the environment works too) */
	const char *target_output; /* file the target's stdout and stderr go to, or NULL */
	uint64_t duration_ns;      /* --duration given: the TUI says so when it ends the target */
	const char *snapshot_dir;  /* where `s` writes snapshots; NULL: the current directory */
	const struct tui_overlay *overlays[TUI_MAX_OVERLAYS];
	int noverlays;
	struct host *lua; /* the Lua runtime (the Leaks and Budgets views), or NULL */
};

/* 1 when a TUI can run on this process's terminal; otherwise 0 and why (stdin or stdout not
 * a terminal, TERM unset or unknown, ...). */
int tui_possible(char *why, size_t len);

/* Run the session under the TUI until the user quits, a signal ends it, or (--duration) until
 * the target is ended and then the user quits. The terminal is restored on every way out,
 * including fatal(). The TUI keeps the session looping after the target ends (linger).
 * Returns SESSION_STOPPED when the user quit, SESSION_SIGNAL after SIGINT/SIGTERM/SIGHUP. */
enum session_end tui_run(struct session *s, const struct tui_opts *o);

/* The key bindings, from the one table the TUI dispatches with (memlens --keys; the man
 * page's KEYS section is checked against it). */
void tui_print_keys(FILE *out);

#endif
