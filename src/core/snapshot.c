/* snapshot.c — encode a model as a snapshot file and decode one, validating every length, count and reference. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "core/ptrmap.h"
#include "core/snapshot.h"
#include "core/util.h"
#include "memlens/snapshot.h"

/* ------------------------------------------------------------------------- */
/* Writing                                                                    */
/* ------------------------------------------------------------------------- */

static void put_s(struct bytebuf *b, int64_t v)
{
	bytebuf_uleb(b, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63));
}

static void put_le(struct bytebuf *b, uint64_t v, int bytes)
{
	bytebuf_reserve(b, (size_t)bytes);
	for (int i = 0; i < bytes; i++)
		b->data[b->len++] = (uint8_t)(v >> (8 * i));
}

static void put_f(struct bytebuf *b, double d)
{
	uint64_t x;
	memcpy(&x, &d, sizeof x);
	put_le(b, x, 8);
}

/* The string table being built: pointer -> index + 1 (equal strings at different addresses
 * may be stored twice, which costs bytes, never correctness). */
struct strtab {
	struct ptrmap map;
	const char **list;
	size_t n, list_cap;
};

static void put_str(struct bytebuf *b, struct strtab *t, const char *s)
{
	if (!s) {
		bytebuf_uleb(b, 0);
		return;
	}
	int found;
	uint64_t *slot = ptrmap_slot(&t->map, s, &found);
	if (!found) {
		if (t->n == t->list_cap) {
			t->list_cap = t->list_cap ? t->list_cap * 2 : 1024;
			t->list = xrealloc(t->list, t->list_cap * sizeof *t->list);
		}
		t->list[t->n++] = s;
		*slot = t->n;
	}
	bytebuf_uleb(b, *slot);
}

static void strtab_free(struct strtab *t)
{
	ptrmap_free(&t->map);
	free(t->list);
}

/* A length-prefixed record: its fields go to rec, then rec is appended to b. */
static void put_record(struct bytebuf *b, struct bytebuf *rec)
{
	bytebuf_uleb(b, rec->len);
	bytebuf_put(b, rec->data, rec->len);
	rec->len = 0;
}

static void put_section(struct bytebuf *out, uint32_t type, uint32_t flags, const struct bytebuf *payload)
{
	put_le(out, type, 4);
	put_le(out, flags, 4);
	put_le(out, payload->len, 8);
	uLong crc = crc32(0L, Z_NULL, 0);
	/* zlib's crc32 takes a uInt length: feed large payloads in pieces */
	for (size_t off = 0; off < payload->len;) {
		size_t n = payload->len - off > (1u << 30) ? (1u << 30) : payload->len - off;
		crc = crc32(crc, payload->data + off, (uInt)n);
		off += n;
	}
	put_le(out, crc, 4);
	put_le(out, 0, 4);
	if (payload->len)
		bytebuf_put(out, payload->data, payload->len);
}

static void put_counts(struct bytebuf *b, const struct counts *c)
{
	bytebuf_uleb(b, c->allocs);
	bytebuf_uleb(b, c->frees);
	bytebuf_uleb(b, c->bytes_alloc);
	put_s(b, c->live_bytes);
	put_s(b, c->live_blocks);
}

static void encode_meta(struct bytebuf *b, struct strtab *t, const struct model *m)
{
	put_str(b, t, PACKAGE_VERSION);
	put_str(b, t, m->host);
	bytebuf_uleb(b, (uint64_t)m->pid);
	bytebuf_uleb(b, (uint64_t)m->argc);
	for (int i = 0; i < m->argc; i++)
		put_str(b, t, m->argv[i]);
	put_s(b, m->start_wall_ns);
	put_s(b, m->snapshot_wall_ns);
	put_f(b, m->snapshot_s);
	put_f(b, m->duration_s);
	bytebuf_uleb(b, (uint64_t)m->target);
	put_s(b, m->exit_code);
	put_s(b, m->signal);
	bytebuf_uleb(b, (uint64_t)m->agent_seen);
	put_str(b, t, m->agent_problem);
	bytebuf_uleb(b, m->agent_state);
	bytebuf_uleb(b, m->agent_reason);
	bytebuf_uleb(b, m->unwinder);
	bytebuf_uleb(b, m->max_depth);
	bytebuf_uleb(b, m->agent_flags);
	bytebuf_uleb(b, m->sample_every);
	put_f(b, m->counts_from_s);
	put_counts(b, &m->heap);
	put_counts(b, &m->mmap);
	bytebuf_uleb(b, m->unknown_frees);
	bytebuf_uleb(b, m->nstacks);
	bytebuf_uleb(b, m->frames_used);
	bytebuf_uleb(b, m->arena_used);
	put_s(b, m->peak_live);
	put_f(b, m->peak_time_s);
	bytebuf_uleb(b, m->status.rss);
	bytebuf_uleb(b, m->status.rss_anon);
	bytebuf_uleb(b, m->status.hwm);
	bytebuf_uleb(b, m->status.vmsize);
	bytebuf_uleb(b, m->status.threads);
	bytebuf_uleb(b, m->peak_rss);
	bytebuf_uleb(b, m->peak_rss_anon);
	bytebuf_uleb(b, m->vm_hwm);
	bytebuf_uleb(b, m->max_threads);
	bytebuf_uleb(b, m->nsamples);
	bytebuf_uleb(b, (uint64_t)m->have_blocks);
	put_f(b, m->blocks_s);
	bytebuf_uleb(b, (uint64_t)(m->attached != 0));
}

