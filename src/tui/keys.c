/* keys.c — every key binding of the TUI, in one table that drives dispatch, the help screen and the key list. */
#include "config.h"

#include <curses.h>
#include <string.h>

#include "tui/keys.h"

#define CTRL(c) ((c)&0x1f)
#define ESC     27

/* Order matters twice: a view's own binding of a key is found before a global one, and
 * the help screen and `memlens --keys` list bindings in this order. The view names
 * in scope are those of the view table (views.c). */
const struct tui_key tui_keys[] = {
        {{'q', KEY_F(10), CTRL('c')}, ACT_QUIT, 0, NULL, "quit (ends a command memlens started)"},
        {{'?', KEY_F(1), 'h'}, ACT_HELP, 0, NULL, "show or hide this help"},
        {{'1'}, ACT_VIEW, 0, NULL, "view by number"},
        {{'2'}, ACT_VIEW, 1, NULL, "view by number"},
        {{'3'}, ACT_VIEW, 2, NULL, "view by number"},
        {{'4'}, ACT_VIEW, 3, NULL, "view by number"},
        {{'5'}, ACT_VIEW, 4, NULL, "view by number"},
        {{'6'}, ACT_VIEW, 5, NULL, "view by number"},
        {{'7'}, ACT_VIEW, 6, NULL, "view by number"},
        {{'8'}, ACT_VIEW, 7, NULL, "view by number"},
        {{'9'}, ACT_VIEW, 8, NULL, "view by number"},
        {{'\t'}, ACT_VIEW_NEXT, 0, NULL, "next view"},
        {{KEY_BTAB}, ACT_VIEW_PREV, 0, NULL, "previous view"},
        {{'/'}, ACT_FILTER, 0, NULL, "filter: PCRE2 on function, file or module"},
        {{'p'}, ACT_PAUSE, 0, NULL, "pause the display (sampling goes on)"},
        {{'w'}, ACT_WINDOW, 0, NULL, "graph window: 1 min, 10 min, 1 h, whole run"},
        {{'g'}, ACT_GRAPH, 0, NULL, "graph style: braille, blocks, ASCII"},
        {{'s'}, ACT_SNAPSHOT, 0, NULL, "write a snapshot file (see Snapshots)"},
        {{CTRL('l')}, ACT_REDRAW, 0, NULL, "redraw the screen"},
        {{KEY_UP, 'k'}, ACT_UP, 0, NULL, "move up"},
        {{KEY_DOWN, 'j'}, ACT_DOWN, 0, NULL, "move down"},
        {{KEY_PPAGE}, ACT_PAGE_UP, 0, NULL, "page up"},
        {{KEY_NPAGE}, ACT_PAGE_DOWN, 0, NULL, "page down"},
        {{KEY_HOME}, ACT_HOME, 0, NULL, "first line"},
        {{KEY_END}, ACT_END, 0, NULL, "last line"},
        {{'>', '.'}, ACT_SORT_NEXT, 0, "Call sites", "sort by the next column"},
        {{'<', ','}, ACT_SORT_PREV, 0, "Call sites", "sort by the previous column"},
        {{'r'}, ACT_SORT_REVERSE, 0, "Call sites", "reverse the order"},
        {{'\n', KEY_ENTER}, ACT_OPEN, 0, "Call sites", "the selected site's full stack"},
        {{ESC, KEY_BACKSPACE, KEY_LEFT}, ACT_BACK, 0, "Call sites", "back to the list"},
        {{'\n', KEY_ENTER, 'x'}, ACT_EXPAND, 0, "Tree", "expand or collapse the selected function"},
        {{KEY_RIGHT, '+'}, ACT_EXPAND, 1, "Tree", "expand"},
        {{KEY_LEFT, '-'}, ACT_COLLAPSE, 0, "Tree", "collapse, or go to the caller"},
        {{'b'}, ACT_INVERT, 0, "Tree", "top-down (callers first) or bottom-up"},
        {{'>', '.'}, ACT_SORT_NEXT, 0, "Tree", "sort by the next column"},
        {{'<', ','}, ACT_SORT_PREV, 0, "Tree", "sort by the previous column"},
        {{'>', '.'}, ACT_SORT_NEXT, 0, "Threads", "sort by the next column"},
        {{'<', ','}, ACT_SORT_PREV, 0, "Threads", "sort by the previous column"},
        {{'r'}, ACT_SORT_REVERSE, 0, "Threads", "reverse the order"},
        {{'\n', KEY_ENTER}, ACT_OPEN, 0, "Threads", "sites holding the thread's live blocks"},
        {{ESC, KEY_BACKSPACE, KEY_LEFT}, ACT_BACK, 0, "Threads", "back to the thread list"},
        {{'\n', KEY_ENTER}, ACT_OPEN, 0, "Leaks", "the suspect's stack and the heuristic's reason"},
        {{ESC, KEY_BACKSPACE, KEY_LEFT}, ACT_BACK, 0, "Leaks", "back to the suspects"},
        {{'m'}, ACT_MARK, 0, "Snapshots", "mark a snapshot to compare (two at most)"},
        {{'\n', KEY_ENTER}, ACT_OPEN, 0, "Snapshots", "compare the marked two (or with the one before)"},
        {{ESC, KEY_BACKSPACE, KEY_LEFT}, ACT_BACK, 0, "Snapshots", "back to the list"},
        {{'>', '.'}, ACT_SORT_NEXT, 0, "Snapshots", "compare by site, function or module"},
        {{0}, ACT_NONE, 0, NULL, NULL},
};

