/* ledger.c — the inspector's thread that drains the agent's event ring into the live map and the counters. */
#include "config.h"

#include <linux/futex.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "core/ledger.h"
#include "core/livemap.h"
#include "core/util.h"
#include "region/ring.h"
#include "region/spinlock.h"

#define RELAXED __ATOMIC_RELAXED
#define ACQUIRE __ATOMIC_ACQUIRE
#define RELEASE __ATOMIC_RELEASE

/* A reserved slot not published after this long, while the agent no longer records
 * (degraded, detached), was abandoned by its producer: it is skipped. */
#define ABANDONED_NS 200000000ull

struct ledger_stash {
	struct mlr_block block;
	uint64_t ptr; /* the realloc's old pointer, 0 for none */
	int have;     /* block holds the old pointer's record */
	int heap;     /* a realloc (1) or an mremap (0) */
};

/* What one pass over the ring works on. */
struct work {
	struct ledger *l;
	struct livemap lm;
	struct mlr_header *hdr;
	struct mlr_event *ring;
	uint64_t mask;
	int log2;
	int degraded; /* the live map is full: events are dropped */
};

/* The only writer: a load and a relaxed store keep each value torn-free for readers. */
static inline void add_u(uint64_t *p, uint64_t v)
{
	__atomic_store_n(p, *p + v, RELAXED);
}

static inline int64_t add_s(int64_t *p, int64_t v)
{
	int64_t n = *p + v;
	__atomic_store_n(p, n, RELAXED);
	return n;
}

static uint64_t since_start_ns(const struct mlr_header *h)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	uint64_t now = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec, start = h->start_mono_ns;
	return now > start ? now - start : 0;
}

static struct mlr_stack *stack_at(struct work *w, uint32_t id)
{
	if (id >= __atomic_load_n(&w->hdr->nstacks, ACQUIRE) || id >= w->hdr->stacks_cap)
		id = MLR_STACK_NONE; /* never trusted blindly */
	return (struct mlr_stack *)(w->lm.base + w->hdr->stacks_off) + id;
}

static struct mlr_thread *thread_at(struct work *w, uint32_t slot)
{
	if (slot >= w->hdr->threads_cap)
		slot = (uint32_t)w->hdr->threads_cap - 1;
	return (struct mlr_thread *)(w->lm.base + w->hdr->threads_off) + slot;
}

/* The global live heap and its peak. */
static void heap_live_add(struct work *w, int64_t bytes)
{
	struct mlr_header *h = w->hdr;
	int64_t live = add_s(&h->heap.live_bytes, bytes);
	if (bytes > 0 && live > h->peak_live_bytes) {
		__atomic_store_n(&h->peak_live_bytes, live, RELAXED);
		__atomic_store_n(&h->peak_time_ns, since_start_ns(h), RELAXED);
		__atomic_store_n(&h->peak_epoch, h->peak_epoch + 1, RELEASE);
	}
}

/*
 * What was live at the peak, per site, without scanning every site at each
 * new peak: a site remembers its live figures the first time it changes after
 * a peak (its value at that peak), tagged with the peak's epoch. A reader
 * takes at_peak_* when the tag equals the current epoch, else live_*.
 */
static void remember_at_peak(struct work *w, struct mlr_stack *s)
{
	uint64_t epoch = w->hdr->peak_epoch;
	if (s->at_peak_epoch == epoch)
		return;
	__atomic_store_n(&s->at_peak_bytes, s->c.live_bytes, RELAXED);
	__atomic_store_n(&s->at_peak_blocks, s->c.live_blocks, RELAXED);
	__atomic_store_n(&s->at_peak_epoch, epoch, RELEASE);
}

/* Count a recorded block as freed by the thread in slot `by`. */
static void account_free(struct work *w, const struct mlr_block *b, uint32_t by)
{
	int64_t size = (int64_t)mlr_block_size(b);
	struct mlr_stack *s = stack_at(w, b->stack);
	remember_at_peak(w, s);
	add_u(&s->c.frees, 1);
	add_s(&s->c.live_blocks, -1);
	add_s(&s->c.live_bytes, -size);
	if (s->kind == MLR_KIND_HEAP) {
		heap_live_add(w, -size);
		struct mlr_thread *self = thread_at(w, by), *owner = thread_at(w, b->thread);
		add_u(&self->c.frees, 1);
		add_s(&owner->c.live_bytes, -size);
		add_s(&owner->c.live_blocks, -1);
	} else {
		struct mlr_counts *m = &w->hdr->mmap;
		add_u(&m->frees, 1);
		add_s(&m->live_bytes, -size);
		add_s(&m->live_blocks, -1);
	}
}