static void encode_modules(struct bytebuf *b, struct strtab *t, const struct model *m)
{
	struct bytebuf rec = {0};
	bytebuf_uleb(b, m->nmodules);
	for (size_t i = 0; i < m->nmodules; i++) {
		const struct module_info *mi = &m->modules[i];
		put_str(&rec, t, mi->path);
		bytebuf_uleb(&rec, mi->base);
		bytebuf_uleb(&rec, mi->start);
		bytebuf_uleb(&rec, mi->end);
		bytebuf_uleb(&rec, mi->build_id_len);
		bytebuf_put(&rec, mi->build_id, mi->build_id_len);
		put_record(b, &rec);
	}
	bytebuf_free(&rec);
}

/* Locations: one return address with its symbolized (inline) frames, stored once however
 * many stacks pass through it. Keyed by content: the model's strings are interned, so a
 * location's frames compare field by field, pointers included. */
struct locs {
	uint64_t *hash;
	uint32_t *idx; /* index + 1, 0 = empty slot */
	size_t cap, n;
	const struct sym_frame **first;
	int *count;
	size_t list_cap;
};

static uint64_t loc_hash(const struct sym_frame *f, int n)
{
	uint64_t h = 1469598103934665603ull;
	for (int i = 0; i < n; i++) {
		uint64_t v[6] = {(uintptr_t)f[i].function, (uintptr_t)f[i].file,   (uint64_t)f[i].line,
		                 (uint64_t)f[i].inlined,   (uintptr_t)f[i].module, f[i].offset ^ (f[i].address << 1)};
		for (int k = 0; k < 6; k++)
			h = (h ^ v[k]) * 1099511628211ull;
	}
	return h ^ (uint64_t)n;
}

static int loc_same(const struct sym_frame *a, const struct sym_frame *b, int n)
{
	for (int i = 0; i < n; i++)
		if (a[i].function != b[i].function || a[i].file != b[i].file || a[i].line != b[i].line ||
		    a[i].inlined != b[i].inlined || a[i].module != b[i].module || a[i].offset != b[i].offset ||
		    a[i].address != b[i].address)
			return 0;
	return 1;
}

static void locs_grow(struct locs *l)
{
	size_t cap = l->cap ? l->cap * 2 : 4096;
	uint64_t *hash = xcalloc(cap, sizeof *hash);
	uint32_t *idx = xcalloc(cap, sizeof *idx);
	for (size_t i = 0; i < l->cap; i++) {
		if (!l->idx[i])
			continue;
		size_t j = l->hash[i] & (cap - 1);
		while (idx[j])
			j = (j + 1) & (cap - 1);
		hash[j] = l->hash[i];
		idx[j] = l->idx[i];
	}
	free(l->hash);
	free(l->idx);
	l->hash = hash;
	l->idx = idx;
	l->cap = cap;
}

/* The index of the location f[0..n), added (and encoded into out) when new. */
static uint32_t loc_index(struct locs *l, struct bytebuf *out, struct bytebuf *rec, struct strtab *t,
                          const struct sym_frame *f, int n)
{
	if (2 * (l->n + 1) > l->cap)
		locs_grow(l);
	uint64_t h = loc_hash(f, n);
	size_t j = h & (l->cap - 1);
	for (; l->idx[j]; j = (j + 1) & (l->cap - 1)) {
		uint32_t i = l->idx[j] - 1;
		if (l->hash[j] == h && l->count[i] == n && loc_same(l->first[i], f, n))
			return i;
	}
	if (l->n == l->list_cap) {
		l->list_cap = l->list_cap ? l->list_cap * 2 : 4096;
		l->first = xrealloc(l->first, l->list_cap * sizeof *l->first);
		l->count = xrealloc(l->count, l->list_cap * sizeof *l->count);
	}
	uint32_t i = (uint32_t)l->n++;
	l->first[i] = f;
	l->count[i] = n;
	l->hash[j] = h;
	l->idx[j] = i + 1;
	bytebuf_uleb(rec, f[0].address);
	bytebuf_uleb(rec, (uint64_t)n);
	for (int k = 0; k < n; k++) {
		put_str(rec, t, f[k].function);
		put_str(rec, t, f[k].file);
		bytebuf_uleb(rec, (uint64_t)(f[k].line > 0 ? f[k].line : 0));
		bytebuf_uleb(rec, (uint64_t)(f[k].inlined != 0));
		put_str(rec, t, f[k].module);
		bytebuf_uleb(rec, f[k].offset);
	}
	put_record(out, rec);
	return i;
}

/* SITE records refer to LOCS entries; both are built in one pass. A site's frames split into
 * locations after each frame that was not inlined (the outermost frame of its address). */
static void encode_sites(struct bytebuf *b, struct bytebuf *locs_out, struct strtab *t, const struct model *m)
{
	struct bytebuf rec = {0}, lrec = {0}, lbody = {0};
	struct locs l = {0};
	bytebuf_uleb(b, m->nsites);
	for (size_t i = 0; i < m->nsites; i++) {
		const struct site *s = &m->sites[i];
		bytebuf_uleb(&rec, s->kind);
		bytebuf_uleb(&rec, s->truncated);
		put_counts(&rec, &s->c);
		put_s(&rec, s->peak_live_bytes);
		put_s(&rec, s->at_peak_bytes);
		put_s(&rec, s->at_peak_blocks);
		put_f(&rec, s->oldest_s);
		uint32_t ids[MLS_MAX_DEPTH];
		int nids = 0;
		for (int k = 0; k < s->nframes && nids < MLS_MAX_DEPTH;) {
			int e = k;
			while (e < s->nframes - 1 && s->frames[e].inlined &&
			       s->frames[e + 1].address == s->frames[k].address)
				e++;
			ids[nids++] = loc_index(&l, &lbody, &lrec, t, s->frames + k, e - k + 1);
			k = e + 1;
		}
		bytebuf_uleb(&rec, (uint64_t)nids);
		for (int k = 0; k < nids; k++)
			bytebuf_uleb(&rec, ids[k]);
		put_record(b, &rec);
	}
	bytebuf_uleb(locs_out, l.n);
	bytebuf_put(locs_out, lbody.data, lbody.len);
	free(l.hash);
	free(l.idx);
	free(l.first);
	free(l.count);
	bytebuf_free(&rec);
	bytebuf_free(&lrec);
	bytebuf_free(&lbody);
}

