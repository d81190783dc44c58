/* export.c — write a model as pprof's profile.proto (own protobuf encoder, zlib gzip), folded stacks, or JSON. */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "core/export.h"
#include "core/bytebuf.h"
#include "core/json.h"
#include "core/ptrmap.h"
#include "core/report.h"
#include "core/strpool.h"
#include "core/util.h"

/* ------------------------------------------------------------------------- */
/* protobuf encoding (only what profile.proto needs: varints and nested bytes) */
/* ------------------------------------------------------------------------- */

/* field with wire type 0 (varint); zero values are left out, as proto3 does */
static void pb_uint(struct bytebuf *b, int field, uint64_t v)
{
	if (!v)
		return;
	bytebuf_uleb(b, (uint64_t)field << 3);
	bytebuf_uleb(b, v);
}

/* field with wire type 2 (length-delimited) */
static void pb_bytes(struct bytebuf *b, int field, const void *data, size_t len)
{
	bytebuf_uleb(b, (uint64_t)field << 3 | 2);
	bytebuf_uleb(b, len);
	bytebuf_put(b, data, len);
}

static void pb_msg(struct bytebuf *b, int field, struct bytebuf *sub)
{
	pb_bytes(b, field, sub->data, sub->len);
	sub->len = 0;
}

/* ------------------------------------------------------------------------- */
/* pprof                                                                      */
/* ------------------------------------------------------------------------- */

/* A frame's name for other tools: its function, else module+offset, else the address. */
static void frame_name(char *name, size_t len, const struct sym_frame *f)
{
	if (f->function)
		snprintf(name, len, "%s", f->function);
	else if (f->module) {
		const char *b = strrchr(f->module, '/');
		snprintf(name, len, "%s+0x%" PRIx64, b ? b + 1 : f->module, f->offset);
	} else
		snprintf(name, len, "0x%" PRIx64, f->address);
}

struct pprof {
	struct strpool *pool;
	struct ptrmap strs;
	uint64_t nstrs;
	struct bytebuf strtab;
	struct ptrmap funcs; /* interned "name\x1ffile" -> function id */
	uint64_t nfuncs;
	struct bytebuf functions;
	struct ptrmap locs; /* interned "address" key -> location id */
	uint64_t nlocs;
	struct bytebuf locations;
	struct bytebuf tmp, tmp2;
};

static uint64_t str_index(struct pprof *x, const char *s)
{
	if (!s || !*s)
		return 0;
	s = strpool_intern(x->pool, s);
	int found;
	uint64_t *slot = ptrmap_slot(&x->strs, s, &found);
	if (!found) {
		*slot = ++x->nstrs;
		pb_bytes(&x->strtab, 6, s, strlen(s));
	}
	return *slot;
}

static uint64_t function_id(struct pprof *x, const struct sym_frame *f)
{
	char name[512], key[1024];
	frame_name(name, sizeof name, f);
	snprintf(key, sizeof key, "%s\x1f%s", name, f->file ? f->file : "");
	const char *k = strpool_intern(x->pool, key);
	int found;
	uint64_t *slot = ptrmap_slot(&x->funcs, k, &found);
	if (!found) {
		*slot = ++x->nfuncs;
		struct bytebuf *fn = &x->tmp2;
		pb_uint(fn, 1, *slot);
		pb_uint(fn, 2, str_index(x, name));
		pb_uint(fn, 3, str_index(x, name));
		pb_uint(fn, 4, str_index(x, f->file));
		pb_msg(&x->functions, 5, fn);
	}
	return *slot;
}

static uint64_t mapping_of(const struct model *m, uint64_t address)
{
	for (size_t i = 0; i < m->nmodules; i++)
		if (address >= m->modules[i].start && address < m->modules[i].end)
			return i + 1;
	return 0;
}

/* The location of frames f[0..n) (one address: its inline chain, innermost first). */
static uint64_t location_id(struct pprof *x, const struct model *m, const struct sym_frame *f, int n)
{
	char key[64];
	snprintf(key, sizeof key, "%" PRIx64, f[0].address);
	const char *k = strpool_intern(x->pool, key);
	int found;
	uint64_t *slot = ptrmap_slot(&x->locs, k, &found);
	if (found)
		return *slot;
	uint64_t id = ++x->nlocs;
	*slot = id;
	struct bytebuf *loc = &x->tmp;
	pb_uint(loc, 1, id);
	pb_uint(loc, 2, mapping_of(m, f[0].address));
	pb_uint(loc, 3, f[0].address);
	for (int i = 0; i < n; i++) {
		struct bytebuf line = {0};
		pb_uint(&line, 1, function_id(x, &f[i]));
		pb_uint(&line, 2, (uint64_t)(f[i].line > 0 ? f[i].line : 0));
		pb_msg(loc, 4, &line);
		free(line.data);
	}
	pb_msg(&x->locations, 4, loc);
	return id;
}

