/* model.c — build and refresh the data model from the agent's region and /proc. */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/model.h"
#include "core/util.h"

#define SYM_MAX_FRAMES 256

void model_init(struct model *m, pid_t pid, int argc, char **argv)
{
	memset(m, 0, sizeof *m);
	m->pid = pid;
	m->argc = argc;
	m->argv = xcalloc((size_t)argc + 1, sizeof *m->argv);
	for (int i = 0; i < argc; i++)
		m->argv[i] = xstrdup(argv[i]);
	m->start_ns = util_now_ns();
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	m->start_wall_ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	if (gethostname(m->host, sizeof m->host - 1) != 0)
		snprintf(m->host, sizeof m->host, "unknown");
	m->strings = strpool_new();
	/* 600 samples per level, 14 levels: 1 min at 100 ms, then coarser, ~3 days in all */
	m->series = series_new(600, 14);
	m->hist = sitehist_new(SITEHIST_PERIOD_S, SITEHIST_POINTS);
	m->target = TARGET_RUNNING;
}

void model_done(struct model *m)
{
	for (int i = 0; i < m->argc; i++)
		free(m->argv[i]);
	free(m->argv);
	for (size_t i = 0; i < m->nsites; i++) {
		free(m->sites[i].ips);
		free(m->sites[i].frames);
		free(m->sites[i].locs);
	}
	free(m->sites);
	for (size_t i = 0; i < m->nthreads; i++)
		free(m->threads[i].stack);
	free(m->threads);
	free(m->modules);
	free(m->blocks);
	free(m->locs);
	free(m->loc_frames);
	series_free(m->series);
	strpool_free(m->strings);
	sitehist_free(m->hist);
	if (m->sym)
		symbolizer_free(m->sym);
	memset(m, 0, sizeof *m);
}

double model_now_s(const struct model *m)
{
	return (double)(util_now_ns() - m->start_ns) / 1e9;
}

/* One snapshot of counters another process keeps updating (each field read once). */
static void counts_copy(struct counts *to, const struct mlr_counts *from)
{
	to->allocs = __atomic_load_n(&from->allocs, __ATOMIC_RELAXED);
	to->frees = __atomic_load_n(&from->frees, __ATOMIC_RELAXED);
	to->bytes_alloc = __atomic_load_n(&from->bytes_alloc, __ATOMIC_RELAXED);
	to->live_bytes = __atomic_load_n(&from->live_bytes, __ATOMIC_RELAXED);
	to->live_blocks = __atomic_load_n(&from->live_blocks, __ATOMIC_RELAXED);
}

static struct thread_stat *thread_by_tid(struct model *m, int32_t tid)
{
	for (size_t i = 0; i < m->nthreads; i++)
		if (m->threads[i].tid == tid)
			return &m->threads[i];
	return NULL;
}

static struct thread_stat *thread_add(struct model *m, int32_t tid)
{
	if (m->nthreads == m->threads_cap) {
		m->threads_cap = m->threads_cap ? m->threads_cap * 2 : 16;
		m->threads = xrealloc(m->threads, m->threads_cap * sizeof *m->threads);
	}
	struct thread_stat *t = &m->threads[m->nthreads++];
	memset(t, 0, sizeof *t);
	t->tid = tid;
	t->slot = -1;
	t->end_s = -1;
	return t;
}

static double region_time_s(const struct region *r, uint64_t mono_ns)
{
	return mono_ns ? (double)(mono_ns - r->hdr->start_mono_ns) / 1e9 : 0;
}

