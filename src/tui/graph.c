/* graph.c — plot time series in braille (2x4 dots a cell), eighth blocks or ASCII, with auto-scaled labelled axes. */
#include "config.h"

#include <curses.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "tui/graph.h"

#define YLABEL_W 9 /* "1023 MiB" and the axis */

struct plot {
	struct rect r; /* the dots' cells only */
	enum graph_style style;
	int levels;       /* vertical resolution: dots (braille), eighths (block) or halves (ASCII) per row */
	int *line, *area; /* level of each point, -1 where there is no data */
	int n;
};

char *graph_format(char *buf, size_t len, double v, enum graph_unit unit)
{
	if (unit == UNIT_BYTES) {
		static const char *const names[] = {"B", "KiB", "MiB", "GiB", "TiB"};
		int u = 0;
		while (v >= 1024 && u < 4) {
			v /= 1024;
			u++;
		}
		snprintf(buf, len, u && v < 10 && v != floor(v) ? "%.1f %s" : "%.0f %s", v, names[u]);
	} else if (unit == UNIT_PER_S) {
		static const char units[] = " kMGT";
		int u = 0;
		while (v >= 1000 && u < 4) {
			v /= 1000;
			u++;
		}
		if (u)
			snprintf(buf, len, v < 10 && v != floor(v) ? "%.1f%c/s" : "%.0f%c/s", v, units[u]);
		else
			snprintf(buf, len, v < 10 && v != floor(v) ? "%.1f/s" : "%.0f/s", v);
	} else {
		snprintf(buf, len, "%.0f", v);
	}
	return buf;
}

double graph_nice_max(double v, enum graph_unit unit)
{
	if (!(v > 0))
		return 1;
	if (unit == UNIT_BYTES) {
		double p = 1;
		while (p < v)
			p *= 2;
		return p;
	}
	double e = pow(10, floor(log10(v)));
	static const double steps[] = {1, 2, 5, 10};
	for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
		if (steps[i] * e >= v)
			return steps[i] * e < 1 && unit == UNIT_COUNT ? 1 : steps[i] * e;
	return 10 * e;
}

int graph_points(struct rect area, enum graph_style style)
{
	int pw = area.w - YLABEL_W;
	if (pw < 1 || area.h < 3)
		return 0;
	return style == GRAPH_BRAILLE ? 2 * pw : pw;
}

static void put_wide(int y, int x, wchar_t c, enum role r)
{
	cchar_t cc;
	wchar_t s[2] = {c, 0};
	setcchar(&cc, s, (attr_t)draw_attr(r), 0, NULL);
	mvadd_wch(y, x, &cc);
}

/* The largest value shown: the top of the y axis before rounding. */
static double data_max(const struct graph *g, int n)
{
	double m = 0;
	for (int i = 0; i < n; i++) {
		if (g->has_line && isfinite(g->line.v[i]) && g->line.v[i] > m)
			m = g->line.v[i];
		if (g->has_area && isfinite(g->area.v[i]) && g->area.v[i] > m)
			m = g->area.v[i];
	}
	for (int i = 0; i < g->nmarks; i++)
		if (g->marks[i].value > m)
			m = g->marks[i].value;
	return m;
}

static int level_of(double v, double top, int levels)
{
	if (!isfinite(v))
		return -1;
	int l = (int)lround(v / top * levels);
	return l < 0 ? 0 : l > levels ? levels : l;
}

/* Braille: bit of dot row j (0 = top) in sub-column sx of a cell. */
static const unsigned braille_bit[2][4] = {{0x01, 0x02, 0x04, 0x40}, {0x08, 0x10, 0x20, 0x80}};

/* Is the line's dot at height yb (from the bottom) in point i: its own level or on the
 * vertical stroke joining it to point i-1? */
static int line_covers(const struct plot *p, int i, int yb)
{
	if (p->line[i] < 0)
		return 0;
	int cur = p->line[i] > 0 ? p->line[i] - 1 : 0, lo = cur, hi = cur;
	if (i > 0 && p->line[i - 1] >= 0) {
		int prev = p->line[i - 1] > 0 ? p->line[i - 1] - 1 : 0;
		lo = prev < lo ? prev : lo;
		hi = prev > hi ? prev : hi;
	}
	return yb >= lo && yb <= hi;
}

