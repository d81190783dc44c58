/* diff.c — match two models' sites by symbolized frames, fold them by site/function/module, print the change. */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/diff.h"
#include "core/json.h"
#include "core/ptrmap.h"
#include "core/regex.h"
#include "core/report.h"
#include "core/util.h"

#define MLS_DIFF_MAX_KEY 1100 /* kind + up to 1024 frames (the snapshot limit) */

/* Matching works on numbers: every distinct frame (by its text: function, file, line; module
 * and offset without symbols) gets one id shared by both models, found through a per-model
 * cache keyed by the frame's interned string pointers; a row's key is then a short array of
 * ids (the kind first), hashed and compared as integers. */

struct frame_cache { /* one per model: frame fields -> shared id */
	uint64_t *hash;
	const struct sym_frame **frame;
	uint32_t *id;
	size_t cap, n;
};

struct rowkey {
	uint64_t hash;
	uint32_t *ids; /* owned */
	uint32_t len;
	size_t row;
};

struct rowmap {
	struct rowkey *slots; /* ids == NULL: empty */
	size_t cap, n;
};

struct matcher {
	struct diff *d;
	struct ptrmap ids; /* interned text -> shared id */
	struct rowmap rows;
	size_t rows_cap;
};

static uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9E3779B97F4A7C15ull + (h << 6) + (h >> 2);
	return h * 0xff51afd7ed558ccdull;
}

static const char *base_name(const char *path)
{
	const char *b = path ? strrchr(path, '/') : NULL;
	return b ? b + 1 : path;
}

static uint32_t text_id(struct matcher *mt, const char *text)
{
	int found;
	uint64_t *slot = ptrmap_slot(&mt->ids, strpool_intern(mt->d->keys, text), &found);
	if (!found)
		*slot = mt->ids.n;
	return (uint32_t)*slot;
}

/* A frame's identity independent of where the module was loaded. */
static void frame_text(char *buf, size_t len, const struct sym_frame *f)
{
	if (f->function || f->file)
		snprintf(buf, len, "%s\x1f%s:%d%s", f->function ? f->function : "??", f->file ? f->file : "", f->line,
		         f->inlined ? "i" : "");
	else
		snprintf(buf, len, "%s+0x%" PRIx64, f->module ? base_name(f->module) : "?",
		         f->module ? f->offset : f->address);
}

static uint64_t frame_hash(const struct sym_frame *f)
{
	uint64_t h = mix(mix(mix(0, (uintptr_t)f->function), (uintptr_t)f->file), (uint64_t)f->line * 2 + !!f->inlined);
	if (!f->function && !f->file)
		h = mix(mix(h, (uintptr_t)f->module), f->module ? f->offset : f->address);
	return h;
}

static int frame_same(const struct sym_frame *a, const struct sym_frame *b)
{
	if (a->function != b->function || a->file != b->file || a->line != b->line || !a->inlined != !b->inlined)
		return 0;
	if (a->function || a->file)
		return 1;
	return a->module == b->module && (a->module ? a->offset == b->offset : a->address == b->address);
}

static uint32_t frame_id(struct matcher *mt, struct frame_cache *c, const struct sym_frame *f)
{
	if (2 * (c->n + 1) > c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 1024;
		uint64_t *hash = xcalloc(cap, sizeof *hash);
		const struct sym_frame **frame = xcalloc(cap, sizeof *frame);
		uint32_t *id = xcalloc(cap, sizeof *id);
		for (size_t i = 0; i < c->cap; i++) {
			if (!c->frame[i])
				continue;
			size_t j = c->hash[i] & (cap - 1);
			while (frame[j])
				j = (j + 1) & (cap - 1);
			hash[j] = c->hash[i];
			frame[j] = c->frame[i];
			id[j] = c->id[i];
		}
		free(c->hash);
		free(c->frame);
		free(c->id);
		c->hash = hash;
		c->frame = frame;
		c->id = id;
		c->cap = cap;
	}
	uint64_t h = frame_hash(f);
	size_t j = h & (c->cap - 1);
	for (; c->frame[j]; j = (j + 1) & (c->cap - 1))
		if (c->hash[j] == h && frame_same(c->frame[j], f))
			return c->id[j];
	char text[1024];
	frame_text(text, sizeof text, f);
	c->hash[j] = h;
	c->frame[j] = f;
	c->id[j] = text_id(mt, text);
	c->n++;
	return c->id[j];
}

static void frame_cache_free(struct frame_cache *c)
{
	free(c->hash);
	free(c->frame);
	free(c->id);
}

/* What a row of a site is called. */
static void row_label(char *lab, size_t len, enum diff_by by, const struct sym_frame *f, int n)
{
	if (n == 0)
		snprintf(lab, len, "(no stack: the stack table was full)");
	else if (by == DIFF_BY_MODULE)
		snprintf(lab, len, "%s", f[0].module ? f[0].module : "(unknown module)");
	else if (f[0].function && f[0].file && by == DIFF_BY_SITE)
		snprintf(lab, len, "%s %s:%d", f[0].function, base_name(f[0].file), f[0].line);
	else if (f[0].function)
		snprintf(lab, len, "%s", f[0].function);
	else
		snprintf(lab, len, "%s+0x%" PRIx64, f[0].module ? base_name(f[0].module) : "?",
		         f[0].module ? f[0].offset : f[0].address);
}