static void value_type(struct bytebuf *b, int field, struct pprof *x, const char *type, const char *unit)
{
	struct bytebuf vt = {0};
	pb_uint(&vt, 1, str_index(x, type));
	pb_uint(&vt, 2, str_index(x, unit));
	pb_msg(b, field, &vt);
	free(vt.data);
}

static int gzip_write(FILE *out, const struct bytebuf *b)
{
	z_stream z = {0};
	if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return -1;
	uint8_t buf[65536];
	z.next_in = b->data;
	z.avail_in = (uInt)b->len; /* profiles stay far below 4 GiB */
	int rc;
	do {
		z.next_out = buf;
		z.avail_out = sizeof buf;
		rc = deflate(&z, Z_FINISH);
		size_t n = sizeof buf - z.avail_out;
		if (n && fwrite(buf, 1, n, out) != n) {
			deflateEnd(&z);
			return -1;
		}
	} while (rc == Z_OK);
	deflateEnd(&z);
	return rc == Z_STREAM_END ? 0 : -1;
}

int export_pprof(FILE *out, struct model *m)
{
	struct pprof x = {.pool = strpool_new()};
	struct bytebuf prof = {0}, samples = {0}, sample = {0}, ids = {0}, vals = {0};
	pb_bytes(&x.strtab, 6, "", 0); /* string 0 is "" */
	value_type(&prof, 1, &x, "alloc_objects", "count");
	value_type(&prof, 1, &x, "alloc_space", "bytes");
	value_type(&prof, 1, &x, "inuse_objects", "count");
	value_type(&prof, 1, &x, "inuse_space", "bytes");
	for (size_t i = 0; i < m->nsites; i++) {
		struct site *s = &m->sites[i];
		if (s->kind != MLR_KIND_HEAP || (s->c.allocs == 0 && s->c.live_blocks <= 0))
			continue;
		int n;
		const struct sym_frame *f = model_site_frames(m, NULL, s, &n);
		ids.len = vals.len = 0;
		for (int k = 0; k < n;) {
			int e = k + 1;
			while (e < n && f[e].address == f[k].address)
				e++;
			bytebuf_uleb(&ids, location_id(&x, m, f + k, e - k));
			k = e;
		}
		bytebuf_uleb(&vals, s->c.allocs);
		bytebuf_uleb(&vals, s->c.bytes_alloc);
		bytebuf_uleb(&vals, (uint64_t)(s->c.live_blocks > 0 ? s->c.live_blocks : 0));
		bytebuf_uleb(&vals, (uint64_t)(s->c.live_bytes > 0 ? s->c.live_bytes : 0));
		if (ids.len)
			pb_bytes(&sample, 1, ids.data, ids.len);
		pb_bytes(&sample, 2, vals.data, vals.len);
		pb_msg(&samples, 2, &sample);
	}
	struct bytebuf mappings = {0}, mp = {0};
	for (size_t i = 0; i < m->nmodules; i++) {
		const struct module_info *mi = &m->modules[i];
		char bid[2 * MLR_BUILD_ID_LEN + 1];
		for (uint32_t k = 0; k < mi->build_id_len; k++)
			snprintf(bid + 2 * k, 3, "%02x", mi->build_id[k]);
		bid[2 * mi->build_id_len] = '\0';
		pb_uint(&mp, 1, i + 1);
		pb_uint(&mp, 2, mi->start);
		pb_uint(&mp, 3, mi->end);
		pb_uint(&mp, 4, mi->start - mi->base);
		pb_uint(&mp, 5, str_index(&x, mi->path));
		pb_uint(&mp, 6, str_index(&x, bid));
		pb_uint(&mp, 7, 1);
		pb_uint(&mp, 8, 1);
		pb_uint(&mp, 9, 1);
		pb_uint(&mp, 10, 1);
		pb_msg(&mappings, 3, &mp);
	}
	/* the order of fields does not matter to readers; the string table must be complete */
	uint64_t period_type_unit = str_index(&x, "bytes"), space = str_index(&x, "space");
	char comment[256];
	snprintf(comment, sizeof comment, "memlens %s: heap only (anonymous mmap regions are not in this profile)",
	         PACKAGE_VERSION);
	uint64_t comment_idx = str_index(&x, comment);
	uint64_t default_type = str_index(&x, "inuse_space");
	struct bytebuf all = {0};
	const struct bytebuf *parts[] = {&prof, &samples, &mappings, &x.locations, &x.functions, &x.strtab};
	for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
		bytebuf_put(&all, parts[i]->data, parts[i]->len);
	pb_uint(&all, 9, (uint64_t)(m->snapshot_wall_ns > 0 ? m->snapshot_wall_ns : m->start_wall_ns));
	pb_uint(&all, 10, (uint64_t)(m->duration_s * 1e9));
	struct bytebuf pt = {0};
	pb_uint(&pt, 1, space);
	pb_uint(&pt, 2, period_type_unit);
	pb_msg(&all, 11, &pt);
	pb_uint(&all, 12, 1);
	pb_uint(&all, 13, comment_idx);
	pb_uint(&all, 14, default_type);
	int rc = gzip_write(out, &all);
	free(pt.data);
	free(all.data);
	free(prof.data);
	free(samples.data);
	free(sample.data);
	free(ids.data);
	free(vals.data);
	free(mappings.data);
	free(mp.data);
	free(x.strtab.data);
	free(x.functions.data);
	free(x.locations.data);
	free(x.tmp.data);
	free(x.tmp2.data);
	ptrmap_free(&x.strs);
	ptrmap_free(&x.funcs);
	ptrmap_free(&x.locs);
	strpool_free(x.pool);
	return rc;
}