static void plot_braille(const struct plot *p)
{
	int ph = p->r.h;
	for (int c = 0; c < p->r.w; c++)
		for (int row = 0; row < ph; row++) {
			unsigned area = 0, line = 0;
			for (int sx = 0; sx < 2; sx++) {
				int i = 2 * c + sx;
				for (int j = 0; j < 4; j++) {
					int yb = (ph - 1 - row) * 4 + (3 - j);
					if (p->area[i] > yb)
						area |= braille_bit[sx][j];
					if (line_covers(p, i, yb))
						line |= braille_bit[sx][j];
				}
			}
			if (area | line)
				put_wide(p->r.y + row, p->r.x + c, (wchar_t)(0x2800 + (area | line)),
				         line ? ROLE_SERIES1 : ROLE_SERIES2);
		}
}

/* Blocks and ASCII: one point a column; the area in partial cells, the line as a mark in
 * the row holding its level and a vertical stroke to the previous point's row. */
static void plot_cells(const struct plot *p)
{
	static const wchar_t eighths[] = L" \u2581\u2582\u2583\u2584\u2585\u2586\u2587\u2588";
	static const char halves[] = " .#";
	int ph = p->r.h, per = p->levels / ph;
	int ascii = p->style == GRAPH_ASCII;
	for (int c = 0; c < p->r.w; c++) {
		int lrow = -1, prow = -1;
		if (p->line[c] >= 0)
			lrow = ph - 1 - (p->line[c] > 0 ? p->line[c] - 1 : 0) / per;
		if (c > 0 && p->line[c - 1] >= 0)
			prow = ph - 1 - (p->line[c - 1] > 0 ? p->line[c - 1] - 1 : 0) / per;
		for (int row = 0; row < ph; row++) {
			int y = p->r.y + row, x = p->r.x + c;
			int fill = p->area[c] - (ph - 1 - row) * per;
			fill = fill < 0 ? 0 : fill > per ? per : fill;
			int stroke =
			        lrow >= 0 && prow >= 0 && ((row > lrow && row < prow) || (row < lrow && row > prow));
			if (row == lrow) {
				if (ascii)
					draw_text(y, x, 1, ROLE_SERIES1, "*");
				else
					put_wide(y, x, L'\u2500', ROLE_SERIES1);
			} else if (stroke) {
				if (ascii)
					draw_text(y, x, 1, ROLE_SERIES1, "|");
				else
					put_wide(y, x, L'\u2502', ROLE_SERIES1);
			} else if (fill) {
				if (ascii)
					mvaddch(y, x, (chtype)halves[fill] | (chtype)draw_attr(ROLE_SERIES2));
				else
					put_wide(y, x, eighths[fill], ROLE_SERIES2);
			}
		}
	}
}

static enum role mark_role(enum tui_severity s)
{
	return s == TUI_BAD ? ROLE_BAD : s == TUI_WARN ? ROLE_WARN : ROLE_GOOD;
}

/* Budget lines: a dashed row at the mark's height, its label at the right end. */
static void plot_marks(const struct graph *g, const struct plot *p, double top)
{
	for (int i = 0; i < g->nmarks; i++) {
		const struct tui_mark *mk = &g->marks[i];
		int row = p->r.h - 1 - (int)floor(mk->value / top * p->r.h - 1e-9);
		row = row < 0 ? 0 : row >= p->r.h ? p->r.h - 1 : row;
		enum role r = mark_role(mk->severity);
		for (int c = 0; c < p->r.w; c += 2) {
			if (p->style == GRAPH_ASCII)
				draw_text(p->r.y + row, p->r.x + c, 1, r, "-");
			else
				put_wide(p->r.y + row, p->r.x + c, L'\u2504', r);
		}
		int lw = draw_width(mk->label);
		if (lw < p->r.w)
			draw_text(p->r.y + row, p->r.x + p->r.w - lw, lw, r, mk->label);
	}
}

static void y_axis(const struct graph *g, struct rect r, int ph, double top, int ascii)
{
	char buf[32];
	for (int row = 0; row < ph; row++) {
		buf[0] = '\0';
		if (row == 0)
			graph_format(buf, sizeof buf, top, g->unit);
		else if (row == ph - 1)
			graph_format(buf, sizeof buf, 0, g->unit);
		else if (ph >= 4 && ph % 2 == 0 && row == ph / 2)
			graph_format(buf, sizeof buf, top / 2, g->unit);
		draw_text_right(r.y + 1 + row, r.x, YLABEL_W - 1, ROLE_AXIS, buf);
		if (ascii)
			draw_text(r.y + 1 + row, r.x + YLABEL_W - 1, 1, ROLE_AXIS, "|");
		else
			put_wide(r.y + 1 + row, r.x + YLABEL_W - 1, row == 0 || row == ph - 1 ? L'\u2524' : L'\u2502',
			         ROLE_AXIS);
	}
}