static void account_alloc(struct work *w, const struct mlr_block *b)
{
	uint64_t size = mlr_block_size(b);
	struct mlr_stack *s = stack_at(w, b->stack);
	remember_at_peak(w, s);
	add_u(&s->c.allocs, 1);
	add_u(&s->c.bytes_alloc, size);
	add_s(&s->c.live_blocks, 1);
	int64_t live = add_s(&s->c.live_bytes, (int64_t)size);
	if (live > s->peak_live_bytes)
		__atomic_store_n(&s->peak_live_bytes, live, RELAXED);
	if (s->kind == MLR_KIND_HEAP) {
		heap_live_add(w, (int64_t)size);
		struct mlr_thread *t = thread_at(w, b->thread);
		add_u(&t->c.allocs, 1);
		add_u(&t->c.bytes_alloc, size);
		add_s(&t->c.live_bytes, (int64_t)size);
		add_s(&t->c.live_blocks, 1);
	} else {
		struct mlr_counts *m = &w->hdr->mmap;
		add_u(&m->allocs, 1);
		add_u(&m->bytes_alloc, size);
		add_s(&m->live_bytes, (int64_t)size);
		add_s(&m->live_blocks, 1);
	}
}

/* The live map is full: recording stops, as the agent would have stopped it. */
static void degrade(struct work *w)
{
	uint32_t none = MLR_REASON_NONE;
	__atomic_compare_exchange_n(&w->hdr->reason, &none, MLR_REASON_LIVE_FULL, 0, RELAXED, RELAXED);
	__atomic_store_n(&w->hdr->state, MLR_STATE_DEGRADED, RELEASE);
	w->degraded = 1;
}

/* Put a block in the map; a stale record under its pointer was freed past the agent. */
static int insert_block(struct work *w, const struct mlr_block *b, uint32_t by)
{
	struct mlr_block stale;
	int r = livemap_insert(&w->lm, b, &stale);
	if (r < 0) {
		degrade(w);
		return -1;
	}
	if (r == 1)
		account_free(w, &stale, by);
	return 0;
}

/* The end of a realloc: the block it set aside is gone (freed or moved). */
static void settle(struct work *w, struct ledger_stash *st, uint32_t by)
{
	if (st->have)
		account_free(w, &st->block, by);
	else if (st->ptr && st->heap)
		add_u(&w->hdr->unknown_frees, 1);
	memset(st, 0, sizeof *st);
}

static void apply(struct work *w, const struct mlr_event *e)
{
	if (w->degraded) {
		add_u(&w->hdr->dropped, 1);
		return;
	}
	uint32_t by = (uint32_t)(e->size_thread & MLR_EV_THREAD_MASK);
	if (by >= w->hdr->threads_cap)
		by = (uint32_t)w->hdr->threads_cap - 1;
	struct ledger_stash *st = &w->l->stash[by];
	struct mlr_block b;
	switch (e->stack) {
	case MLR_EV_FREE:
	case MLR_EV_UNMAP:
		if (livemap_remove(&w->lm, e->ptr, &b) == 0)
			account_free(w, &b, by);
		else if (e->stack == MLR_EV_FREE)
			add_u(&w->hdr->unknown_frees, 1);
		return;
	case MLR_EV_TAKE:
	case MLR_EV_TAKE_MAP:
		memset(st, 0, sizeof *st);
		st->ptr = e->ptr;
		st->heap = e->stack == MLR_EV_TAKE;
		st->have = livemap_remove(&w->lm, e->ptr, &st->block) == 0;
		return;
	case MLR_EV_GONE: settle(w, st, by); return;
	case MLR_EV_KEEP:
		if (st->have)
			insert_block(w, &st->block, by);
		memset(st, 0, sizeof *st);
		return;
	case MLR_EV_NOP: return;
	default: break;
	}
	if (e->stack >= MLR_EV_FREE)
		return; /* a code of a newer agent */
	if (e->size_thread & MLR_EV_REALLOC)
		settle(w, st, by);
	uint64_t size = e->size_thread >> 16;
	b = (struct mlr_block){
	        .ptr = e->ptr,
	        .size_lo = (uint32_t)size,
	        .size_hi = (uint16_t)(size >> 32),
	        .stack = e->stack < __atomic_load_n(&w->hdr->nstacks, ACQUIRE) ? e->stack : MLR_STACK_NONE,
	        .thread = (uint16_t)by,
	        .birth_ms = (uint32_t)(since_start_ns(w->hdr) / 1000000u),
	};
	if (insert_block(w, &b, by) == 0)
		account_alloc(w, &b);
}

static void nap(uint64_t ns)
{
	struct timespec ts = {(time_t)(ns / 1000000000u), (long)(ns % 1000000000u)};
	nanosleep(&ts, NULL);
}

#define PREFETCH_AHEAD 8
#define SLEEP_NS       10000000ull /* the longest sleep: what live views lag by when few events come */
#define SPINS          1000        /* polls of an empty ring (some 20-50 µs) before sleeping */

/* Sleep until a producer wakes us (the ring filled a quarter), or SLEEP_NS. */
static void sleep_on_ring(struct ledger *l, struct mlr_header *h, const struct mlr_event *next, uint32_t lap)
{
	__atomic_store_n(&h->ledger_waiting, 1, __ATOMIC_SEQ_CST);
	/* an event published meanwhile, or a request, and we stay awake */
	if (__atomic_load_n(&next->lap, __ATOMIC_SEQ_CST) == lap || __atomic_load_n(&l->quit, ACQUIRE) ||
	    __atomic_load_n(&l->target_gone, ACQUIRE)) {
		__atomic_store_n(&h->ledger_waiting, 0, RELAXED);
		return;
	}
	struct timespec ts = {0, (long)SLEEP_NS};
	syscall(SYS_futex, &h->ledger_waiting, FUTEX_WAIT, 1, &ts, NULL, 0);
	__atomic_store_n(&h->ledger_waiting, 0, RELAXED);
}

