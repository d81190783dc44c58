/* test_snapshot.c — snapshot files: a round trip that compares every field, and hostile files of every kind. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "check.h"
#include "core/snapshot.h"
#include "core/util.h"
#include "memlens/snapshot.h"

static void fill_model(struct model *m)
{
	char *argv[] = {"/usr/bin/server", "--port", "8080", "", NULL};
	model_init(m, 4242, 4, argv);
	snprintf(m->host, sizeof m->host, "buildhost");
	m->start_wall_ns = 1700000000123456789;
	m->snapshot_wall_ns = 1700000060987654321;
	m->snapshot_s = 60.5;
	m->duration_s = 60.25;
	m->target = TARGET_KILLED;
	m->exit_code = 3;
	m->signal = 9;
	m->agent_seen = 1;
	m->agent_problem = strpool_intern(m->strings, "a problem");
	m->agent_state = MLR_STATE_DEGRADED;
	m->agent_reason = MLR_REASON_LIVE_FULL;
	m->unwinder = MLR_UNWIND_CFI;
	m->max_depth = 64;
	m->agent_flags = 5;
	m->sample_every = 0;
	m->counts_from_s = 1.5;
	m->heap = (struct counts){1000, 900, 123456789, 4567, 100};
	m->mmap = (struct counts){4, 1, 1 << 20, 3 << 18, 3};
	m->unknown_frees = 7;
	m->nstacks = 3;
	m->frames_used = 99;
	m->arena_used = 1 << 16;
	m->peak_live = 99999;
	m->peak_time_s = 12.75;
	m->status = (struct proc_status){.rss = 1 << 24, .rss_anon = 1 << 23, .hwm = 1 << 25, .vmsize = 1ull << 33,
	                                 .threads = 5};
	m->peak_rss = 1 << 26;
	m->peak_rss_anon = 1 << 22;
	m->vm_hwm = 1 << 27;
	m->max_threads = 9;
	m->nsamples = 605;
	m->attached = 1;

	m->nmodules = 2;
	m->modules = xcalloc(2, sizeof *m->modules);
	m->modules[0] = (struct module_info){.path = strpool_intern(m->strings, "/usr/bin/server"),
	                                     .base = 0x555500000000,
	                                     .start = 0x555500001000,
	                                     .end = 0x555500009000,
	                                     .build_id_len = 20};
	for (int i = 0; i < 20; i++)
		m->modules[0].build_id[i] = (uint8_t)(i * 13);
	m->modules[1] = (struct module_info){.path = strpool_intern(m->strings, "/lib/libc.so.6"),
	                                     .base = 0x7f0000000000,
	                                     .start = 0x7f0000010000,
	                                     .end = 0x7f0000200000};

	m->nsites = 3;
	m->sites = xcalloc(3, sizeof *m->sites);
	for (int i = 0; i < 3; i++) {
		struct site *s = &m->sites[i];
		s->id = (uint32_t)i;
		s->kind = (uint8_t)(i == 1 ? MLR_KIND_MMAP : MLR_KIND_HEAP);
		s->truncated = (uint8_t)(i == 2);
		s->c = (struct counts){(uint64_t)(10 + i), (uint64_t)i, (uint64_t)(1000 * (i + 1)), -5 + 10 * i,
		                       (int64_t)i - 1};
		s->peak_live_bytes = 500 + i;
		s->at_peak_bytes = 400 + i;
		s->at_peak_blocks = 4 + i;
		s->oldest_s = i == 0 ? -1 : 2.5 * i;
		/* three return addresses: the first with an inlined frame (two frames), the last without
		 * symbols; sites 0 and 1 share addresses but not names (locations are keyed by content) */
		s->depth = i == 2 ? 0 : 3;
		s->nframes = i == 2 ? 0 : 4;
		s->frames = xcalloc(4, sizeof *s->frames);
		if (s->depth)
			s->ips = xmalloc(3 * sizeof *s->ips);
		for (int k = 0; k < s->nframes; k++) {
			struct sym_frame *f = &s->frames[k];
			char fn[32];
			int loc = k == 0 ? 0 : k - 1;
			snprintf(fn, sizeof fn, "func_%d_%d", i, k);
			f->function = k == 3 ? NULL : strpool_intern(m->strings, fn);
			f->file = k >= 2 ? NULL : strpool_intern(m->strings, "src/server.c");
			f->line = k >= 2 ? 0 : 100 + k;
			f->inlined = k == 0;
			f->module = strpool_intern(m->strings, "/usr/bin/server");
			f->offset = 0x1234 + (uint64_t)loc;
			f->address = 0x555500001234ull + (uint64_t)loc;
			s->ips[loc] = f->address;
		}
	}

	m->nthreads = 2;
	m->threads_cap = 2;
	m->threads = xcalloc(2, sizeof *m->threads);
	m->threads[0] = (struct thread_stat){.tid = 4242,
	                                     .slot = 0,
	                                     .name = "server",
	                                     .os_state = 'S',
	                                     .utime_s = 1.25,
	                                     .stime_s = 0.5,
	                                     .c = {5, 4, 300, 100, 1},
	                                     .start_s = 0,
	                                     .end_s = -1};
	m->threads[1] = (struct thread_stat){.tid = 4250,
	                                     .slot = -1,
	                                     .name = "worker-15chars!",
	                                     .exited = 1,
	                                     .c = {1, 0, 16, 16, 1},
	                                     .start_s = 3.5,
	                                     .end_s = 9.75,
	                                     .create_stack = 1};

	for (int i = 0; i < 5; i++) {
		struct sample x = {.t = 0.1 * i,
		                   .rss = 1000u + (uint64_t)i,
		                   .rss_anon = 500u + (uint64_t)i,
		                   .hwm = 2000,
		                   .vmsize = 1ull << 32,
		                   .threads = 2,
		                   .heap_live = 10 * i - 5,
		                   .mmap_live = 3,
		                   .heap_calls = 7u * (uint64_t)i,
		                   .heap_frees = 3u * (uint64_t)i,
		                   .heap_bytes = 99u * (uint64_t)i};
		series_push(m->series, &x);
	}

	m->have_blocks = 1;
	m->blocks_s = 60.5;
	m->nblocks = 3;
	m->blocks = xcalloc(3, sizeof *m->blocks);
	m->blocks[0] = (struct live_block){0x5555deadbe00, 100, 0, 4242, 1.5};
	m->blocks[1] = (struct live_block){0x7f00000000f0, 1 << 20, 1, 4250, 3.75};
	m->blocks[2] = (struct live_block){0x10, 1, 2, 0, 0};
}