static void update_threads(struct model *m, const struct region *r)
{
	uint64_t n = region_nthreads(r);
	m->heap = (struct counts){0};
	for (uint64_t i = 0; i < n; i++) {
		const struct mlr_thread *rt = region_thread(r, i);
		if (__atomic_load_n(&rt->state, __ATOMIC_ACQUIRE) == 0)
			continue;
		struct thread_stat *t = thread_by_tid(m, rt->tid);
		if (!t)
			t = thread_add(m, rt->tid);
		t->slot = (int32_t)i;
		counts_copy(&t->c, &rt->c);
		t->create_stack = rt->create_stack;
		t->start_s = region_time_s(r, rt->start_ns);
		if (rt->state == 2) {
			t->exited = 1;
			t->end_s = region_time_s(r, rt->end_ns);
			if (rt->name[0])
				memcpy(t->name, rt->name, sizeof t->name - 1);
		}
		m->heap.allocs += t->c.allocs;
		m->heap.frees += t->c.frees;
		m->heap.bytes_alloc += t->c.bytes_alloc;
		m->heap.live_blocks += t->c.live_blocks;
	}
}

/* Copy counters of every published stack; stacks seen for the first time get their frames copied. */
static void update_sites(struct model *m, const struct region *r)
{
	uint64_t n = region_nstacks(r);
	if (n > m->nsites) {
		m->sites = xrealloc(m->sites, n * sizeof *m->sites);
		memset(m->sites + m->nsites, 0, (n - m->nsites) * sizeof *m->sites);
		for (uint64_t id = m->nsites; id < n; id++)
			m->sites[id].oldest_s = -1;
		m->nsites = n;
	}
	for (uint64_t id = 0; id < n; id++) {
		const struct mlr_stack *rs = region_stack(r, id);
		struct site *s = &m->sites[id];
		if (__atomic_load_n(&rs->ready, __ATOMIC_ACQUIRE) != 1)
			continue;
		if (!s->ips && rs->depth) {
			const uint64_t *ips = region_frames(r, rs);
			if (!ips)
				continue;
			s->ips = xmalloc(rs->depth * sizeof *ips);
			memcpy(s->ips, ips, rs->depth * sizeof *ips);
			s->depth = rs->depth;
		}
		s->id = (uint32_t)id;
		s->kind = rs->kind;
		s->truncated = rs->truncated;
		counts_copy(&s->c, &rs->c);
		s->peak_live_bytes = rs->peak_live_bytes;
		int at_peak = rs->at_peak_epoch == r->hdr->peak_epoch;
		s->at_peak_bytes = at_peak ? rs->at_peak_bytes : s->c.live_bytes;
		s->at_peak_blocks = at_peak ? rs->at_peak_blocks : s->c.live_blocks;
	}
}

static void update_modules(struct model *m, const struct region *r)
{
	uint64_t n = region_nmodules(r);
	if (n <= m->nmodules)
		return;
	m->modules = xrealloc(m->modules, n * sizeof *m->modules);
	for (; m->nmodules < n; m->nmodules++) {
		const struct mlr_module *rm = region_module(r, m->nmodules);
		struct module_info *mi = &m->modules[m->nmodules];
		memset(mi, 0, sizeof *mi);
		mi->path = strpool_intern_n(m->strings, rm->path, sizeof rm->path);
		mi->base = rm->base;
		mi->start = rm->start;
		mi->end = rm->end;
		mi->build_id_len = rm->build_id_len > MLR_BUILD_ID_LEN ? MLR_BUILD_ID_LEN : rm->build_id_len;
		memcpy(mi->build_id, rm->build_id, mi->build_id_len);
	}
}

void model_update(struct model *m, const struct region *r)
{
	if (!r || m->from_file)
		return;
	const char *why = NULL;
	int ready = region_ready(r, &why);
	if (ready <= 0) {
		m->agent_problem = why;
		return;
	}
	const struct mlr_header *h = r->hdr;
	m->agent_seen = 1;
	m->agent_state = h->state;
	m->agent_reason = h->reason;
	m->unwinder = h->unwinder;
	m->max_depth = h->max_depth;
	m->agent_flags = h->flags;
	m->unknown_frees = h->unknown_frees;
	m->nstacks = region_nstacks(r);
	m->frames_used = h->frames_used;
	m->arena_used = region_table_bytes(r);
	m->peak_live = h->peak_live_bytes;
	m->peak_time_s = (double)h->peak_time_ns / 1e9;
	counts_copy(&m->mmap, &h->mmap);
	update_modules(m, r);
	update_threads(m, r);
	m->heap.live_bytes = h->heap.live_bytes;
	update_sites(m, r);
}