static void encode_threads(struct bytebuf *b, struct strtab *t, const struct model *m)
{
	struct bytebuf rec = {0};
	char name[sizeof m->threads[0].name + 1];
	bytebuf_uleb(b, m->nthreads);
	for (size_t i = 0; i < m->nthreads; i++) {
		const struct thread_stat *th = &m->threads[i];
		memcpy(name, th->name, sizeof th->name);
		name[sizeof th->name] = '\0';
		put_s(&rec, th->tid);
		put_s(&rec, th->slot);
		put_str(&rec, t, strpool_intern(m->strings, name));
		bytebuf_uleb(&rec, (uint64_t)th->exited);
		bytebuf_uleb(&rec, (uint8_t)th->os_state);
		put_f(&rec, th->utime_s);
		put_f(&rec, th->stime_s);
		put_counts(&rec, &th->c);
		put_f(&rec, th->start_s);
		put_f(&rec, th->end_s);
		bytebuf_uleb(&rec, th->create_stack);
		put_record(b, &rec);
	}
	bytebuf_free(&rec);
}

static void encode_series(struct bytebuf *b, const struct model *m)
{
	size_t n = m->series ? series_count(m->series) : 0;
	bytebuf_uleb(b, n);
	for (size_t i = 0; i < n; i++) {
		const struct sample *x = series_get(m->series, i);
		put_f(b, x->t);
		bytebuf_uleb(b, x->rss);
		bytebuf_uleb(b, x->rss_anon);
		bytebuf_uleb(b, x->hwm);
		bytebuf_uleb(b, x->vmsize);
		bytebuf_uleb(b, x->threads);
		put_s(b, x->heap_live);
		put_s(b, x->mmap_live);
		bytebuf_uleb(b, x->heap_calls);
		bytebuf_uleb(b, x->heap_frees);
		bytebuf_uleb(b, x->heap_bytes);
	}
}

static void encode_blocks(struct bytebuf *b, const struct model *m)
{
	bytebuf_uleb(b, m->nblocks);
	bytebuf_reserve(b, m->nblocks * 16);
	for (size_t i = 0; i < m->nblocks; i++) {
		const struct live_block *lb = &m->blocks[i];
		bytebuf_uleb(b, lb->ptr);
		bytebuf_uleb(b, lb->size);
		bytebuf_uleb(b, lb->stack);
		put_s(b, lb->tid);
		put_s(b, (int64_t)(lb->birth_s * 1000.0 + (lb->birth_s >= 0 ? 0.5 : -0.5))); /* ms */
	}
}

void snapshot_encode(struct model *m, const struct region *r, struct bytebuf *out)
{
	if (r && !m->from_file) {
		model_capture_blocks(m, r);
		model_symbolize_all(m, r);
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		m->snapshot_wall_ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
		m->snapshot_s = model_now_s(m);
		if (m->target == TARGET_RUNNING)
			m->duration_s = m->snapshot_s;
	}
	struct strtab t = {0};
	enum { NSEC = 7 };
	struct bytebuf sec[NSEC] = {{0}};
	uint32_t types[NSEC] = {MLS_SEC_META,    MLS_SEC_MODULES, MLS_SEC_LOCATIONS, MLS_SEC_SITES,
	                        MLS_SEC_THREADS, MLS_SEC_SERIES,  MLS_SEC_BLOCKS};
	uint32_t required = 1u << 0 | 1u << 2 | 1u << 3;
	encode_meta(&sec[0], &t, m);
	encode_modules(&sec[1], &t, m);
	encode_sites(&sec[3], &sec[2], &t, m);
	encode_threads(&sec[4], &t, m);
	encode_series(&sec[5], m);
	encode_blocks(&sec[6], m);

	struct bytebuf strs = {0}, rec = {0};
	bytebuf_uleb(&strs, t.n);
	for (size_t i = 0; i < t.n; i++) {
		bytebuf_put(&rec, t.list[i], strlen(t.list[i]));
		put_record(&strs, &rec);
	}

	memset(out, 0, sizeof *out);
	bytebuf_put(out, MLS_MAGIC, MLS_MAGIC_LEN);
	put_le(out, MLS_MAJOR, 2);
	put_le(out, MLS_MINOR, 2);
	put_le(out, MLS_HEADER_SIZE, 4);
	put_le(out, 0, 8);
	put_le(out, 0, 4);
	put_le(out, crc32(0L, out->data, 28), 4);
	put_section(out, MLS_SEC_STRINGS, MLS_SECTION_REQUIRED, &strs);
	for (int i = 0; i < NSEC; i++) {
		put_section(out, types[i], required & (1u << i) ? MLS_SECTION_REQUIRED : 0, &sec[i]);
		bytebuf_free(&sec[i]);
	}
	struct bytebuf empty = {0};
	put_section(out, MLS_SEC_END, MLS_SECTION_REQUIRED, &empty);
	bytebuf_free(&strs);
	bytebuf_free(&rec);
	strtab_free(&t);
}

