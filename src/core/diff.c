/* diff.c — match two models' sites by symbolized frames, fold them by site/function/module, print the change. */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/diff.h"
#include "core/json.h"
#include "core/regex.h"
#include "core/report.h"
#include "core/util.h"

#define KEY_MAX 16384

/* Rows by key: keys are interned, so the table compares pointers. */
struct rowmap {
	const char **keys;
	size_t *row;
	size_t cap, n;
};

static size_t ptr_hash(const void *p, size_t cap)
{
	return (size_t)(((uintptr_t)p * 0x9E3779B97F4A7C15ull) >> 17) & (cap - 1);
}

static void rowmap_grow(struct rowmap *m)
{
	size_t cap = m->cap ? m->cap * 2 : 1024;
	const char **keys = xcalloc(cap, sizeof *keys);
	size_t *row = xcalloc(cap, sizeof *row);
	for (size_t i = 0; i < m->cap; i++) {
		if (!m->keys[i])
			continue;
		size_t j = ptr_hash(m->keys[i], cap);
		while (keys[j])
			j = (j + 1) & (cap - 1);
		keys[j] = m->keys[i];
		row[j] = m->row[i];
	}
	free(m->keys);
	free(m->row);
	m->keys = keys;
	m->row = row;
	m->cap = cap;
}

/* The slot of key; *found says whether it was there. */
static size_t *rowmap_slot(struct rowmap *m, const char *key, int *found)
{
	if (2 * (m->n + 1) > m->cap)
		rowmap_grow(m);
	size_t j = ptr_hash(key, m->cap);
	while (m->keys[j] && m->keys[j] != key)
		j = (j + 1) & (m->cap - 1);
	*found = m->keys[j] != NULL;
	if (!*found) {
		m->keys[j] = key;
		m->n++;
	}
	return &m->row[j];
}

static const char *base_name(const char *path)
{
	const char *b = path ? strrchr(path, '/') : NULL;
	return b ? b + 1 : path;
}

/* Append s to buf[*len] within KEY_MAX. */
static void key_put(char *buf, size_t *len, const char *s)
{
	size_t n = strlen(s);
	if (*len + n >= KEY_MAX)
		n = KEY_MAX - 1 - *len;
	memcpy(buf + *len, s, n);
	*len += n;
	buf[*len] = '\0';
}

/* A frame's identity independent of where the module was loaded: function, file and line,
 * or the module's name and offset when there are no symbols. */
static void key_frame(char *buf, size_t *len, const struct sym_frame *f)
{
	char num[64];
	if (f->function || f->file) {
		key_put(buf, len, f->function ? f->function : "??");
		key_put(buf, len, "\x1f");
		key_put(buf, len, f->file ? f->file : "");
		snprintf(num, sizeof num, ":%d%s\x1e", f->line, f->inlined ? "i" : "");
	} else {
		key_put(buf, len, f->module ? base_name(f->module) : "?");
		snprintf(num, sizeof num, "+0x%" PRIx64 "\x1e", f->module ? f->offset : f->address);
	}
	key_put(buf, len, num);
}

/* The row key of a site under `by`, interned; the label shown for the row in *label. */
static const char *site_key(struct diff *d, const struct site *s, const struct sym_frame *f, int n, const char **label)
{
	char buf[KEY_MAX], lab[512];
	size_t len = 0;
	buf[0] = '\0';
	key_put(buf, &len, s->kind == MLR_KIND_MMAP ? "M\x1d" : "H\x1d");
	if (n == 0) {
		key_put(buf, &len, "(no stack)");
		*label = strpool_intern(d->keys, "(no stack: the stack table was full)");
		return strpool_intern(d->keys, buf);
	}
	switch (d->by) {
	case DIFF_BY_SITE:
		for (int i = 0; i < n; i++)
			key_frame(buf, &len, &f[i]);
		if (f[0].function && f[0].file)
			snprintf(lab, sizeof lab, "%s %s:%d", f[0].function, base_name(f[0].file), f[0].line);
		else if (f[0].function)
			snprintf(lab, sizeof lab, "%s", f[0].function);
		else
			snprintf(lab, sizeof lab, "%s+0x%" PRIx64, f[0].module ? base_name(f[0].module) : "?",
			         f[0].module ? f[0].offset : f[0].address);
		break;
	case DIFF_BY_FUNCTION:
		if (f[0].function)
			snprintf(lab, sizeof lab, "%s", f[0].function);
		else
			snprintf(lab, sizeof lab, "%s+0x%" PRIx64, f[0].module ? base_name(f[0].module) : "?",
			         f[0].module ? f[0].offset : f[0].address);
		key_put(buf, &len, lab);
		break;
	case DIFF_BY_MODULE:
		snprintf(lab, sizeof lab, "%s", f[0].module ? f[0].module : "(unknown module)");
		key_put(buf, &len, f[0].module ? base_name(f[0].module) : "?");
		break;
	}
	*label = strpool_intern(d->keys, lab);
	return strpool_intern(d->keys, buf);
}