static void note_task(const struct proc_task *pt, void *arg)
{
	struct model *m = arg;
	struct thread_stat *t = thread_by_tid(m, pt->tid);
	if (!t)
		t = thread_add(m, pt->tid);
	memcpy(t->name, pt->name, sizeof t->name);
	t->os_state = pt->state;
	t->utime_s = pt->utime_s;
	t->stime_s = pt->stime_s;
}

/* Process and per-thread rates over the period since the last update, once it is a second
 * long: steadier than sample-to-sample differences, and no history kept per thread. */
static void update_rates(struct model *m, const struct sample *x)
{
	struct rates *r = &m->rate;
	double dt = x->t - r->base.t;
	if (m->nsamples == 1 || dt <= 0) {
		r->base = *x;
		return;
	}
	if (dt < 1.0)
		return;
	r->allocs = (double)(x->heap_calls - r->base.heap_calls) / dt;
	r->frees = (double)(x->heap_frees - r->base.heap_frees) / dt;
	r->bytes = (double)(x->heap_bytes - r->base.heap_bytes) / dt;
	r->base = *x;
	for (size_t i = 0; i < m->nthreads; i++) {
		struct thread_stat *t = &m->threads[i];
		double cpu = t->utime_s + t->stime_s;
		t->alloc_rate = t->c.bytes_alloc > t->rate_bytes ? (double)(t->c.bytes_alloc - t->rate_bytes) / dt : 0;
		t->cpu_share = cpu > t->rate_cpu_s && t->rate_cpu_s > 0 ? (cpu - t->rate_cpu_s) / dt : 0;
		t->rate_bytes = t->c.bytes_alloc;
		t->rate_cpu_s = cpu;
	}
}

void model_sample(struct model *m, const struct region *r)
{
	struct proc_status st;
	if (m->target == TARGET_RUNNING && procfs_status(m->pid, &st) == 0) {
		m->status = st;
		if (st.rss > m->peak_rss)
			m->peak_rss = st.rss;
		if (st.rss_anon > m->peak_rss_anon)
			m->peak_rss_anon = st.rss_anon;
		if (st.hwm > m->vm_hwm)
			m->vm_hwm = st.hwm;
		if (st.threads > m->max_threads)
			m->max_threads = st.threads;
		/* threads' names and states once a second: a read per thread is not free */
		if (m->nsamples % 10 == 0)
			procfs_tasks(m->pid, note_task, m);
	}
	model_update(m, r);
	struct sample x = {
	        .t = model_now_s(m),
	        .rss = m->status.rss,
	        .rss_anon = m->status.rss_anon,
	        .hwm = m->status.hwm,
	        .vmsize = m->status.vmsize,
	        .threads = m->status.threads,
	        .heap_live = m->heap.live_bytes,
	        .mmap_live = m->mmap.live_bytes,
	        .heap_calls = m->heap.allocs,
	        .heap_frees = m->heap.frees,
	        .heap_bytes = m->heap.bytes_alloc,
	};
	series_push(m->series, &x);
	sitehist_maybe_tick(m->hist, m->sites, m->nsites, x.t);
	m->nsamples++;
	update_rates(m, &x);
}

void model_target_ended(struct model *m, int wait_status)
{
	m->duration_s = model_now_s(m);
	sitehist_tick(m->hist, m->sites, m->nsites, m->duration_s);
	for (size_t i = 0; i < m->nthreads; i++)
		m->threads[i].os_state = 0;
	if (WIFEXITED(wait_status)) {
		m->target = TARGET_EXITED;
		m->exit_code = WEXITSTATUS(wait_status);
	} else if (WIFSIGNALED(wait_status)) {
		m->target = TARGET_KILLED;
		m->signal = WTERMSIG(wait_status);
	}
}

void model_target_vanished(struct model *m)
{
	m->duration_s = model_now_s(m);
	sitehist_tick(m->hist, m->sites, m->nsites, m->duration_s);
	for (size_t i = 0; i < m->nthreads; i++)
		m->threads[i].os_state = 0;
	m->target = TARGET_GONE;
}