/* A device or FIFO (/dev/null) is written in place: renaming onto it would replace it. */
static enum snap_status save_in_place(const void *data, size_t len, const char *path, char *err, size_t errlen)
{
	int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	const uint8_t *p = data;
	while (fd >= 0 && len) {
		ssize_t w = write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		p += w;
		len -= (size_t)w;
	}
	if (fd < 0 || len || close(fd) != 0) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno ? errno : EIO));
		if (fd >= 0 && len)
			close(fd);
		return SNAP_CANT_CREATE;
	}
	return SNAP_OK;
}

enum snap_status snapshot_save(const void *data, size_t len, const char *path, char *err, size_t errlen)
{
	if (util_is_special(path))
		return save_in_place(data, len, path, err, errlen);
	char tmp[PATH_MAX];
	if (snprintf(tmp, sizeof tmp, "%s.tmp.XXXXXX", path) >= (int)sizeof tmp) {
		snprintf(err, errlen, "%s: name too long", path);
		return SNAP_CANT_CREATE;
	}
	int fd = mkstemp(tmp);
	if (fd < 0) {
		snprintf(err, errlen, "cannot create %s: %s", path, strerror(errno));
		return SNAP_CANT_CREATE;
	}
	const uint8_t *p = data;
	size_t left = len;
	while (left) {
		ssize_t w = write(fd, p, left);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			goto fail;
		p += w;
		left -= (size_t)w;
	}
	/* the mode a new file would get (mkstemp makes it 0600) */
	mode_t mask = umask(0);
	umask(mask);
	if (fchmod(fd, 0666 & ~mask) != 0 || fsync(fd) != 0)
		goto fail;
	if (close(fd) != 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) != 0)
		goto fail;
	return SNAP_OK;
fail:
	snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno ? errno : EIO));
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return SNAP_CANT_CREATE;
}

enum snap_status snapshot_write(struct model *m, const struct region *r, const char *path, char *err, size_t errlen)
{
	struct bytebuf b;
	snapshot_encode(m, r, &b);
	enum snap_status st = snapshot_save(b.data, b.len, path, err, errlen);
	bytebuf_free(&b);
	return st;
}

/* ------------------------------------------------------------------------- */
/* Reading                                                                    */
/* ------------------------------------------------------------------------- */

/* A cursor over part of the file; every read checks the end first. */
struct rd {
	const uint8_t *p; /* the whole file */
	size_t pos, end;  /* file offsets */
	struct dec *d;
};

struct dec {
	const char *name;
	char *err;
	size_t errlen;
	enum snap_status status;
	const char **strings;
	size_t nstrings;
	struct model *m;
};