static int str_eq(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

static int counts_eq(const struct counts *a, const struct counts *b)
{
	return memcmp(a, b, sizeof *a) == 0;
}

static int sample_eq(const struct sample *x, const struct sample *y)
{
	return x->t == y->t && x->rss == y->rss && x->rss_anon == y->rss_anon && x->hwm == y->hwm &&
	       x->vmsize == y->vmsize && x->threads == y->threads && x->heap_live == y->heap_live &&
	       x->mmap_live == y->mmap_live && x->heap_calls == y->heap_calls && x->heap_frees == y->heap_frees &&
	       x->heap_bytes == y->heap_bytes;
}

#define FIELD(name, ok)                                                                                            \
	do {                                                                                                       \
		if (!(ok)) {                                                                                       \
			printf("# differs: %s\n", name);                                                           \
			same = 0;                                                                                  \
		}                                                                                                  \
	} while (0)

static int models_equal(struct model *a, struct model *b)
{
	int same = 1;
	FIELD("pid", a->pid == b->pid);
	FIELD("argc", a->argc == b->argc);
	for (int i = 0; i < a->argc && i < b->argc; i++)
		FIELD("argv", str_eq(a->argv[i], b->argv[i]));
	FIELD("host", strcmp(a->host, b->host) == 0);
	FIELD("start_wall_ns", a->start_wall_ns == b->start_wall_ns);
	FIELD("snapshot_wall_ns", a->snapshot_wall_ns == b->snapshot_wall_ns);
	FIELD("snapshot_s", a->snapshot_s == b->snapshot_s);
	FIELD("duration_s", a->duration_s == b->duration_s);
	FIELD("target", a->target == b->target && a->exit_code == b->exit_code && a->signal == b->signal);
	FIELD("agent", a->agent_seen == b->agent_seen && str_eq(a->agent_problem, b->agent_problem) &&
	                       a->agent_state == b->agent_state && a->agent_reason == b->agent_reason &&
	                       a->unwinder == b->unwinder && a->max_depth == b->max_depth &&
	                       a->agent_flags == b->agent_flags);
	FIELD("attached", a->attached == b->attached);
	FIELD("sampling", a->sample_every == b->sample_every && a->counts_from_s == b->counts_from_s);
	FIELD("heap", counts_eq(&a->heap, &b->heap));
	FIELD("mmap", counts_eq(&a->mmap, &b->mmap));
	FIELD("tables", a->unknown_frees == b->unknown_frees && a->nstacks == b->nstacks &&
	                        a->frames_used == b->frames_used && a->arena_used == b->arena_used);
	FIELD("peak", a->peak_live == b->peak_live && a->peak_time_s == b->peak_time_s);
	FIELD("status", a->status.rss == b->status.rss && a->status.rss_anon == b->status.rss_anon &&
	                        a->status.hwm == b->status.hwm && a->status.vmsize == b->status.vmsize &&
	                        a->status.threads == b->status.threads);
	FIELD("process peaks", a->peak_rss == b->peak_rss && a->peak_rss_anon == b->peak_rss_anon &&
	                               a->vm_hwm == b->vm_hwm && a->max_threads == b->max_threads &&
	                               a->nsamples == b->nsamples);
	FIELD("nmodules", a->nmodules == b->nmodules);
	for (size_t i = 0; i < a->nmodules && i < b->nmodules; i++) {
		const struct module_info *x = &a->modules[i], *y = &b->modules[i];
		FIELD("module", str_eq(x->path, y->path) && x->base == y->base && x->start == y->start &&
		                        x->end == y->end && x->build_id_len == y->build_id_len &&
		                        memcmp(x->build_id, y->build_id, x->build_id_len) == 0);
	}
	FIELD("nsites", a->nsites == b->nsites);
	for (size_t i = 0; i < a->nsites && i < b->nsites; i++) {
		const struct site *x = &a->sites[i], *y = &b->sites[i];
		FIELD("site figures", x->id == y->id && x->kind == y->kind && x->truncated == y->truncated &&
		                              counts_eq(&x->c, &y->c) && x->peak_live_bytes == y->peak_live_bytes &&
		                              x->at_peak_bytes == y->at_peak_bytes &&
		                              x->at_peak_blocks == y->at_peak_blocks && x->oldest_s == y->oldest_s);
		FIELD("site stack", x->depth == y->depth && (x->depth == 0 || memcmp(x->ips, y->ips,
		                                                                      (size_t)x->depth * 8) == 0));
		int nx, ny;
		const struct sym_frame *fx = model_site_frames(a, NULL, &a->sites[i], &nx);
		const struct sym_frame *fy = model_site_frames(b, NULL, &b->sites[i], &ny);
		FIELD("site nframes", nx == ny);
		for (int k = 0; k < nx && k < ny; k++) {
			const struct sym_frame *f = &fx[k], *g = &fy[k];
			FIELD("frame", str_eq(f->function, g->function) && str_eq(f->file, g->file) &&
			                       f->line == g->line && f->inlined == g->inlined &&
			                       str_eq(f->module, g->module) && f->offset == g->offset &&
			                       f->address == g->address);
		}
	}
	FIELD("nthreads", a->nthreads == b->nthreads);
	for (size_t i = 0; i < a->nthreads && i < b->nthreads; i++) {
		const struct thread_stat *x = &a->threads[i], *y = &b->threads[i];
		FIELD("thread", x->tid == y->tid && x->slot == y->slot && strcmp(x->name, y->name) == 0 &&
		                        x->exited == y->exited && x->os_state == y->os_state &&
		                        x->utime_s == y->utime_s && x->stime_s == y->stime_s &&
		                        counts_eq(&x->c, &y->c) && x->start_s == y->start_s && x->end_s == y->end_s &&
		                        x->create_stack == y->create_stack);
	}
	size_t na = series_count(a->series), nb = series_count(b->series);
	FIELD("series length", na == nb);
	for (size_t i = 0; i < na && i < nb; i++)
		FIELD("sample", sample_eq(series_get(a->series, i), series_get(b->series, i)));
	FIELD("blocks", a->have_blocks == b->have_blocks && a->blocks_s == b->blocks_s && a->nblocks == b->nblocks);
	for (size_t i = 0; i < a->nblocks && i < b->nblocks; i++)
		FIELD("block", a->blocks[i].ptr == b->blocks[i].ptr && a->blocks[i].size == b->blocks[i].size &&
		                       a->blocks[i].stack == b->blocks[i].stack && a->blocks[i].tid == b->blocks[i].tid &&
		                       a->blocks[i].birth_s == b->blocks[i].birth_s);
	return same;
}

/* Put a correct checksum back on the section that holds file offset off. */
static void fix_crcs(uint8_t *p, size_t len)
{
	size_t pos = MLS_HEADER_SIZE;
	while (len - pos >= MLS_SECTION_HEADER_SIZE) {
		uint64_t slen = 0;
		for (int i = 0; i < 8; i++)
			slen |= (uint64_t)p[pos + 8 + (size_t)i] << (8 * i);
		if (slen > len - pos - MLS_SECTION_HEADER_SIZE)
			return;
		uint32_t c = (uint32_t)crc32(0L, p + pos + MLS_SECTION_HEADER_SIZE, (uInt)slen);
		for (int i = 0; i < 4; i++)
			p[pos + 16 + (size_t)i] = (uint8_t)(c >> (8 * i));
		pos += MLS_SECTION_HEADER_SIZE + (size_t)slen;
	}
}

static int error_names_offset(const char *err)
{
	return strstr(err, "test.mls: offset ") == err;
}

int main(void)
{
	struct model a, b;
	char err[512];
	fill_model(&a);
	struct bytebuf buf;
	snapshot_encode(&a, NULL, &buf);
	check(buf.len > MLS_HEADER_SIZE, "a snapshot is encoded");
	enum snap_status st = snapshot_decode(buf.data, buf.len, "test.mls", &b, err, sizeof err);
	check(st == SNAP_OK, "the snapshot decodes");
	if (st != SNAP_OK)
		printf("# %s\n", err);
	else
		check(models_equal(&a, &b), "every field read back equals what was written");
	check(b.from_file, "a decoded model says it came from a file");
	model_done(&b);

	/* truncated at every byte offset */
	int all_fail = 1, all_named = 1;
	for (size_t n = 0; n < buf.len; n++) {
		st = snapshot_decode(buf.data, n, "test.mls", &b, err, sizeof err);
		if (st == SNAP_OK) {
			all_fail = 0;
			model_done(&b);
			printf("# truncated to %zu bytes decoded\n", n);
		} else if (!error_names_offset(err) || (n >= MLS_MAGIC_LEN && st != SNAP_DAMAGED)) {
			all_named = 0;
			printf("# truncated to %zu: status %d, '%s'\n", n, st, err);
		}
	}
	check(all_fail, "a snapshot truncated at any offset is refused");
	check(all_named, "each truncation gets 'file: offset N: ...' (damaged, or not a snapshot below the signature)");

	/* every single bit flipped: no crash; a refusal names file and offset */
	uint8_t *copy = xmalloc(buf.len);
	int flips_ok = 1, flips_refused = 0;
	for (size_t i = 0; i < buf.len; i++)
		for (int bit = 0; bit < 8; bit++) {
			memcpy(copy, buf.data, buf.len);
			copy[i] ^= (uint8_t)(1u << bit);
			st = snapshot_decode(copy, buf.len, "test.mls", &b, err, sizeof err);
			if (st == SNAP_OK)
				model_done(&b);
			else if (!error_names_offset(err))
				flips_ok = 0;
			else
				flips_refused++;
		}
	check(flips_ok, "bit flips anywhere: no crash, every refusal names file and offset");
	printf("# %d of %zu bit flips refused (the others hit bits no checksum covers, e.g. flags)\n", flips_refused,
	       buf.len * 8);
	check(flips_refused > (int)(buf.len * 8) * 9 / 10, "nearly every bit flip is detected");

	/* a section length pointing past the end */
	memcpy(copy, buf.data, buf.len);
	copy[MLS_HEADER_SIZE + 8 + 5] = 0x7f;
	st = snapshot_decode(copy, buf.len, "test.mls", &b, err, sizeof err);
	check(st == SNAP_DAMAGED && strstr(err, "claims"), "a length past the end is refused as damaged");
	printf("# %s\n", err);

	/* a newer major version */
	memcpy(copy, buf.data, buf.len);
	copy[8] = MLS_MAJOR + 1;
	st = snapshot_decode(copy, buf.len, "test.mls", &b, err, sizeof err);
	check(st == SNAP_NEWER && strstr(err, "newer"), "a newer major version is refused as newer");
	printf("# %s\n", err);

	/* a newer minor version with an unknown optional section: read, section skipped */
	{
		struct bytebuf x = {0};
		size_t end_sec = buf.len - MLS_SECTION_HEADER_SIZE;
		uint8_t *p = xmalloc(buf.len + MLS_SECTION_HEADER_SIZE + 3);
		memcpy(p, buf.data, end_sec);
		p[10] = MLS_MINOR + 1;
		uint32_t crc = (uint32_t)crc32(0L, p, 28);
		for (int i = 0; i < 4; i++)
			p[28 + i] = (uint8_t)(crc >> (8 * i));
		uint8_t sec[MLS_SECTION_HEADER_SIZE + 3] = {'X', 'T', 'R', 'A', 0, 0, 0, 0, 3};
		sec[MLS_SECTION_HEADER_SIZE] = 1;
		memcpy(p + end_sec, sec, sizeof sec);
		memcpy(p + end_sec + sizeof sec, buf.data + end_sec, MLS_SECTION_HEADER_SIZE);
		fix_crcs(p, buf.len + sizeof sec);
		st = snapshot_decode(p, buf.len + sizeof sec, "test.mls", &b, err, sizeof err);
		check(st == SNAP_OK, "an unknown optional section of a newer minor version is skipped");
		if (st == SNAP_OK)
			model_done(&b);
		else
			printf("# %s\n", err);
		p[end_sec + 4] = MLS_SECTION_REQUIRED;
		fix_crcs(p, buf.len + sizeof sec);
		st = snapshot_decode(p, buf.len + sizeof sec, "test.mls", &b, err, sizeof err);
		check(st == SNAP_NEWER, "an unknown required section is refused as newer");
		free(p);
		bytebuf_free(&x);
	}

	/* empty, and not a snapshot */
	st = snapshot_decode(buf.data, 0, "test.mls", &b, err, sizeof err);
	check(st == SNAP_NOT_SNAPSHOT && error_names_offset(err), "an empty file is not a snapshot");
	const char *text = "{\"not\": \"a snapshot\"}\n";
	st = snapshot_decode((const uint8_t *)text, strlen(text), "test.mls", &b, err, sizeof err);
	check(st == SNAP_NOT_SNAPSHOT && error_names_offset(err), "a text file is not a snapshot");

	/* hostile contents behind valid checksums: random bytes changed, checksums fixed */
	srand(7);
	int hostile_ok = 1;
	for (int round = 0; round < 3000; round++) {
		memcpy(copy, buf.data, buf.len);
		int changes = 1 + rand() % 4;
		for (int k = 0; k < changes; k++) {
			size_t at = MLS_HEADER_SIZE + (size_t)rand() % (buf.len - MLS_HEADER_SIZE);
			copy[at] = (uint8_t)(rand() % 3 == 0 ? 0xff : rand());
		}
		fix_crcs(copy, buf.len);
		st = snapshot_decode(copy, buf.len, "test.mls", &b, err, sizeof err);
		if (st == SNAP_OK)
			model_done(&b);
		else if (!error_names_offset(err))
			hostile_ok = 0;
	}
	check(hostile_ok, "3000 damaged files with valid checksums: no crash, each refusal names the offset");

	free(copy);
	bytebuf_free(&buf);
	model_done(&a);
	return check_done();
}