/* The row of key ids[0..len), created (with label) when new. */
static struct diff_row *row_for(struct matcher *mt, const uint32_t *ids, uint32_t len, const char *label)
{
	struct rowmap *m = &mt->rows;
	struct diff *d = mt->d;
	if (2 * (m->n + 1) > m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 1024;
		struct rowkey *slots = xcalloc(cap, sizeof *slots);
		for (size_t i = 0; i < m->cap; i++) {
			if (!m->slots[i].ids)
				continue;
			size_t j = m->slots[i].hash & (cap - 1);
			while (slots[j].ids)
				j = (j + 1) & (cap - 1);
			slots[j] = m->slots[i];
		}
		free(m->slots);
		m->slots = slots;
		m->cap = cap;
	}
	uint64_t h = len;
	for (uint32_t i = 0; i < len; i++)
		h = mix(h, ids[i]);
	size_t j = h & (m->cap - 1);
	for (; m->slots[j].ids; j = (j + 1) & (m->cap - 1)) {
		struct rowkey *k = &m->slots[j];
		if (k->hash == h && k->len == len && memcmp(k->ids, ids, len * sizeof *ids) == 0)
			return &d->rows[k->row];
	}
	if (d->nrows == mt->rows_cap) {
		mt->rows_cap = mt->rows_cap ? mt->rows_cap * 2 : 256;
		d->rows = xrealloc(d->rows, mt->rows_cap * sizeof *d->rows);
	}
	struct rowkey *k = &m->slots[j];
	k->hash = h;
	k->len = len;
	k->ids = xmalloc(len * sizeof *ids);
	memcpy(k->ids, ids, len * sizeof *ids);
	k->row = d->nrows;
	m->n++;
	struct diff_row *r = &d->rows[d->nrows++];
	memset(r, 0, sizeof *r);
	r->label = strpool_intern(d->keys, label);
	return r;
}

static void side_add(struct diff_side *x, const struct site *s)
{
	x->live_bytes += s->c.live_bytes;
	x->live_blocks += s->c.live_blocks;
	x->allocs += s->c.allocs;
	x->bytes_alloc += s->c.bytes_alloc;
	x->sites++;
}

/* A model read from a file shares locations between its sites: their frame ids and filter
 * verdicts are worked out once per location, and no site's frames are built. */
struct loc_cache {
	uint32_t *first; /* into pool; UINT32_MAX: not yet */
	uint32_t *count;
	int8_t *match; /* -1 unknown */
	uint32_t *pool;
	size_t pool_n, pool_cap;
};

static const uint32_t *loc_ids(struct matcher *mt, struct frame_cache *fc, struct loc_cache *lc, const struct model *m,
                               uint32_t loc, uint32_t *n)
{
	if (lc->first[loc] == UINT32_MAX) {
		const struct location *l = &m->locs[loc];
		if (lc->pool_n + l->count > lc->pool_cap) {
			lc->pool_cap = (lc->pool_cap + l->count) * 2;
			lc->pool = xrealloc(lc->pool, lc->pool_cap * sizeof *lc->pool);
		}
		lc->first[loc] = (uint32_t)lc->pool_n;
		lc->count[loc] = l->count;
		for (uint32_t i = 0; i < l->count; i++)
			lc->pool[lc->pool_n++] = frame_id(mt, fc, &m->loc_frames[l->first + i]);
	}
	*n = lc->count[loc];
	return lc->pool + lc->first[loc];
}

static int site_matches(struct regex *re, struct loc_cache *lc, const struct model *m, const struct site *s)
{
	for (int i = 0; i < s->depth; i++) {
		uint32_t loc = s->locs[i];
		if (lc->match[loc] < 0) {
			const struct location *l = &m->locs[loc];
			lc->match[loc] = (int8_t)regex_match_frames(re, m->loc_frames + l->first, (int)l->count);
		}
		if (lc->match[loc])
			return 1;
	}
	return 0;
}