/* ------------------------------------------------------------------------- */
/* folded stacks                                                              */
/* ------------------------------------------------------------------------- */

static void folded_frame(FILE *out, const struct sym_frame *f)
{
	char name[512];
	frame_name(name, sizeof name, f);
	/* ';' separates frames and the last space the value: neither may appear in a name */
	for (char *c = name; *c; c++)
		if (*c == ';' || *c == ' ' || *c == '\n')
			*c = '_';
	fputs(name, out);
}

int export_collapsed(FILE *out, struct model *m, enum export_value v)
{
	for (size_t i = 0; i < m->nsites; i++) {
		struct site *s = &m->sites[i];
		if (s->kind == MLR_KIND_THREAD)
			continue;
		int64_t value = v == EXPORT_INUSE_SPACE     ? s->c.live_bytes
		                : v == EXPORT_INUSE_OBJECTS ? s->c.live_blocks
		                : v == EXPORT_ALLOC_SPACE   ? (int64_t)s->c.bytes_alloc
		                                            : (int64_t)s->c.allocs;
		if (value <= 0)
			continue;
		int n;
		const struct sym_frame *f = model_site_frames(m, NULL, s, &n);
		if (s->kind == MLR_KIND_MMAP)
			fputs("[mmap]", out);
		for (int k = n - 1; k >= 0; k--) {
			if (k != n - 1 || s->kind == MLR_KIND_MMAP)
				fputc(';', out);
			folded_frame(out, &f[k]);
		}
		if (n == 0 && s->kind != MLR_KIND_MMAP)
			fputs("[no stack]", out);
		fprintf(out, " %" PRId64 "\n", value);
	}
	return ferror(out) ? -1 : 0;
}

/* ------------------------------------------------------------------------- */
/* JSON                                                                       */
/* ------------------------------------------------------------------------- */

static void json_counts(struct json *j, const char *key, const struct counts *c)
{
	json_object_begin(j, key);
	json_uint(j, "alloc_calls", c->allocs);
	json_uint(j, "frees", c->frees);
	json_uint(j, "allocated_bytes", c->bytes_alloc);
	json_int(j, "live_bytes", c->live_bytes);
	json_int(j, "live_blocks", c->live_blocks);
	json_object_end(j);
}

static const char *kind_name(int kind)
{
	return kind == MLR_KIND_MMAP ? "mmap" : kind == MLR_KIND_THREAD ? "thread" : "heap";
}