static void side_add(struct diff_side *x, const struct site *s)
{
	x->live_bytes += s->c.live_bytes;
	x->live_blocks += s->c.live_blocks;
	x->allocs += s->c.allocs;
	x->bytes_alloc += s->c.bytes_alloc;
	x->sites++;
}

/* Fold one model's sites into the rows (which = 0 for a, 1 for b). */
static void add_model(struct diff *d, struct rowmap *map, size_t *cap, struct model *m, int which, struct regex *re)
{
	for (size_t i = 0; i < m->nsites; i++) {
		struct site *s = &m->sites[i];
		if (s->kind == MLR_KIND_THREAD || (s->c.allocs == 0 && s->c.live_blocks == 0))
			continue;
		side_add(which ? &d->total_b : &d->total_a, s);
		int n;
		const struct sym_frame *f = model_site_frames(m, NULL, s, &n);
		if (re && !regex_match_frames(re, f, n))
			continue;
		const char *label;
		const char *key = site_key(d, s, f, n, &label);
		int found;
		size_t *slot = rowmap_slot(map, key, &found);
		if (!found) {
			if (d->nrows == *cap) {
				*cap = *cap ? *cap * 2 : 256;
				d->rows = xrealloc(d->rows, *cap * sizeof *d->rows);
			}
			*slot = d->nrows;
			struct diff_row *r = &d->rows[d->nrows++];
			memset(r, 0, sizeof *r);
			r->label = label;
			r->kind = s->kind;
		}
		struct diff_row *r = &d->rows[*slot];
		side_add(which ? &r->b : &r->a, s);
		struct site **rep = which ? &r->site_b : &r->site_a;
		if (!*rep || s->c.live_bytes > (*rep)->c.live_bytes)
			*rep = s;
	}
}

/* Growth first (largest first), then unchanged live bytes by growth of allocations, then
 * shrinkage (largest first); the label breaks ties so the order is stable. */
static int cmp_rows(const void *x, const void *y)
{
	const struct diff_row *a = x, *b = y;
	int64_t da = diff_live_delta(a), db = diff_live_delta(b);
	if (da != db)
		return da < db ? 1 : -1;
	uint64_t aa = a->b.bytes_alloc - a->a.bytes_alloc, ab = b->b.bytes_alloc - b->a.bytes_alloc;
	if (aa != ab)
		return (int64_t)aa < (int64_t)ab ? 1 : -1;
	return strcmp(a->label, b->label);
}

int diff_compute(struct model *a, struct model *b, const struct diff_opts *o, struct diff *d, char *err, size_t errlen)
{
	memset(d, 0, sizeof *d);
	d->by = o->by;
	struct regex *re = NULL;
	if (o->filter && !(re = regex_compile(o->filter, err, errlen)))
		return -1;
	d->keys = strpool_new();
	struct rowmap map = {0};
	size_t cap = 0;
	add_model(d, &map, &cap, a, 0, re);
	add_model(d, &map, &cap, b, 1, re);
	free(map.keys);
	free(map.row);
	regex_free(re);
	/* --min: drop rows whose live bytes moved less */
	size_t k = 0;
	for (size_t i = 0; i < d->nrows; i++) {
		int64_t dl = diff_live_delta(&d->rows[i]);
		uint64_t mag = dl < 0 ? (uint64_t)-dl : (uint64_t)dl;
		if (o->min_bytes && mag < o->min_bytes)
			continue;
		d->rows[k++] = d->rows[i];
	}
	d->nrows = k;
	for (size_t i = 0; i < d->nrows; i++) {
		d->new_rows += !d->rows[i].a.sites;
		d->gone_rows += !d->rows[i].b.sites;
	}
	qsort(d->rows, d->nrows, sizeof *d->rows, cmp_rows);
	return 0;
}