static int fail_at(struct dec *d, size_t off, enum snap_status st, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

static int fail_at(struct dec *d, size_t off, enum snap_status st, const char *fmt, ...)
{
	if (d->status != SNAP_OK)
		return -1;
	char what[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	snprintf(d->err, d->errlen, "%s: offset %zu: %s", d->name, off, what);
	d->status = st;
	return -1;
}

static int get_u(struct rd *r, uint64_t *v)
{
	uint64_t x = 0;
	size_t start = r->pos;
	for (int shift = 0; shift < 64; shift += 7) {
		if (r->pos >= r->end)
			return fail_at(r->d, start, SNAP_DAMAGED, "a number runs past the end of its %s",
			               r->end == start ? "record" : "record (truncated?)");
		uint8_t byte = r->p[r->pos++];
		if (shift == 63 && byte > 1)
			return fail_at(r->d, start, SNAP_DAMAGED, "a number does not fit in 64 bits");
		x |= (uint64_t)(byte & 0x7f) << shift;
		if (!(byte & 0x80)) {
			*v = x;
			return 0;
		}
	}
	return fail_at(r->d, start, SNAP_DAMAGED, "a number is longer than 10 bytes");
}

static int get_s(struct rd *r, int64_t *v)
{
	uint64_t u;
	if (get_u(r, &u))
		return -1;
	*v = (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
	return 0;
}

/* An unsigned value that must be at most max. */
static int get_max(struct rd *r, uint64_t max, const char *what, uint64_t *v)
{
	size_t at = r->pos;
	if (get_u(r, v))
		return -1;
	if (*v > max)
		return fail_at(r->d, at, SNAP_DAMAGED, "%s %llu is out of range (at most %llu)", what,
		               (unsigned long long)*v, (unsigned long long)max);
	return 0;
}

static int get_f(struct rd *r, double *v)
{
	if (r->end - r->pos < 8)
		return fail_at(r->d, r->pos, SNAP_DAMAGED, "a number runs past the end of its record");
	uint64_t x = 0;
	for (int i = 0; i < 8; i++)
		x |= (uint64_t)r->p[r->pos + (size_t)i] << (8 * i);
	r->pos += 8;
	memcpy(v, &x, sizeof *v);
	return 0;
}

static int get_str(struct rd *r, const char **s)
{
	uint64_t i;
	size_t at = r->pos;
	if (get_u(r, &i))
		return -1;
	if (i > r->d->nstrings)
		return fail_at(r->d, at, SNAP_DAMAGED, "string %llu does not exist (the table has %zu)",
		               (unsigned long long)i, r->d->nstrings);
	*s = i ? r->d->strings[i - 1] : NULL;
	return 0;
}

/* A count of records each at least min_bytes long: it cannot exceed what is left. */
static int get_count(struct rd *r, size_t min_bytes, const char *what, size_t *n)
{
	uint64_t v;
	size_t at = r->pos;
	if (get_u(r, &v))
		return -1;
	if (v > (r->end - r->pos) / min_bytes)
		return fail_at(r->d, at, SNAP_DAMAGED, "%llu %s cannot fit in the %zu bytes left of the section",
		               (unsigned long long)v, what, r->end - r->pos);
	*n = (size_t)v;
	return 0;
}

/* The next length-prefixed record as a cursor of its own; r moves past it. */
static int get_record(struct rd *r, struct rd *rec)
{
	uint64_t len;
	size_t at = r->pos;
	if (get_u(r, &len))
		return -1;
	if (len > r->end - r->pos)
		return fail_at(r->d, at, SNAP_DAMAGED, "a record of %llu bytes runs past the end of its section",
		               (unsigned long long)len);
	*rec = (struct rd){.p = r->p, .pos = r->pos, .end = r->pos + (size_t)len, .d = r->d};
	r->pos += (size_t)len;
	return 0;
}

static int get_counts(struct rd *r, struct counts *c)
{
	return get_u(r, &c->allocs) || get_u(r, &c->frees) || get_u(r, &c->bytes_alloc) || get_s(r, &c->live_bytes) ||
	       get_s(r, &c->live_blocks);
}

static int dec_strings(struct rd *r)
{
	size_t n;
	if (get_count(r, 1, "strings", &n))
		return -1;
	struct dec *d = r->d;
	d->strings = xmalloc((n ? n : 1) * sizeof *d->strings);
	for (size_t i = 0; i < n; i++) {
		struct rd rec;
		if (get_record(r, &rec))
			return -1;
		d->strings[i] = strpool_intern_n(d->m->strings, (const char *)r->p + rec.pos, rec.end - rec.pos);
		d->nstrings++;
	}
	return 0;
}

static int get_int(struct rd *r, int *v)
{
	int64_t x;
	size_t at = r->pos;
	if (get_s(r, &x))
		return -1;
	if (x < INT_MIN || x > INT_MAX)
		return fail_at(r->d, at, SNAP_DAMAGED, "value %lld is out of range", (long long)x);
	*v = (int)x;
	return 0;
}

static int dec_meta(struct rd *r)
{
	struct model *m = r->d->m;
	const char *version, *host, *problem;
	uint64_t pid, argc, u[8];
	if (get_str(r, &version) || get_str(r, &host) || get_max(r, INT32_MAX, "pid", &pid))
		return -1;
	snprintf(m->host, sizeof m->host, "%s", host ? host : "");
	m->pid = (pid_t)pid;
	size_t at = r->pos;
	if (get_max(r, MLS_MAX_ARGS, "argument count", &argc))
		return -1;
	if (argc > r->end - r->pos)
		return fail_at(r->d, at, SNAP_DAMAGED, "%llu arguments cannot fit in the section",
		               (unsigned long long)argc);
	m->argv = xcalloc(argc + 1, sizeof *m->argv);
	for (uint64_t i = 0; i < argc; i++) {
		const char *a;
		if (get_str(r, &a))
			return -1;
		m->argv[i] = xstrdup(a ? a : "");
		m->argc++;
	}
	if (get_s(r, &m->start_wall_ns) || get_s(r, &m->snapshot_wall_ns) || get_f(r, &m->snapshot_s) ||
	    get_f(r, &m->duration_s))
		return -1;
	at = r->pos;
	if (get_max(r, TARGET_GONE, "target state", &u[0]) || get_int(r, &m->exit_code) || get_int(r, &m->signal))
		return -1;
	m->target = (enum target_state)u[0];
	if (get_max(r, 1, "agent flag", &u[1]) || get_str(r, &problem) ||
	    get_max(r, UINT32_MAX, "agent state", &u[2]) || get_max(r, UINT32_MAX, "agent reason", &u[3]) ||
	    get_max(r, UINT32_MAX, "unwinder", &u[4]) || get_max(r, UINT32_MAX, "depth", &u[5]) ||
	    get_max(r, UINT32_MAX, "flags", &u[6]))
		return -1;
	m->agent_seen = (int)u[1];
	m->agent_problem = problem;
	m->agent_state = (uint32_t)u[2];
	m->agent_reason = (uint32_t)u[3];
	m->unwinder = (uint32_t)u[4];
	m->max_depth = (uint32_t)u[5];
	m->agent_flags = (uint32_t)u[6];
	if (get_u(r, &m->sample_every) || get_f(r, &m->counts_from_s) || get_counts(r, &m->heap) ||
	    get_counts(r, &m->mmap) || get_u(r, &m->unknown_frees) || get_u(r, &m->nstacks) ||
	    get_u(r, &m->frames_used) || get_u(r, &m->arena_used) || get_s(r, &m->peak_live) ||
	    get_f(r, &m->peak_time_s) || get_u(r, &m->status.rss) || get_u(r, &m->status.rss_anon) ||
	    get_u(r, &m->status.hwm) || get_u(r, &m->status.vmsize) || get_max(r, UINT32_MAX, "thread count", &u[0]) ||
	    get_u(r, &m->peak_rss) || get_u(r, &m->peak_rss_anon) || get_u(r, &m->vm_hwm) ||
	    get_max(r, UINT32_MAX, "thread count", &u[1]) || get_u(r, &u[2]) || get_max(r, 1, "block flag", &u[3]) ||
	    get_f(r, &m->blocks_s))
		return -1;
	m->status.threads = (uint32_t)u[0];
	m->max_threads = (uint32_t)u[1];
	m->nsamples = (size_t)u[2];
	m->have_blocks = (int)u[3];
	m->written_by = version;
	/* fields a later minor version appended: present when bytes are left */
	if (r->pos < r->end) {
		if (get_max(r, 1, "attached flag", &u[4]))
			return -1;
		m->attached = (int)u[4];
	}
	return 0;
}

static int dec_modules(struct rd *r)
{
	struct model *m = r->d->m;
	size_t n;
	if (get_count(r, 1, "modules", &n))
		return -1;
	m->modules = xcalloc(n ? n : 1, sizeof *m->modules);
	for (size_t i = 0; i < n; i++) {
		struct rd rec;
		struct module_info *mi = &m->modules[i];
		uint64_t idlen;
		if (get_record(r, &rec) || get_str(&rec, &mi->path) || get_u(&rec, &mi->base) ||
		    get_u(&rec, &mi->start) || get_u(&rec, &mi->end) ||
		    get_max(&rec, MLR_BUILD_ID_LEN, "build-id length", &idlen))
			return -1;
		if (idlen > rec.end - rec.pos)
			return fail_at(r->d, rec.pos, SNAP_DAMAGED, "a build id runs past the end of its record");
		memcpy(mi->build_id, r->p + rec.pos, idlen);
		mi->build_id_len = (uint32_t)idlen;
		m->nmodules++;
	}
	return 0;
}

/* LOCS: every location's frames into one array (each frame takes at least 6 bytes of the
 * section, which bounds the allocation). */
static int dec_locations(struct rd *r)
{
	struct dec *d = r->d;
	struct model *m = d->m;
	size_t n;
	if (get_count(r, 3, "locations", &n))
		return -1;
	size_t cap = (r->end - r->pos) / 6 + 1;
	m->loc_frames = xmalloc(cap * sizeof *m->loc_frames);
	m->locs = xmalloc((n ? n : 1) * sizeof *m->locs);
	size_t used = 0;
	for (size_t i = 0; i < n; i++) {
		struct rd rec;
		uint64_t address, nframes;
		if (get_record(r, &rec) || get_u(&rec, &address) ||
		    get_max(&rec, SYMBOLIZE_MAX_FRAMES, "frames per location", &nframes))
			return -1;
		if (nframes == 0)
			return fail_at(d, rec.pos, SNAP_DAMAGED, "a location without frames");
		if (nframes > cap - used)
			return fail_at(d, rec.pos, SNAP_DAMAGED, "more frames than the section can hold");
		m->locs[i] = (struct location){.address = address, .first = (uint32_t)used, .count = (uint32_t)nframes};
		for (uint64_t k = 0; k < nframes; k++) {
			struct sym_frame *f = &m->loc_frames[used];
			uint64_t line, inl;
			memset(f, 0, sizeof *f);
			if (get_str(&rec, &f->function) || get_str(&rec, &f->file) ||
			    get_max(&rec, INT32_MAX, "line", &line) || get_max(&rec, 1, "inlined flag", &inl) ||
			    get_str(&rec, &f->module) || get_u(&rec, &f->offset))
				return -1;
			f->line = (int)line;
			f->inlined = (int)inl;
			f->address = address;
			used++;
		}
		m->nlocs++;
	}
	return 0;
}

static int dec_site(struct rd *rec, struct site *s)
{
	struct dec *d = rec->d;
	struct model *m = d->m;
	uint64_t kind, trunc, nids;
	if (get_max(rec, 255, "site kind", &kind) || get_max(rec, 1, "truncated flag", &trunc) ||
	    get_counts(rec, &s->c) || get_s(rec, &s->peak_live_bytes) || get_s(rec, &s->at_peak_bytes) ||
	    get_s(rec, &s->at_peak_blocks) || get_f(rec, &s->oldest_s) ||
	    get_max(rec, MLS_MAX_DEPTH, "stack depth", &nids))
		return -1;
	s->kind = (uint8_t)kind;
	s->truncated = (uint8_t)trunc;
	if (nids > rec->end - rec->pos)
		return fail_at(d, rec->pos, SNAP_DAMAGED, "a stack of %llu locations runs past its record",
		               (unsigned long long)nids);
	if (nids) {
		s->locs = xmalloc(nids * sizeof *s->locs);
		s->ips = xmalloc(nids * sizeof *s->ips);
	}
	size_t nframes = 0;
	for (uint64_t k = 0; k < nids; k++) {
		uint64_t id;
		size_t at = rec->pos;
		if (get_u(rec, &id))
			return -1;
		if (id >= m->nlocs)
			return fail_at(d, at, SNAP_DAMAGED, "location %llu does not exist (there are %zu)",
			               (unsigned long long)id, m->nlocs);
		s->locs[k] = (uint32_t)id;
		s->ips[k] = m->locs[id].address;
		s->depth++;
		nframes += m->locs[id].count;
	}
	if (nframes > MLS_MAX_FRAMES)
		return fail_at(d, rec->pos, SNAP_DAMAGED, "a stack of %zu frames (at most %d)", nframes,
		               MLS_MAX_FRAMES);
	return 0;
}

static int dec_sites(struct rd *r)
{
	struct model *m = r->d->m;
	size_t n;
	if (get_count(r, 1, "sites", &n))
		return -1;
	m->sites = xcalloc(n ? n : 1, sizeof *m->sites);
	for (size_t i = 0; i < n; i++) {
		struct rd rec;
		struct site *s = &m->sites[i];
		s->id = (uint32_t)i;
		m->nsites++;
		if (get_record(r, &rec) || dec_site(&rec, s))
			return -1;
	}
	return 0;
}

static int dec_threads(struct rd *r)
{
	struct model *m = r->d->m;
	size_t n;
	if (get_count(r, 1, "threads", &n))
		return -1;
	m->threads = xcalloc(n ? n : 1, sizeof *m->threads);
	m->threads_cap = n ? n : 1;
	for (size_t i = 0; i < n; i++) {
		struct rd rec;
		struct thread_stat *t = &m->threads[i];
		int64_t tid, slot;
		const char *name;
		uint64_t exited, state, stack;
		if (get_record(r, &rec) || get_s(&rec, &tid) || get_s(&rec, &slot) || get_str(&rec, &name) ||
		    get_max(&rec, 1, "exited flag", &exited) || get_max(&rec, 127, "thread state", &state) ||
		    get_f(&rec, &t->utime_s) || get_f(&rec, &t->stime_s) || get_counts(&rec, &t->c) ||
		    get_f(&rec, &t->start_s) || get_f(&rec, &t->end_s) || get_max(&rec, UINT32_MAX, "stack", &stack))
			return -1;
		t->tid = (int32_t)tid;
		t->slot = (int32_t)slot;
		snprintf(t->name, sizeof t->name, "%s", name ? name : "");
		t->exited = (int)exited;
		t->os_state = (char)state;
		t->create_stack = (uint32_t)stack;
		m->nthreads++;
	}
	return 0;
}

static int dec_series(struct rd *r)
{
	struct model *m = r->d->m;
	size_t n;
	if (get_count(r, 8 + 10, "samples", &n))
		return -1;
	series_free(m->series);
	m->series = series_new(n, 1);
	for (size_t i = 0; i < n; i++) {
		struct sample x;
		uint64_t threads;
		if (get_f(r, &x.t) || get_u(r, &x.rss) || get_u(r, &x.rss_anon) || get_u(r, &x.hwm) ||
		    get_u(r, &x.vmsize) || get_max(r, UINT32_MAX, "thread count", &threads) || get_s(r, &x.heap_live) ||
		    get_s(r, &x.mmap_live) || get_u(r, &x.heap_calls) || get_u(r, &x.heap_frees) ||
		    get_u(r, &x.heap_bytes))
			return -1;
		x.threads = (uint32_t)threads;
		series_push(m->series, &x);
	}
	return 0;
}

static int dec_blocks(struct rd *r)
{
	struct model *m = r->d->m;
	size_t n;
	if (get_count(r, 5, "blocks", &n))
		return -1;
	m->blocks = xmalloc((n ? n : 1) * sizeof *m->blocks);
	for (size_t i = 0; i < n; i++) {
		struct live_block *b = &m->blocks[i];
		uint64_t stack;
		int64_t tid, ms;
		size_t at = r->pos;
		if (get_u(r, &b->ptr) || get_u(r, &b->size) || get_u(r, &stack) || get_s(r, &tid) || get_s(r, &ms))
			return -1;
		if (stack >= m->nsites)
			return fail_at(r->d, at, SNAP_DAMAGED, "a block refers to site %llu of %zu",
			               (unsigned long long)stack, m->nsites);
		b->stack = (uint32_t)stack;
		b->tid = (int32_t)tid;
		b->birth_s = (double)ms / 1e3;
		m->nblocks++;
	}
	return 0;
}

static uint64_t le(const uint8_t *p, int bytes)
{
	uint64_t v = 0;
	for (int i = 0; i < bytes; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static void type_name(uint32_t type, char out[5])
{
	for (int i = 0; i < 4; i++) {
		char c = (char)(type >> (8 * i));
		out[i] = c >= 0x20 && c < 0x7f ? c : '?';
	}
	out[4] = '\0';
}

static int decode(struct dec *d, const uint8_t *p, size_t len)
{
	if (len == 0)
		return fail_at(d, 0, SNAP_NOT_SNAPSHOT, "empty file, not a memlens snapshot");
	if (len < MLS_MAGIC_LEN || memcmp(p, MLS_MAGIC, MLS_MAGIC_LEN) != 0)
		return fail_at(d, 0, SNAP_NOT_SNAPSHOT, "not a memlens snapshot (no snapshot signature)");
	if (len < MLS_HEADER_SIZE)
		return fail_at(d, len, SNAP_DAMAGED, "truncated in the %d-byte file header", MLS_HEADER_SIZE);
	unsigned major = (unsigned)le(p + 8, 2), minor = (unsigned)le(p + 10, 2);
	if (major > MLS_MAJOR)
		return fail_at(d, 8, SNAP_NEWER,
		               "format version %u.%u is newer than this memlens reads (%d.x): update memlens", major,
		               minor, MLS_MAJOR);
	if (le(p + 28, 4) != crc32(0L, p, 28))
		return fail_at(d, 28, SNAP_DAMAGED, "file header checksum mismatch");
	if (major != MLS_MAJOR)
		return fail_at(d, 8, SNAP_DAMAGED, "format version %u.%u is not one memlens ever wrote", major, minor);
	uint64_t hsize = le(p + 12, 4);
	if (hsize < MLS_HEADER_SIZE || hsize > len)
		return fail_at(d, 12, SNAP_DAMAGED, "header size %llu is out of range", (unsigned long long)hsize);

	uint32_t seen = 0; /* bit per known section */
	static const uint32_t order[] = {MLS_SEC_STRINGS, MLS_SEC_META,    MLS_SEC_MODULES, MLS_SEC_LOCATIONS,
	                                 MLS_SEC_SITES,   MLS_SEC_THREADS, MLS_SEC_SERIES,  MLS_SEC_BLOCKS};
	enum { BIT_META = 1u << 1, BIT_LOCS = 1u << 3, BIT_SITES = 1u << 4 };
	size_t pos = (size_t)hsize;
	for (;;) {
		if (len - pos < MLS_SECTION_HEADER_SIZE)
			return fail_at(d, len, SNAP_DAMAGED, "truncated: the file ends %s",
			               pos == len ? "before its END section" : "inside a section header");
		uint32_t type = (uint32_t)le(p + pos, 4), flags = (uint32_t)le(p + pos + 4, 4);
		uint64_t slen = le(p + pos + 8, 8);
		uint32_t crc = (uint32_t)le(p + pos + 16, 4);
		char tn[5];
		type_name(type, tn);
		size_t body = pos + MLS_SECTION_HEADER_SIZE;
		if (slen > len - body)
			return fail_at(d, pos + 8, SNAP_DAMAGED, "section %s claims %llu bytes but only %zu remain%s",
			               tn, (unsigned long long)slen, len - body, " (truncated?)");
		uLong c = crc32(0L, Z_NULL, 0);
		for (size_t off = 0; off < slen;) {
			size_t k = slen - off > (1u << 30) ? (1u << 30) : (size_t)(slen - off);
			c = crc32(c, p + body + off, (uInt)k);
			off += k;
		}
		if (c != crc)
			return fail_at(d, pos, SNAP_DAMAGED, "section %s: checksum mismatch (the file is damaged)", tn);
		if (type == MLS_SEC_END)
			break;
		int k = -1;
		for (int i = 0; i < (int)(sizeof order / sizeof order[0]); i++)
			if (order[i] == type)
				k = i;
		struct rd r = {.p = p, .pos = body, .end = body + (size_t)slen, .d = d};
		if (k < 0) {
			if (flags & MLS_SECTION_REQUIRED)
				return fail_at(d, pos, SNAP_NEWER,
				               "section %s is required but unknown to this memlens: update memlens",
				               tn);
		} else if (seen & (1u << k)) {
			return fail_at(d, pos, SNAP_DAMAGED, "section %s appears twice", tn);
		} else if (k > 0 && !(seen & 1u)) {
			return fail_at(d, pos, SNAP_DAMAGED, "section %s comes before the string table", tn);
		} else if (type == MLS_SEC_BLOCKS && !(seen & BIT_SITES)) {
			return fail_at(d, pos, SNAP_DAMAGED, "section BLKS comes before the sites it refers to");
		} else if (type == MLS_SEC_SITES && !(seen & BIT_LOCS)) {
			return fail_at(d, pos, SNAP_DAMAGED, "section SITE comes before the locations it refers to");
		} else {
			seen |= 1u << k;
			int rc = type == MLS_SEC_STRINGS     ? dec_strings(&r)
			         : type == MLS_SEC_META      ? dec_meta(&r)
			         : type == MLS_SEC_MODULES   ? dec_modules(&r)
			         : type == MLS_SEC_LOCATIONS ? dec_locations(&r)
			         : type == MLS_SEC_SITES     ? dec_sites(&r)
			         : type == MLS_SEC_THREADS   ? dec_threads(&r)
			         : type == MLS_SEC_SERIES    ? dec_series(&r)
			                                     : dec_blocks(&r);
			if (rc)
				return -1;
		}
		pos = body + (size_t)slen;
	}
	if (!(seen & BIT_META))
		return fail_at(d, pos, SNAP_DAMAGED, "no META section");
	if (!(seen & BIT_SITES))
		return fail_at(d, pos, SNAP_DAMAGED, "no SITE section");
	return 0;
}

enum snap_status snapshot_decode(const uint8_t *data, size_t len, const char *name, struct model *m, char *err,
                                 size_t errlen)
{
	memset(m, 0, sizeof *m);
	m->strings = strpool_new();
	m->series = series_new(2, 1);
	m->from_file = 1;
	m->target = TARGET_RUNNING;
	struct dec d = {.name = name, .err = err, .errlen = errlen, .m = m};
	if (errlen)
		err[0] = '\0';
	int rc = decode(&d, data, len);
	free(d.strings);
	if (rc) {
		model_done(m);
		return d.status;
	}
	/* a site's kind may name no kind this memlens knows: treat as heap */
	for (size_t i = 0; i < m->nsites; i++)
		if (m->sites[i].kind > MLR_KIND_THREAD)
			m->sites[i].kind = MLR_KIND_HEAP;
	return SNAP_OK;
}

enum snap_status snapshot_read(const char *path, struct model *m, char *err, size_t errlen)
{
	memset(m, 0, sizeof *m);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0) {
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return SNAP_UNREADABLE;
	}
	if (S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s: is a directory, not a snapshot file", path);
		close(fd);
		return SNAP_UNREADABLE;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		close(fd);
		return SNAP_UNREADABLE;
	}
	size_t len = (size_t)st.st_size, got = 0;
	uint8_t *data = xmalloc(len ? len : 1);
	while (got < len) {
		ssize_t n = read(fd, data + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(err, errlen, "%s: offset %zu: cannot read: %s", path, got, strerror(errno));
			close(fd);
			free(data);
			return SNAP_UNREADABLE;
		}
		if (n == 0)
			break; /* shrank while read: decode what is there */
		got += (size_t)n;
	}
	close(fd);
	enum snap_status st2 = snapshot_decode(data, got, path, m, err, errlen);
	free(data);
	return st2;
}
