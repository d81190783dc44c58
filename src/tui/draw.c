/* draw.c — colour roles with a monochrome fallback, width-aware clipped text, short number formats. */
#include "config.h"

#include <curses.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <wchar.h>

#include "tui/draw.h"

struct role_style {
	short fg, bg;
	int attr;      /* with colours */
	int mono_attr; /* without */
};

/* -1: the terminal's default colour. */
static const struct role_style styles[ROLE_COUNT] = {
        [ROLE_NORMAL] = {-1, -1, A_NORMAL, A_NORMAL},
        [ROLE_BAR] = {COLOR_BLACK, COLOR_CYAN, A_NORMAL, A_REVERSE},
        [ROLE_LABEL] = {COLOR_CYAN, -1, A_NORMAL, A_NORMAL},
        [ROLE_VALUE] = {-1, -1, A_BOLD, A_BOLD},
        [ROLE_TAB] = {-1, -1, A_NORMAL, A_NORMAL},
        [ROLE_TAB_ACTIVE] = {COLOR_BLACK, COLOR_GREEN, A_NORMAL, A_REVERSE | A_BOLD},
        [ROLE_COLUMN] = {COLOR_BLACK, COLOR_GREEN, A_NORMAL, A_REVERSE},
        [ROLE_SORTED] = {COLOR_BLACK, COLOR_CYAN, A_BOLD, A_BOLD | A_UNDERLINE},
        [ROLE_SELECTED] = {COLOR_BLACK, COLOR_CYAN, A_NORMAL, A_REVERSE},
        [ROLE_GOOD] = {COLOR_GREEN, -1, A_NORMAL, A_NORMAL},
        [ROLE_WARN] = {COLOR_YELLOW, -1, A_BOLD, A_BOLD},
        [ROLE_BAD] = {COLOR_RED, -1, A_BOLD, A_BOLD | A_UNDERLINE},
        [ROLE_SERIES1] = {COLOR_MAGENTA, -1, A_BOLD, A_BOLD},
        [ROLE_SERIES2] = {COLOR_CYAN, -1, A_NORMAL, A_NORMAL},
        [ROLE_AXIS] = {-1, -1, A_NORMAL, A_NORMAL},
        [ROLE_KEY] = {COLOR_CYAN, -1, A_BOLD, A_BOLD},
        [ROLE_DIM] = {COLOR_BLUE, -1, A_BOLD, A_DIM},
};

static int use_color;

int draw_init(int mono)
{
	use_color = !mono && has_colors() && start_color() == OK;
	if (!use_color)
		return 0;
	use_default_colors();
	for (int r = 1; r < ROLE_COUNT; r++)
		init_pair((short)r, styles[r].fg, styles[r].bg);
	return 1;
}

int draw_attr(enum role r)
{
	if (!use_color)
		return styles[r].mono_attr;
	return (r ? COLOR_PAIR(r) : 0) | styles[r].attr;
}

/* Decode up to w columns of s into out (at most max wide characters); control and
 * undecodable bytes become '?'. Returns the columns used; *nout the characters. */
static int decode(const char *s, int w, wchar_t *out, int max, int *nout)
{
	mbstate_t st;
	memset(&st, 0, sizeof st);
	int cols = 0, n = 0;
	size_t left = strlen(s);
	while (left && n < max) {
		wchar_t c;
		size_t k = mbrtowc(&c, s, left, &st);
		if (k == (size_t)-1 || k == (size_t)-2 || k == 0) {
			memset(&st, 0, sizeof st);
			c = L'?';
			k = 1;
		}
		int cw = wcwidth(c);
		if (cw < 0) {
			c = L'?';
			cw = 1;
		}
		if (cols + cw > w)
			break;
		out[n++] = c;
		cols += cw;
		s += k;
		left -= k;
	}
	*nout = n;
	return cols;
}

int draw_width(const char *s)
{
	wchar_t buf[512];
	int n;
	return decode(s, 1 << 20, buf, 512, &n);
}

int draw_text(int y, int x, int w, enum role r, const char *s)
{
	if (w <= 0 || !s)
		return 0;
	wchar_t buf[512];
	int n, cols = decode(s, w, buf, 511, &n);
	attrset(draw_attr(r));
	mvaddnwstr(y, x, buf, n);
	attrset(A_NORMAL);
	return cols;
}

int draw_textf(int y, int x, int w, enum role r, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	return draw_text(y, x, w, r, buf);
}

int draw_text_right(int y, int x, int w, enum role r, const char *s)
{
	int sw = draw_width(s);
	if (sw > w)
		return draw_text(y, x, w, r, s);
	return draw_text(y, x + w - sw, sw, r, s);
}

void draw_fill(int y, int x, int w, enum role r)
{
	if (w <= 0)
		return;
	attrset(draw_attr(r));
	mvhline(y, x, ' ', w);
	attrset(A_NORMAL);
}

char *fmt_bytes_short(char *buf, size_t len, double bytes)
{
	static const char units[] = "BKMGTP";
	double v = bytes < 0 ? -bytes : bytes;
	int u = 0;
	while (v >= 1024 && u < 5) {
		v /= 1024;
		u++;
	}
	const char *sign = bytes < 0 ? "-" : "";
	if (u == 0 || v >= 100)
		snprintf(buf, len, "%s%.0f%c", sign, v, units[u]);
	else
		snprintf(buf, len, "%s%.1f%c", sign, v, units[u]);
	return buf;
}

char *fmt_count_short(char *buf, size_t len, double n)
{
	static const char units[] = " kMGTP";
	double v = n < 0 ? -n : n;
	int u = 0;
	while (v >= 1000 && u < 5) {
		v /= 1000;
		u++;
	}
	const char *sign = n < 0 ? "-" : "";
	if (u == 0)
		snprintf(buf, len, "%s%.0f", sign, v);
	else if (v >= 100)
		snprintf(buf, len, "%s%.0f%c", sign, v, units[u]);
	else
		snprintf(buf, len, "%s%.1f%c", sign, v, units[u]);
	return buf;
}

char *fmt_age(char *buf, size_t len, double s)
{
	if (s < 0)
		snprintf(buf, len, "-");
	else if (s < 10)
		snprintf(buf, len, "%.1fs", s);
	else if (s < 60)
		snprintf(buf, len, "%.0fs", s);
	else if (s < 3600)
		snprintf(buf, len, "%dm%02ds", (int)s / 60, (int)s % 60);
	else if (s < 86400)
		snprintf(buf, len, "%dh%02dm", (int)s / 3600, (int)s / 60 % 60);
	else
		snprintf(buf, len, "%dd%02dh", (int)(s / 86400), (int)(s / 3600) % 24);
	return buf;
}

char *fmt_clock(char *buf, size_t len, double s)
{
	long t = s > 0 ? (long)s : 0;
	if (t >= 3600)
		snprintf(buf, len, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
	else
		snprintf(buf, len, "%ld:%02ld", t / 60, t % 60);
	return buf;
}

const char *base_name(const char *path)
{
	if (!path)
		return NULL;
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}