/* Fold one model's sites into the rows (which = 0 for a, 1 for b). */
static void add_model(struct matcher *mt, struct model *m, int which, struct regex *re)
{
	struct diff *d = mt->d;
	struct frame_cache cache = {0};
	struct loc_cache lc = {0};
	if (m->locs) {
		size_t n = m->nlocs ? m->nlocs : 1;
		lc.first = xmalloc(n * sizeof *lc.first);
		memset(lc.first, 0xff, n * sizeof *lc.first);
		lc.count = xcalloc(n, sizeof *lc.count);
		lc.match = xmalloc(n);
		memset(lc.match, -1, n);
	}
	uint32_t ids[MLS_DIFF_MAX_KEY];
	for (size_t i = 0; i < m->nsites; i++) {
		struct site *s = &m->sites[i];
		if (s->kind == MLR_KIND_THREAD || (s->c.allocs == 0 && s->c.live_blocks == 0))
			continue;
		side_add(which ? &d->total_b : &d->total_a, s);
		int n = 0;
		const struct sym_frame *f = NULL;
		int shared = s->locs && m->locs && !s->frames;
		if (shared) {
			if (re && !site_matches(re, &lc, m, s))
				continue;
			if (s->depth) {
				f = m->loc_frames + m->locs[s->locs[0]].first;
				n = (int)m->locs[s->locs[0]].count; /* enough for labels: the innermost location */
			}
		} else {
			f = model_site_frames(m, NULL, s, &n);
			if (re && !regex_match_frames(re, f, n))
				continue;
		}
		uint32_t len = 0;
		ids[len++] = s->kind;
		if (n == 0) {
			ids[len++] = 0;
		} else if (d->by == DIFF_BY_SITE && shared) {
			for (int k = 0; k < s->depth; k++) {
				uint32_t c;
				const uint32_t *li = loc_ids(mt, &cache, &lc, m, s->locs[k], &c);
				for (uint32_t q = 0; q < c && len < MLS_DIFF_MAX_KEY; q++)
					ids[len++] = li[q];
			}
		} else if (d->by == DIFF_BY_SITE) {
			for (int k = 0; k < n && len < MLS_DIFF_MAX_KEY; k++)
				ids[len++] = frame_id(mt, &cache, &f[k]);
		} else {
			char lab[512];
			if (d->by == DIFF_BY_MODULE)
				snprintf(lab, sizeof lab, "%s", f[0].module ? base_name(f[0].module) : "?");
			else
				row_label(lab, sizeof lab, DIFF_BY_FUNCTION, f, n);
			ids[len++] = text_id(mt, lab);
		}
		struct diff_row *r = row_for(mt, ids, len, "");
		if (!r->a.sites && !r->b.sites) {
			char lab[512];
			row_label(lab, sizeof lab, d->by, f, n);
			r->label = strpool_intern(d->keys, lab);
			r->kind = s->kind;
		}
		side_add(which ? &r->b : &r->a, s);
		struct site **rep = which ? &r->site_b : &r->site_a;
		if (!*rep || s->c.live_bytes > (*rep)->c.live_bytes)
			*rep = s;
	}
	frame_cache_free(&cache);
	free(lc.first);
	free(lc.count);
	free(lc.match);
	free(lc.pool);
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
	d->model_a = a;
	d->model_b = b;
	struct matcher mt = {.d = d};
	add_model(&mt, a, 0, re);
	add_model(&mt, b, 1, re);
	for (size_t i = 0; i < mt.rows.cap; i++)
		free(mt.rows.slots[i].ids);
	free(mt.rows.slots);
	ptrmap_free(&mt.ids);
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

/* The stack shown for a row: its largest site in B, else in A. */
static const struct sym_frame *row_frames(const struct diff *d, const struct diff_row *r, int *n)
{
	*n = 0;
	if (r->site_b)
		return model_site_frames(d->model_b, NULL, r->site_b, n);
	if (r->site_a)
		return model_site_frames(d->model_a, NULL, r->site_a, n);
	return NULL;
}

static void text_row(FILE *out, const struct diff *d, const struct diff_row *r, int rank, enum diff_by by)
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
	int n;
	const struct sym_frame *fr = row_frames(d, r, &n);
	if (!n) {
		fprintf(out, "      %s\n", r->label);
		return;
	}
	for (int i = 0; i < n && i < 8; i++)
		report_text_frame(out, &fr[i]);
	if (n > 8)
		fprintf(out, "      ... %d more frames\n", n - 8);
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
		text_row(out, d, &d->rows[i], rank++, d->by);
	if (grew == 0)
		fputs("  (none)\n", out);
	fprintf(out, "\nShrank: %zu %ss with fewer bytes live in B%s\n", shrank, by_name(d->by),
	        shrank > (size_t)top ? " (the largest shown)" : "");
	rank = 1;
	for (size_t i = d->nrows; i-- > 0 && rank <= top && diff_live_delta(&d->rows[i]) < 0;)
		text_row(out, d, &d->rows[i], rank++, d->by);
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

static void json_row(struct json *j, const struct diff *d, const struct diff_row *r, enum diff_by by)
{
	json_object_begin(j, NULL);
	json_string(j, "label", r->label);
	json_string(j, "kind", r->kind == MLR_KIND_MMAP ? "mmap" : "heap");
	json_string(j, "status", !r->a.sites ? "new" : !r->b.sites ? "vanished" : "both");
	json_side(j, "a", &r->a);
	json_side(j, "b", &r->b);
	json_delta(j, &r->a, &r->b);
	int n;
	const struct sym_frame *f = row_frames(d, r, &n);
	if (by == DIFF_BY_SITE && f)
		report_json_frames(j, "frames", f, n);
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
		json_row(&j, d, &d->rows[i], d->by);
	json_array_end(&j);
	json_array_begin(&j, "shrank");
	n = 0;
	for (size_t i = d->nrows; i-- > 0 && n < top && diff_live_delta(&d->rows[i]) < 0; n++)
		json_row(&j, d, &d->rows[i], d->by);
	json_array_end(&j);
	json_object_end(&j);
	json_end(&j);
}