static struct symbolizer *model_symbolizer(struct model *m)
{
	if (!m->sym) {
		char root[64];
		snprintf(root, sizeof root, "/proc/%d/root", (int)m->pid);
		m->sym = symbolizer_new(m->target == TARGET_RUNNING ? root : NULL);
	}
	return m->sym;
}

void model_add_module(struct model *m, const struct sym_module *sm)
{
	symbolizer_add_module(model_symbolizer(m), sm);
}

/* Hand the symbolizer the modules the agent recorded since the last call. */
static void sync_modules(struct model *m, const struct region *r)
{
	model_symbolizer(m);
	if (r && region_ready(r, NULL) > 0)
		update_modules(m, r);
	for (; m->modules_known < m->nmodules; m->modules_known++) {
		const struct module_info *mi = &m->modules[m->modules_known];
		struct sym_module sm = {
		        .path = mi->path,
		        .base = mi->base,
		        .start = mi->start,
		        .end = mi->end,
		        .build_id = mi->build_id_len ? mi->build_id : NULL,
		        .build_id_len = mi->build_id_len,
		};
		symbolizer_add_module(m->sym, &sm);
	}
}

const struct sym_frame *model_site_frames(struct model *m, const struct region *r, struct site *s, int *n)
{
	if (!s->frames && s->locs) {
		size_t total = 0;
		for (int i = 0; i < s->depth; i++)
			total += m->locs[s->locs[i]].count;
		s->frames = xmalloc((total ? total : 1) * sizeof *s->frames);
		for (int i = 0; i < s->depth; i++) {
			const struct location *l = &m->locs[s->locs[i]];
			memcpy(s->frames + s->nframes, m->loc_frames + l->first, l->count * sizeof *s->frames);
			s->nframes += (int)l->count;
		}
	} else if (!s->frames && s->depth > 0 && r && !m->from_file) {
		sync_modules(m, r);
		struct sym_frame buf[SYM_MAX_FRAMES];
		int used = 0;
		for (int i = 0; i < s->depth && used < SYM_MAX_FRAMES; i++)
			used += symbolizer_resolve(m->sym, s->ips[i], 1, buf + used, SYM_MAX_FRAMES - used);
		s->frames = xmalloc((size_t)used * sizeof *buf);
		memcpy(s->frames, buf, (size_t)used * sizeof *buf);
		s->nframes = used;
	}
	*n = s->nframes;
	return s->frames;
}

/* Descending by the order's key, then by id: a stable order for equal keys. */
static int64_t order_key(const struct site *s, enum site_order order)
{
	return order == SITES_BY_LIVE ? s->c.live_bytes : s->at_peak_bytes;
}

static int cmp_sites(const void *a, const void *b, void *order)
{
	const struct site *x = *(struct site *const *)a, *y = *(struct site *const *)b;
	enum site_order o = *(enum site_order *)order;
	int64_t kx = order_key(x, o), ky = order_key(y, o);
	if (kx != ky)
		return kx < ky ? 1 : -1;
	return x->id < y->id ? -1 : x->id > y->id;
}

struct site **model_top_sites(struct model *m, enum site_order order, int top, size_t *n)
{
	struct site **v = xmalloc((m->nsites ? m->nsites : 1) * sizeof *v);
	size_t k = 0;
	for (size_t i = 0; i < m->nsites; i++) {
		struct site *s = &m->sites[i];
		if (s->kind != MLR_KIND_THREAD && order_key(s, order) > 0)
			v[k++] = s;
	}
	*n = k < (size_t)top ? k : (size_t)top;
	if (*n == 0 || *n * 8 >= k) {
		qsort_r(v, k, sizeof *v, cmp_sites, &order);
		return v;
	}
	/* A few of many (the TUI's top sites out of 10^5, every second): keep v[0..top) sorted
	 * and insert only what beats its last, instead of sorting them all. */
	qsort_r(v, *n, sizeof *v, cmp_sites, &order);
	for (size_t i = *n; i < k; i++) {
		if (cmp_sites(&v[i], &v[*n - 1], &order) >= 0)
			continue;
		struct site *s = v[i];
		size_t lo = 0, hi = *n - 1;
		while (lo < hi) {
			size_t mid = (lo + hi) / 2;
			if (cmp_sites(&s, &v[mid], &order) < 0)
				hi = mid;
			else
				lo = mid + 1;
		}
		memmove(&v[lo + 1], &v[lo], (*n - 1 - lo) * sizeof *v);
		v[lo] = s;
	}
	return v;
}

