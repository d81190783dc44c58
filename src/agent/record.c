/* record.c — the bookkeeping behind every hook: stack, live map, site, thread and process counters. */
#include "config.h"

#include "agent/agent.h"

/* Add n to a counter of the calling thread's own slot: a plain store, as only
 * this thread writes it, unless the slot is the shared overflow slot. */
static inline void thread_count(struct mlr_thread *t, uint64_t *field, uint64_t n)
{
	if (LIKELY(t != threads_at((uint32_t)agent.hdr->threads_cap - 1)))
		__atomic_store_n(field, *field + n, RELAXED);
	else
		__atomic_add_fetch(field, n, RELAXED);
}

/* Count a recorded block as freed by the calling thread. */
static void account_free(const struct mlr_block *b)
{
	uint64_t size = mlr_block_size(b);
	int kind = stacktab_on_free(b->stack, size);
	struct mlr_thread *owner = threads_at(b->thread);
	if (kind == MLR_KIND_HEAP) {
		struct mlr_thread *self = threads_self();
		thread_count(self, &self->c.frees, 1);
		count_add_signed(&owner->c.live_bytes, -(int64_t)size); /* owner may be another thread */
		count_add_signed(&owner->c.live_blocks, -1);
	} else {
		struct mlr_counts *m = &agent.hdr->mmap;
		count_add(&m->frees, 1);
		count_add_signed(&m->live_bytes, -(int64_t)size);
		count_add_signed(&m->live_blocks, -1);
	}
}

static void account_alloc(const struct mlr_block *b, enum mlr_kind kind)
{
	uint64_t size = mlr_block_size(b);
	stacktab_on_alloc(b->stack, size);
	if (kind == MLR_KIND_HEAP) {
		struct mlr_thread *t = threads_at(b->thread);
		thread_count(t, &t->c.allocs, 1);
		thread_count(t, &t->c.bytes_alloc, size);
		count_add_signed(&t->c.live_bytes, (int64_t)size);
		count_add_signed(&t->c.live_blocks, 1);
	} else {
		struct mlr_counts *m = &agent.hdr->mmap;
		count_add(&m->allocs, 1);
		count_add(&m->bytes_alloc, size);
		count_add_signed(&m->live_bytes, (int64_t)size);
		count_add_signed(&m->live_blocks, 1);
	}
}

/* Put a block in the live map; a full map stops recording (the caller's figures for
 * it are then not applied). 0 when it is in, -1 when recording stopped. */
static int insert_block(const struct mlr_block *b)
{
	struct mlr_block stale;
	int r = livemap_insert(b, &stale);
	if (r < 0) {
		agent_degrade(MLR_REASON_LIVE_FULL);
		return -1;
	}
	if (r == 1)
		account_free(&stale);
	return 0;
}

/* A block the program now owns. Caller has set agent_self.busy. */
void record_alloc(void *p, size_t size, enum mlr_kind kind)
{
	livemap_prefetch((uint64_t)(uintptr_t)p); /* arrives while the stack is walked */
	uint64_t ips[MLR_MAX_DEPTH];
	int same = 0;
	int reuse_ok = agent_self.last_kind == (int)kind + 1;
	int n = unwind_active->capture(ips, agent.max_depth, reuse_ok ? &same : NULL);
	uint32_t stack;
	if (same) {
		stack = agent_self.last_stack; /* the very stack of the previous allocation */
	} else {
		stack = stacktab_intern(ips, n < 0 ? -n : n, n < 0, kind);
		agent_self.last_stack = stack;
		agent_self.last_kind = (int)kind + 1;
	}
	struct mlr_thread *t = threads_self();
	uint32_t slot = (uint32_t)(t - threads_at(0));
	uint64_t size48 = size < ((uint64_t)1 << 48) ? size : ((uint64_t)1 << 48) - 1;
	struct mlr_block b = {
	        .ptr = (uint64_t)(uintptr_t)p,
	        .size_lo = (uint32_t)size48,
	        .size_hi = (uint16_t)(size48 >> 32),
	        .stack = stack,
	        .thread = (uint16_t)slot,
	        .birth_ms = (uint32_t)(agent_since_start_coarse() / 1000000u),
	};
	if (insert_block(&b) == 0)
		account_alloc(&b, kind);
}

/* The program gives p back (free, realloc, munmap). Caller has set agent_self.busy. */
void record_free(void *p, enum mlr_kind kind)
{
	struct mlr_block b;
	if (livemap_remove((uint64_t)(uintptr_t)p, &b) == 0)
		account_free(&b);
	else if (kind == MLR_KIND_HEAP)
		count_add(&agent.hdr->unknown_frees, 1);
}

/* realloc's first half: take the old block out of the map before the real
 * realloc can hand its address to another thread. 0 when it was recorded. */
int record_realloc_begin(void *p, struct mlr_block *old)
{
	return livemap_remove((uint64_t)(uintptr_t)p, old);
}

/* realloc's second half. q is the new block or NULL. */
void record_realloc_end(void *p, int had_old, struct mlr_block *old, void *q, size_t size, enum mlr_kind kind)
{
	if (!q && size != 0) {
		/* failed: the old block is still the program's, as it was */
		if (had_old)
			insert_block(old);
		return;
	}
	if (had_old)
		account_free(old);
	else if (p && kind == MLR_KIND_HEAP)
		count_add(&agent.hdr->unknown_frees, 1);
	if (q)
		record_alloc(q, size, kind);
}