/* A time on the x axis: "-30s" before the end, or the run's clock "1:23". */
static void x_label(const struct graph *g, double frac, char *buf, size_t len)
{
	double back = g->span_s * (1 - frac);
	if (!g->relative) {
		double t = g->end_s - back;
		long s = t > 0 ? (long)(t + 0.5) : 0;
		if (s >= 3600)
			snprintf(buf, len, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
		else
			snprintf(buf, len, "%ld:%02ld", s / 60, s % 60);
	} else if (g->span_s <= 180) {
		snprintf(buf, len, "-%.0fs", back);
	} else if (g->span_s <= 3 * 3600) {
		snprintf(buf, len, "-%.0fm", back / 60);
	} else {
		snprintf(buf, len, "-%.1fh", back / 3600);
	}
}

static void x_axis(const struct graph *g, int y, int x, int w)
{
	char buf[32];
	int right = draw_width(g->end_label ? g->end_label : "now");
	draw_text(y, x + w - right, right, ROLE_AXIS, g->end_label ? g->end_label : "now");
	int used_to = 0; /* column after the last label drawn */
	for (int q = 0; q < 4; q++) {
		x_label(g, q / 4.0, buf, sizeof buf);
		int at = q * w / 4, lw = draw_width(buf);
		if (q > 0)
			at -= lw / 2;
		if (at < used_to + 1 && q > 0)
			continue;
		if (at + lw >= w - right - 1)
			break;
		draw_text(y, x + at, lw, ROLE_AXIS, buf);
		used_to = at + lw;
	}
}

static int legend_item(int y, int x, int w, const char *glyph, enum role gr, const char *label, double now,
                       enum graph_unit unit)
{
	char v[32];
	int used = draw_text(y, x, w, gr, glyph);
	used += draw_textf(y, x + used, w - used, ROLE_LABEL, " %s ", label);
	used += draw_text(y, x + used, w - used, ROLE_VALUE, graph_format(v, sizeof v, now, unit));
	return used + 2;
}

static void title_row(const struct graph *g, struct rect r, enum graph_style style)
{
	int ascii = style == GRAPH_ASCII;
	int x = r.x + draw_text(r.y, r.x, r.w, ROLE_VALUE, g->title) + 2;
	if (g->has_line)
		x += legend_item(r.y, x, r.x + r.w - x, ascii ? "*" : "\u2500", ROLE_SERIES1, g->line.label,
		                 g->line.now, g->unit);
	if (g->has_area && x < r.x + r.w)
		legend_item(r.y, x, r.x + r.w - x, ascii ? "#" : "\u2588", ROLE_SERIES2, g->area.label, g->area.now,
		            g->unit);
}

void graph_draw(const struct graph *g, struct rect r, enum graph_style style)
{
	if (r.h < 1 || r.w < 1)
		return;
	title_row(g, r, style);
	int n = graph_points(r, style);
	if (r.h < 3 || r.w < 20 || n <= 0)
		return;
	struct plot p = {.r = {r.y + 1, r.x + YLABEL_W, r.h - 2, r.w - YLABEL_W}, .style = style, .n = n};
	p.levels = p.r.h * (style == GRAPH_BRAILLE ? 4 : style == GRAPH_BLOCK ? 8 : 2);
	double top = graph_nice_max(data_max(g, n), g->unit);
	int line[n], area[n];
	for (int i = 0; i < n; i++) {
		line[i] = g->has_line ? level_of(g->line.v[i], top, p.levels) : -1;
		area[i] = g->has_area ? level_of(g->area.v[i], top, p.levels) : -1;
	}
	p.line = line;
	p.area = area;
	y_axis(g, r, p.r.h, top, style == GRAPH_ASCII);
	plot_marks(g, &p, top);
	if (style == GRAPH_BRAILLE)
		plot_braille(&p);
	else
		plot_cells(&p);
	x_axis(g, r.y + r.h - 1, p.r.x, p.r.w);
}
