/* keys.h — the one key-binding table: dispatch, the help screen, `memlens --keys` and the man page's key list. */
#ifndef MEMLENS_TUI_KEYS_H
#define MEMLENS_TUI_KEYS_H

#include <stddef.h>
#include <stdio.h>

/* What a key asks for. Views receive these, never raw key codes. */
enum tui_action {
	ACT_NONE,
	ACT_QUIT,
	ACT_HELP,
	ACT_VIEW, /* arg: the view's index */
	ACT_VIEW_NEXT,
	ACT_VIEW_PREV,
	ACT_PAUSE,
	ACT_FILTER,
	ACT_WINDOW,
	ACT_GRAPH,
	ACT_REDRAW,
	ACT_SNAPSHOT,
	ACT_UP,
	ACT_DOWN,
	ACT_PAGE_UP,
	ACT_PAGE_DOWN,
	ACT_HOME,
	ACT_END,
	ACT_OPEN,
	ACT_BACK,
	ACT_SORT_NEXT,
	ACT_SORT_PREV,
	ACT_SORT_REVERSE,
	ACT_EXPAND,
	ACT_COLLAPSE,
	ACT_INVERT,
	ACT_MARK,
};

#define KEYS_MAX_CODES 4

struct tui_key {
	int codes[KEYS_MAX_CODES]; /* ncurses key codes or characters; unused slots 0 */
	enum tui_action action;
	int arg;
	const char *scope; /* NULL: every view; else the name of the one view it acts in */
	const char *help;
};

extern const struct tui_key tui_keys[];

/* The binding of code in the view named scope (its own bindings first, then the global ones),
 * or NULL. */
const struct tui_key *keys_lookup(int code, const char *scope);

/* "q", "F10", "Enter", "Ctrl-C", "Up", ... */
const char *keys_name(int code, char *buf, size_t len);

/* "q, F10, Ctrl-C" for one binding. */
const char *keys_names(const struct tui_key *k, char *buf, size_t len);

/* The table as text, one binding a line, grouped by scope; view_names lists the views the
 * number keys select (nviews of them). */
void keys_print(FILE *out, const char *const *view_names, int nviews);

#endif
