/* graph.h — time-series plots in a screen rectangle: braille, block or ASCII, auto-scaled, with labelled axes. */
#ifndef MEMLENS_TUI_GRAPH_H
#define MEMLENS_TUI_GRAPH_H

#include "tui/draw.h"
#include "tui/tui.h"

enum graph_unit {
	UNIT_BYTES,
	UNIT_PER_S, /* events per second */
	UNIT_COUNT,
};

/* One plotted series: graph_points() values, oldest first, NAN where there is no data. The
 * first series of a graph is drawn as a line, the second as a filled area, so the two stay
 * apart without colours. */
struct graph_series {
	const char *label;
	const double *v;
	double now; /* the current value, shown in the legend */
};

struct graph {
	const char *title;
	enum graph_unit unit;
	double span_s;         /* time the x axis covers, ending at end_s */
	double end_s;          /* seconds since the target started */
	int relative;          /* x labels as "-30s" from the end (else as run time "1:23") */
	const char *end_label; /* label of the right end ("now", "exit") */
	struct graph_series line, area;
	int has_line, has_area;
	const struct tui_mark *marks; /* horizontal lines (budgets), drawn and labelled */
	int nmarks;
};

/* Values per series a rectangle holds in a style: two per column with braille. */
int graph_points(struct rect area, enum graph_style style);

/* Title and legend on the first row, the plot, the x axis on the last row; the y axis's
 * labels on the left. A rectangle under 3 rows or 20 columns gets only its title. */
void graph_draw(const struct graph *g, struct rect area, enum graph_style style);

/* "12 MiB", "1.5k/s", "7": a value as an axis label. */
char *graph_format(char *buf, size_t len, double v, enum graph_unit unit);

/* The smallest round value >= v for an axis top (1, 2, 5 x 10^k; powers of two for bytes). */
double graph_nice_max(double v, enum graph_unit unit);

#endif
