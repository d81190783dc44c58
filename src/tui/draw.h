/* draw.h — what every part of the TUI draws with: semantic colour roles, clipped text, short number formats. */
#ifndef MEMLENS_TUI_DRAW_H
#define MEMLENS_TUI_DRAW_H

#include <stddef.h>
#include <stdint.h>

/* Colours are chosen by meaning, never by name, so that a monochrome terminal (or NO_COLOR)
 * maps each role to an attribute instead. */
enum role {
	ROLE_NORMAL,
	ROLE_BAR,        /* the header's first line and the footer */
	ROLE_LABEL,      /* "RSS", "heap": dim */
	ROLE_VALUE,      /* the figures next to labels */
	ROLE_TAB,        /* a view's name in the tab line */
	ROLE_TAB_ACTIVE, /* the current view's */
	ROLE_COLUMN,     /* a table's column titles */
	ROLE_SORTED,     /* the column a table is sorted by */
	ROLE_SELECTED,   /* the selected row */
	ROLE_GOOD,
	ROLE_WARN,
	ROLE_BAD,
	ROLE_SERIES1, /* a graph's line */
	ROLE_SERIES2, /* a graph's filled area */
	ROLE_AXIS,
	ROLE_KEY, /* key names in help and footer */
	ROLE_DIM,
	ROLE_COUNT,
};

struct rect {
	int y, x, h, w;
};

/* Set up the roles for this terminal: colours unless mono (NO_COLOR, --no-color, or a
 * terminal without colours). Call after initscr. Returns 1 when colours are used. */
int draw_init(int mono);
int draw_attr(enum role r);

/* Text at (y, x) in a role, cut to at most w columns (multibyte-aware). Returns columns used. */
int draw_text(int y, int x, int w, enum role r, const char *s);
int draw_textf(int y, int x, int w, enum role r, const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* The same, right-aligned in a field of w columns. */
int draw_text_right(int y, int x, int w, enum role r, const char *s);
/* Blank a line segment in a role. */
void draw_fill(int y, int x, int w, enum role r);
/* Display width of a UTF-8 string. */
int draw_width(const char *s);

/* Short forms for tables: "12.3M", "980K", "17B"; "1.2k", "35"; "3m20s"; "1:02:03". */
char *fmt_bytes_short(char *buf, size_t len, double bytes);
char *fmt_count_short(char *buf, size_t len, double n);
char *fmt_age(char *buf, size_t len, double seconds);
char *fmt_clock(char *buf, size_t len, double seconds);

/* The last path component ("libc.so.6" of "/usr/lib/x86_64-linux-gnu/libc.so.6"). */
const char *base_name(const char *path);

#endif