void diff_free(struct diff *d)
{
	free(d->rows);
	strpool_free(d->keys);
	memset(d, 0, sizeof *d);
}

static const char *by_name(enum diff_by by)
{
	return by == DIFF_BY_FUNCTION ? "function" : by == DIFF_BY_MODULE ? "module" : "site";
}

/* "+1.5 MiB" / "-12 B" / "0 B" */
static char *signed_bytes(char *buf, size_t len, int64_t v)
{
	char t[24];
	util_fmt_bytes(t, sizeof t, (double)(v < 0 ? -v : v));
	snprintf(buf, len, "%s%s", v > 0 ? "+" : v < 0 ? "-" : "", t);
	return buf;
}

static char *signed_count(char *buf, size_t len, int64_t v)
{
	char t[28];
	util_fmt_count(t, sizeof t, (uint64_t)(v < 0 ? -v : v));
	snprintf(buf, len, "%s%s", v > 0 ? "+" : v < 0 ? "-" : "", t);
	return buf;
}

static const char *row_mark(const struct diff_row *r)
{
	return !r->a.sites ? "  [new]" : !r->b.sites ? "  [vanished]" : "";
}

static void text_row(FILE *out, const struct diff_row *r, int rank, enum diff_by by)
{
	char a[32], b[32], c[32], e[32], f[32], g[32];
	int64_t dblocks = r->b.live_blocks - r->a.live_blocks;
	fprintf(out, "  #%-2d %s live (%s blocks; %s -> %s live)  allocated %s in %s calls%s%s\n", rank,
	        signed_bytes(a, sizeof a, diff_live_delta(r)), signed_count(b, sizeof b, dblocks),
	        util_fmt_bytes(c, sizeof c, (double)r->a.live_bytes),
	        util_fmt_bytes(e, sizeof e, (double)r->b.live_bytes),
	        signed_bytes(f, sizeof f, (int64_t)(r->b.bytes_alloc - r->a.bytes_alloc)),
	        signed_count(g, sizeof g, (int64_t)(r->b.allocs - r->a.allocs)),
	        r->kind == MLR_KIND_MMAP ? " [mmap]" : "", row_mark(r));
	if (by != DIFF_BY_SITE) {
		fprintf(out, "      %s\n", r->label);
		return;
	}
	const struct site *s = r->site_b ? r->site_b : r->site_a;
	if (!s || !s->nframes) {
		fprintf(out, "      %s\n", r->label);
		return;
	}
	for (int i = 0; i < s->nframes && i < 8; i++)
		report_text_frame(out, &s->frames[i]);
	if (s->nframes > 8)
		fprintf(out, "      ... %d more frames\n", s->nframes - 8);
}

