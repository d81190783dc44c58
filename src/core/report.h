/* report.h — the headless report (text or JSON) of a model: totals, top sites, threads. */
#ifndef MEMLENS_CORE_REPORT_H
#define MEMLENS_CORE_REPORT_H

#include <stdio.h>

#include "core/json.h"
#include "core/model.h"

struct report_opts {
	int top;         /* sites listed per table */
	int json;        /* JSON (doc/report-json.md) instead of text */
	int procfs_only; /* no agent by design (attach --no-inject): no heap sections */
};

#define REPORT_DEFAULT_TOP 10

/* The region is used to symbolize sites not symbolized yet; it may be NULL
 * when every site already carries its frames (a model read from a file). */
void report_write(FILE *out, struct model *m, const struct region *r, const struct report_opts *o);

/* One frame as the reports show it: an indented "function  file:line" line, or a JSON FRAME. */
void report_text_frame(FILE *out, const struct sym_frame *f);
void report_json_frames(struct json *j, const char *key, const struct sym_frame *f, int n);
struct json;
/* One site as the JSON report writes it (doc/report-json.md), for other JSON documents;
 * key NULL inside an array. */
void report_json_site(struct json *j, const char *key, struct model *m, const struct region *r, struct site *s);

#endif