static int binds(const struct tui_key *k, int code)
{
	for (int i = 0; i < KEYS_MAX_CODES && k->codes[i]; i++)
		if (k->codes[i] == code)
			return 1;
	return 0;
}

const struct tui_key *keys_lookup(int code, const char *scope)
{
	const struct tui_key *global = NULL;
	for (const struct tui_key *k = tui_keys; k->action != ACT_NONE; k++) {
		if (!binds(k, code))
			continue;
		if (k->scope && scope && strcmp(k->scope, scope) == 0)
			return k;
		if (!k->scope && !global)
			global = k;
	}
	return global;
}

const char *keys_name(int code, char *buf, size_t len)
{
	static const struct {
		int code;
		const char *name;
	} names[] = {
	        {'\t', "Tab"},       {KEY_BTAB, "Shift-Tab"},      {'\n', "Enter"},      {KEY_ENTER, "Enter"},
	        {ESC, "Esc"},        {KEY_BACKSPACE, "Backspace"}, {' ', "Space"},       {KEY_UP, "Up"},
	        {KEY_DOWN, "Down"},  {KEY_LEFT, "Left"},           {KEY_RIGHT, "Right"}, {KEY_PPAGE, "PgUp"},
	        {KEY_NPAGE, "PgDn"}, {KEY_HOME, "Home"},           {KEY_END, "End"},
	};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (names[i].code == code) {
			snprintf(buf, len, "%s", names[i].name);
			return buf;
		}
	if (code >= KEY_F(1) && code <= KEY_F(12))
		snprintf(buf, len, "F%d", code - KEY_F0);
	else if (code > 0 && code < 32)
		snprintf(buf, len, "Ctrl-%c", code + '@');
	else if (code > 32 && code < 127)
		snprintf(buf, len, "%c", code);
	else
		snprintf(buf, len, "key %d", code);
	return buf;
}

const char *keys_names(const struct tui_key *k, char *buf, size_t len)
{
	size_t o = 0;
	buf[0] = '\0';
	for (int i = 0; i < KEYS_MAX_CODES && k->codes[i]; i++) {
		char one[24];
		keys_name(k->codes[i], one, sizeof one);
		if (i > 0 && k->codes[i] == KEY_ENTER && k->codes[i - 1] == '\n')
			continue; /* the keypad's Enter is the same key to a reader */
		int n = snprintf(buf + o, len - o, "%s%s", o ? ", " : "", one);
		if (n < 0 || (size_t)n >= len - o)
			break;
		o += (size_t)n;
	}
	return buf;
}

/* One scope's bindings; the number keys are one line. */
static void print_scope(FILE *out, const char *scope, const char *const *view_names, int nviews)
{
	for (const struct tui_key *k = tui_keys; k->action != ACT_NONE; k++) {
		if (scope ? !k->scope || strcmp(k->scope, scope) != 0 : k->scope != NULL)
			continue;
		char keys[64];
		if (k->action == ACT_VIEW) {
			if (k->arg != 0)
				continue;
			char range[16];
			snprintf(range, sizeof range, nviews > 1 ? "1-%d" : "1", nviews);
			fprintf(out, "  %-22s %s:", range, "view by number");
			for (int i = 0; i < nviews; i++)
				fprintf(out, " %d %s%s", i + 1, view_names[i], i + 1 < nviews ? "," : "\n");
			continue;
		}
		fprintf(out, "  %-22s %s\n", keys_names(k, keys, sizeof keys), k->help);
	}
}

void keys_print(FILE *out, const char *const *view_names, int nviews)
{
	fputs("every view:\n", out);
	print_scope(out, NULL, view_names, nviews);
	for (int v = 0; v < nviews; v++) {
		int any = 0;
		for (const struct tui_key *k = tui_keys; k->action != ACT_NONE; k++)
			any |= k->scope && strcmp(k->scope, view_names[v]) == 0;
		if (!any)
			continue;
		fprintf(out, "%s:\n", view_names[v]);
		print_scope(out, view_names[v], view_names, nviews);
	}
}
