/* report.h — the headless report (text or JSON) of a model: totals, top sites, threads. */
#ifndef MEMLENS_CORE_REPORT_H
#define MEMLENS_CORE_REPORT_H

#include <stdio.h>

#include "core/model.h"

struct report_opts {
	int top;  /* sites listed per table */
	int json; /* JSON (doc/report-json.md) instead of text */
};

#define REPORT_DEFAULT_TOP 10

/* The region is used to symbolize sites not symbolized yet; it may be NULL
 * when every site already carries its frames (a model read from a file). */
void report_write(FILE *out, struct model *m, const struct region *r, const struct report_opts *o);

#endif