void diff_write_text(FILE *out, const struct diff *d, const char *name_a, const char *name_b, int top)
{
	char a[32], b[32], c[32], e[32], f[32], g[32];
	const struct diff_side *x = &d->total_a, *y = &d->total_b;
	fprintf(out, "memlens diff: %s -> %s (by %s)\n", name_a, name_b, by_name(d->by));
	fprintf(out, "Totals: live %s -> %s (%s), live blocks %s; allocated %s in %s calls\n",
	        util_fmt_bytes(a, sizeof a, (double)x->live_bytes), util_fmt_bytes(b, sizeof b, (double)y->live_bytes),
	        signed_bytes(c, sizeof c, y->live_bytes - x->live_bytes),
	        signed_count(e, sizeof e, y->live_blocks - x->live_blocks),
	        signed_bytes(f, sizeof f, (int64_t)(y->bytes_alloc - x->bytes_alloc)),
	        signed_count(g, sizeof g, (int64_t)(y->allocs - x->allocs)));
	fprintf(out,
	        "  (\"live\" = not freed at the snapshot; \"allocated\" = every allocation up to it; B minus A)\n"
	        "  %zu %ss compared: %zu new in B, %zu vanished from A\n",
	        d->nrows, by_name(d->by), d->new_rows, d->gone_rows);
	size_t grew = 0, shrank = 0;
	for (size_t i = 0; i < d->nrows; i++) {
		int64_t dl = diff_live_delta(&d->rows[i]);
		grew += dl > 0;
		shrank += dl < 0;
	}
	fprintf(out, "\nGrew: %zu %ss with more bytes live in B%s\n", grew, by_name(d->by),
	        grew > (size_t)top ? " (the largest shown)" : "");
	int rank = 1;
	for (size_t i = 0; i < d->nrows && rank <= top && diff_live_delta(&d->rows[i]) > 0; i++)
		text_row(out, &d->rows[i], rank++, d->by);
	if (grew == 0)
		fputs("  (none)\n", out);
	fprintf(out, "\nShrank: %zu %ss with fewer bytes live in B%s\n", shrank, by_name(d->by),
	        shrank > (size_t)top ? " (the largest shown)" : "");
	rank = 1;
	for (size_t i = d->nrows; i-- > 0 && rank <= top && diff_live_delta(&d->rows[i]) < 0;)
		text_row(out, &d->rows[i], rank++, d->by);
	if (shrank == 0)
		fputs("  (none)\n", out);
}

static void json_side(struct json *j, const char *key, const struct diff_side *s)
{
	json_object_begin(j, key);
	json_int(j, "live_bytes", s->live_bytes);
	json_int(j, "live_blocks", s->live_blocks);
	json_uint(j, "alloc_calls", s->allocs);
	json_uint(j, "allocated_bytes", s->bytes_alloc);
	json_uint(j, "sites", s->sites);
	json_object_end(j);
}

static void json_delta(struct json *j, const struct diff_side *a, const struct diff_side *b)
{
	json_object_begin(j, "delta");
	json_int(j, "live_bytes", b->live_bytes - a->live_bytes);
	json_int(j, "live_blocks", b->live_blocks - a->live_blocks);
	json_int(j, "alloc_calls", (int64_t)(b->allocs - a->allocs));
	json_int(j, "allocated_bytes", (int64_t)(b->bytes_alloc - a->bytes_alloc));
	json_object_end(j);
}

static void json_row(struct json *j, const struct diff_row *r, enum diff_by by)
{
	json_object_begin(j, NULL);
	json_string(j, "label", r->label);
	json_string(j, "kind", r->kind == MLR_KIND_MMAP ? "mmap" : "heap");
	json_string(j, "status", !r->a.sites ? "new" : !r->b.sites ? "vanished" : "both");
	json_side(j, "a", &r->a);
	json_side(j, "b", &r->b);
	json_delta(j, &r->a, &r->b);
	const struct site *s = r->site_b ? r->site_b : r->site_a;
	if (by == DIFF_BY_SITE && s)
		report_json_frames(j, "frames", s->frames, s->nframes);
	json_object_end(j);
}

void diff_write_json(FILE *out, const struct diff *d, const char *name_a, const char *name_b, int top)
{
	struct json j;
	json_init(&j, out, 1);
	json_object_begin(&j, NULL);
	json_string(&j, "a", name_a);
	json_string(&j, "b", name_b);
	json_string(&j, "by", by_name(d->by));
	json_object_begin(&j, "totals");
	json_side(&j, "a", &d->total_a);
	json_side(&j, "b", &d->total_b);
	json_delta(&j, &d->total_a, &d->total_b);
	json_object_end(&j);
	json_uint(&j, "rows_compared", d->nrows);
	json_uint(&j, "new", d->new_rows);
	json_uint(&j, "vanished", d->gone_rows);
	json_array_begin(&j, "grew");
	int n = 0;
	for (size_t i = 0; i < d->nrows && n < top && diff_live_delta(&d->rows[i]) > 0; i++, n++)
		json_row(&j, &d->rows[i], d->by);
	json_array_end(&j);
	json_array_begin(&j, "shrank");
	n = 0;
	for (size_t i = d->nrows; i-- > 0 && n < top && diff_live_delta(&d->rows[i]) < 0; n++)
		json_row(&j, &d->rows[i], d->by);
	json_array_end(&j);
	json_object_end(&j);
	json_end(&j);
}