void model_symbolize_all(struct model *m, const struct region *r)
{
	int n;
	for (size_t i = 0; i < m->nsites; i++)
		model_site_frames(m, r, &m->sites[i], &n);
}

struct capture {
	struct model *m;
	const struct region *r;
	size_t cap;
	int32_t *slot_tid;
	uint64_t nslots;
	double base_s;
};

static void capture_block(const struct mlr_block *b, void *arg)
{
	struct capture *c = arg;
	struct model *m = c->m;
	if (m->nblocks == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 4096;
		m->blocks = xrealloc(m->blocks, c->cap * sizeof *m->blocks);
	}
	struct live_block *lb = &m->blocks[m->nblocks++];
	lb->ptr = b->ptr;
	lb->size = mlr_block_size(b);
	lb->stack = b->stack;
	lb->tid = b->thread < c->nslots ? c->slot_tid[b->thread] : 0;
	lb->birth_s = c->base_s + (double)b->birth_ms / 1e3;
	if (b->stack < m->nsites) {
		struct site *s = &m->sites[b->stack];
		if (s->oldest_s < 0 || lb->birth_s < s->oldest_s)
			s->oldest_s = lb->birth_s;
	}
}

void model_capture_blocks(struct model *m, const struct region *r)
{
	if (!r || m->from_file || region_ready(r, NULL) <= 0)
		return;
	model_update(m, r);
	struct capture c = {.m = m, .r = r, .cap = m->nblocks};
	c.nslots = region_nthreads(r);
	c.slot_tid = xcalloc(c.nslots ? c.nslots : 1, sizeof *c.slot_tid);
	for (uint64_t i = 0; i < c.nslots; i++)
		c.slot_tid[i] = region_thread(r, i)->tid;
	/* block births count from the agent's start, like every other time in the region */
	c.base_s = 0;
	for (size_t i = 0; i < m->nsites; i++)
		m->sites[i].oldest_s = -1;
	m->nblocks = 0;
	region_each_block(r, capture_block, &c);
	free(c.slot_tid);
	m->have_blocks = 1;
	m->blocks_s = model_now_s(m);
}

void model_thread_stack(struct model *m, const struct proc_task *pt, const uint64_t *ips, int depth, uint64_t exact,
                        int truncated, int error, uint64_t stopped_ns)
{
	struct thread_stat *t = thread_by_tid(m, pt->tid);
	if (!t)
		t = thread_add(m, pt->tid);
	note_task(pt, m);
	free(t->stack);
	t->stack = NULL;
	t->stack_depth = depth > 0 ? depth : 0;
	if (t->stack_depth) {
		t->stack = xmalloc((size_t)depth * sizeof *ips);
		memcpy(t->stack, ips, (size_t)depth * sizeof *ips);
	}
	t->stack_exact = exact;
	t->stack_truncated = truncated;
	t->stack_error = error;
	t->stopped_ns = stopped_ns;
	t->dump_state = pt->state;
}

/* Same group: same state, same error, same frames. */
static int same_dump(const struct thread_stat *a, const struct thread_stat *b)
{
	return a->dump_state == b->dump_state && a->stack_error == b->stack_error && a->stack_depth == b->stack_depth &&
	       a->stack_truncated == b->stack_truncated &&
	       (!a->stack_depth || memcmp(a->stack, b->stack, (size_t)a->stack_depth * sizeof *a->stack) == 0);
}

static int cmp_tid(const void *a, const void *b, void *threads)
{
	const struct thread_stat *t = threads;
	int32_t x = t[*(const size_t *)a].tid, y = t[*(const size_t *)b].tid;
	return x < y ? -1 : x > y;
}