int export_json(FILE *out, struct model *m)
{
	struct json j;
	char hex[64];
	json_init(&j, out, 1);
	json_object_begin(&j, NULL);
	json_string(&j, "format", "memlens-export");
	json_int(&j, "version", 1);
	json_object_begin(&j, "meta");
	json_string(&j, "host", m->host);
	json_int(&j, "pid", m->pid);
	json_array_begin(&j, "command");
	for (int i = 0; i < m->argc; i++)
		json_string(&j, NULL, m->argv[i]);
	json_array_end(&j);
	json_int(&j, "start_unix_ns", m->start_wall_ns);
	json_int(&j, "snapshot_unix_ns", m->snapshot_wall_ns);
	json_double(&j, "duration_s", m->duration_s);
	json_bool(&j, "sampled", m->sample_every != 0);
	json_double(&j, "counts_from_s", m->counts_from_s);
	json_object_end(&j);
	json_counts(&j, "heap", &m->heap);
	json_counts(&j, "mmap", &m->mmap);
	json_object_begin(&j, "peak");
	json_int(&j, "live_bytes", m->peak_live);
	json_double(&j, "time_s", m->peak_time_s);
	json_object_end(&j);
	json_array_begin(&j, "modules");
	for (size_t i = 0; i < m->nmodules; i++) {
		const struct module_info *mi = &m->modules[i];
		json_object_begin(&j, NULL);
		json_string(&j, "path", mi->path);
		for (uint32_t k = 0; k < mi->build_id_len; k++)
			snprintf(hex + 2 * k, 3, "%02x", mi->build_id[k]);
		hex[2 * mi->build_id_len] = '\0';
		json_string(&j, "build_id", mi->build_id_len ? hex : NULL);
		snprintf(hex, sizeof hex, "0x%" PRIx64, mi->base);
		json_string(&j, "load_bias", hex);
		json_object_end(&j);
	}
	json_array_end(&j);
	json_array_begin(&j, "sites");
	for (size_t i = 0; i < m->nsites; i++) {
		struct site *s = &m->sites[i];
		if (s->c.allocs == 0 && s->c.live_blocks == 0 && s->kind != MLR_KIND_THREAD)
			continue;
		int n;
		const struct sym_frame *f = model_site_frames(m, NULL, s, &n);
		json_object_begin(&j, NULL);
		json_uint(&j, "id", s->id);
		json_string(&j, "kind", kind_name(s->kind));
		json_counts(&j, "counts", &s->c);
		json_int(&j, "peak_live_bytes", s->peak_live_bytes);
		json_int(&j, "live_at_peak_bytes", s->at_peak_bytes);
		json_int(&j, "live_at_peak_blocks", s->at_peak_blocks);
		if (s->oldest_s >= 0)
			json_double(&j, "oldest_live_birth_s", s->oldest_s);
		else
			json_null(&j, "oldest_live_birth_s");
		json_bool(&j, "truncated", s->truncated);
		report_json_frames(&j, "frames", f, n);
		json_object_end(&j);
	}
	json_array_end(&j);
	json_array_begin(&j, "threads");
	for (size_t i = 0; i < m->nthreads; i++) {
		const struct thread_stat *t = &m->threads[i];
		json_object_begin(&j, NULL);
		json_int(&j, "tid", t->tid);
		json_string(&j, "name", t->name);
		json_bool(&j, "exited", t->exited);
		json_double(&j, "cpu_user_s", t->utime_s);
		json_double(&j, "cpu_sys_s", t->stime_s);
		json_counts(&j, "counts", &t->c);
		json_double(&j, "start_s", t->start_s);
		if (t->end_s >= 0)
			json_double(&j, "end_s", t->end_s);
		else
			json_null(&j, "end_s");
		json_uint(&j, "created_by_site", t->create_stack);
		json_object_end(&j);
	}
	json_array_end(&j);
	json_array_begin(&j, "series");
	size_t ns = m->series ? series_count(m->series) : 0;
	for (size_t i = 0; i < ns; i++) {
		const struct sample *x = series_get(m->series, i);
		json_object_begin(&j, NULL);
		json_double(&j, "t", x->t);
		json_uint(&j, "rss", x->rss);
		json_uint(&j, "rss_anon", x->rss_anon);
		json_uint(&j, "threads", x->threads);
		json_int(&j, "heap_live", x->heap_live);
		json_int(&j, "mmap_live", x->mmap_live);
		json_uint(&j, "alloc_calls", x->heap_calls);
		json_uint(&j, "frees", x->heap_frees);
		json_uint(&j, "allocated_bytes", x->heap_bytes);
		json_object_end(&j);
	}
	json_array_end(&j);
	json_array_begin(&j, "blocks");
	for (size_t i = 0; i < m->nblocks; i++) {
		const struct live_block *b = &m->blocks[i];
		json_object_begin(&j, NULL);
		json_uint(&j, "size", b->size);
		json_uint(&j, "site", b->stack);
		json_int(&j, "tid", b->tid);
		json_double(&j, "age_s", m->blocks_s - b->birth_s);
		json_object_end(&j);
	}
	json_array_end(&j);
	json_object_end(&j);
	json_end(&j);
	return ferror(out) ? -1 : 0;
}