/* Wake the ledger if it sleeps (ledger_sync, ledger_stop). */
static void wake(struct ledger *l)
{
	if (region_ready(l->region, NULL) > 0)
		ring_wake_ledger((struct mlr_header *)l->region->hdr);
}

/* Wait until an agent laid the region out; 0 then, -1 when asked to quit first. */
static int wait_ready(struct ledger *l)
{
	for (;;) {
		if (region_ready(l->region, NULL) > 0)
			return 0;
		if (__atomic_load_n(&l->quit, ACQUIRE))
			return -1;
		nap(1000000);
	}
}

static void *ledger_main(void *arg)
{
	struct ledger *l = arg;
	if (wait_ready(l) != 0)
		return NULL;
	struct mlr_header *h = (struct mlr_header *)l->region->hdr;
	struct work w = {.l = l, .lm = {(char *)l->region->base, h}, .hdr = h};
	w.log2 = (int)h->ring_log2;
	w.mask = ((uint64_t)1 << w.log2) - 1;
	w.ring = (struct mlr_event *)(w.lm.base + h->ring_off);
	l->stash = xcalloc(h->threads_cap, sizeof *l->stash);
	uint64_t tail = h->ring_tail, waited_since = 0;
	unsigned idle = 0;
	for (;;) {
		struct mlr_event *e = &w.ring[tail & w.mask];
		uint32_t lap = (uint32_t)(tail >> w.log2) + 1;
		if (__atomic_load_n(&e->lap, ACQUIRE) == lap) {
			/* the live-map line of an event a few places ahead, so that its miss
			 * overlaps this one's work (only a hint: it may not be published yet) */
			const struct mlr_event *ahead = &w.ring[(tail + PREFETCH_AHEAD) & w.mask];
			livemap_prefetch(&w.lm, __atomic_load_n(&ahead->ptr, RELAXED));
			struct mlr_event ev = *e;
			apply(&w, &ev);
			tail++;
			idle = 0;
			waited_since = 0;
			if ((tail & 63) == 0)
				__atomic_store_n(&h->ring_tail, tail, RELEASE);
			continue;
		}
		__atomic_store_n(&h->ring_tail, tail, RELEASE);
		__atomic_store_n(&h->ledger_beat, h->ledger_beat + 1, RELAXED);
		if (tail < __atomic_load_n(&h->ring_head, ACQUIRE)) {
			/* reserved, not yet published: a producer is filling it, or died doing so */
			uint64_t now = util_now_ns();
			if (!waited_since)
				waited_since = now;
			int gone = __atomic_load_n(&l->target_gone, ACQUIRE);
			int stopped = __atomic_load_n(&h->state, ACQUIRE) != MLR_STATE_RECORDING;
			if (__atomic_load_n(&l->quit, ACQUIRE) && now - waited_since > ABANDONED_NS)
				break; /* the session ends with the target still running: do not hang on it */
			if (gone || (stopped && now - waited_since > ABANDONED_NS)) {
				tail++;
				waited_since = 0;
				continue;
			}
			nap(idle++ < 100 ? 0 : 20000);
			continue;
		}
		if (__atomic_load_n(&l->quit, ACQUIRE))
			break;
		/* empty: poll a little (events come in streams), then sleep until woken */
		if (++idle < SPINS) {
			spin_pause();
			continue;
		}
		sleep_on_ring(l, h, e, lap);
		idle = 0;
	}
	return NULL;
}

void ledger_start(struct ledger *l, struct region *r)
{
	memset(l, 0, sizeof *l);
	l->region = r;
	if (!r->base)
		return;
	l->running = pthread_create(&l->thread, NULL, ledger_main, l) == 0;
}

int ledger_sync(struct ledger *l, int target_gone, int timeout_ms)
{
	if (!l->running)
		return -1;
	if (target_gone)
		__atomic_store_n(&l->target_gone, 1, RELEASE);
	if (region_ready(l->region, NULL) <= 0)
		return 0; /* no agent ever wrote: nothing to drain */
	wake(l);
	const struct mlr_header *h = l->region->hdr;
	uint64_t head = __atomic_load_n(&h->ring_head, ACQUIRE);
	uint64_t end = util_now_ns() + (uint64_t)timeout_ms * 1000000u;
	while (__atomic_load_n(&h->ring_tail, ACQUIRE) < head) {
		if (util_now_ns() >= end)
			return -1;
		nap(200000);
	}
	return 0;
}

void ledger_stop(struct ledger *l)
{
	if (l->running) {
		__atomic_store_n(&l->quit, 1, RELEASE);
		wake(l);
		pthread_join(l->thread, NULL);
	}
	free(l->stash);
	memset(l, 0, sizeof *l);
}