static int cmp_groups(const void *a, const void *b, void *threads)
{
	const struct thread_group *x = a, *y = b;
	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	return cmp_tid(&x->members[0], &y->members[0], threads);
}

struct thread_group *model_thread_groups(const struct model *m, size_t *n)
{
	struct thread_group *g = xcalloc(m->nthreads ? m->nthreads : 1, sizeof *g);
	size_t ng = 0;
	for (size_t i = 0; i < m->nthreads; i++) {
		const struct thread_stat *t = &m->threads[i];
		if (!t->dump_state)
			continue;
		size_t k = 0;
		while (k < ng && !same_dump(&m->threads[g[k].members[0]], t))
			k++;
		if (k == ng)
			g[ng++].members = xmalloc(m->nthreads * sizeof *g[k].members);
		g[k].members[g[k].count++] = i;
	}
	for (size_t k = 0; k < ng; k++)
		qsort_r(g[k].members, g[k].count, sizeof *g[k].members, cmp_tid, m->threads);
	qsort_r(g, ng, sizeof *g, cmp_groups, m->threads);
	*n = ng;
	return g;
}

void model_thread_groups_free(struct thread_group *g, size_t n)
{
	for (size_t k = 0; k < n; k++)
		free(g[k].members);
	free(g);
}

struct sym_frame *model_thread_frames(struct model *m, const struct region *r, const struct thread_stat *t, int *n)
{
	sync_modules(m, r);
	struct sym_frame buf[SYM_MAX_FRAMES];
	int used = 0;
	for (int i = 0; i < t->stack_depth && used < SYM_MAX_FRAMES; i++) {
		int is_return = i < 64 && (t->stack_exact >> i & 1) ? 0 : 1;
		used += symbolizer_resolve(m->sym, t->stack[i], is_return, buf + used, SYM_MAX_FRAMES - used);
	}
	struct sym_frame *f = xmalloc((size_t)(used ? used : 1) * sizeof *f);
	memcpy(f, buf, (size_t)used * sizeof *f);
	*n = used;
	return f;
}

static int cmp_thread_sites(const void *a, const void *b)
{
	const struct thread_site *x = a, *y = b;
	if (x->live_bytes != y->live_bytes)
		return x->live_bytes < y->live_bytes ? 1 : -1;
	return x->site->id < y->site->id ? -1 : x->site->id > y->site->id;
}

struct thread_site *model_thread_sites(const struct model *m, int32_t tid, size_t *n)
{
	*n = 0;
	if (!m->have_blocks || !m->nsites)
		return NULL;
	/* slot[id] = 1 + index of the site's entry in v, 0 while it has none */
	uint32_t *slot = xcalloc(m->nsites, sizeof *slot);
	struct thread_site *v = NULL;
	size_t k = 0, cap = 0;
	for (size_t i = 0; i < m->nblocks; i++) {
		const struct live_block *b = &m->blocks[i];
		if (b->tid != tid || b->stack >= m->nsites)
			continue;
		if (!slot[b->stack]) {
			if (k == cap) {
				cap = cap ? cap * 2 : 16;
				v = xrealloc(v, cap * sizeof *v);
			}
			v[k] = (struct thread_site){.site = &m->sites[b->stack], .oldest_s = b->birth_s};
			slot[b->stack] = (uint32_t)++k;
		}
		struct thread_site *ts = &v[slot[b->stack] - 1];
		ts->live_bytes += (int64_t)b->size;
		ts->live_blocks++;
		if (b->birth_s < ts->oldest_s)
			ts->oldest_s = b->birth_s;
	}
	free(slot);
	if (k)
		qsort(v, k, sizeof *v, cmp_thread_sites);
	*n = k;
	return v;
}

void model_thread_heap(struct model *m, int32_t tid, int32_t slot, const struct counts *c)
{
	struct thread_stat *t = thread_by_tid(m, tid);
	if (!t)
		return; /* not a thread of the process any more */
	t->slot = slot;
	t->c = *c;
}
