/* stacktab.c — the agent's stack table: deduplicated call stacks (their counters are the ledger's). */
#include "config.h"

#include <string.h>

#include "agent/agent.h"
#include "region/arena.h"
#include "region/spinlock.h"

struct mlr_stack *stacktab_get(uint32_t id)
{
	return (struct mlr_stack *)(agent.base + agent.hdr->stacks_off) + id;
}

static inline uint64_t *frame_pool(void)
{
	return (uint64_t *)(agent.base + agent.hdr->frames_off);
}

static uint64_t hash_stack(const uint64_t *ips, int depth, enum mlr_kind kind, const uint64_t *chain)
{
	uint64_t c = STACK_CHAIN_SEED;
	if (chain)
		c = *chain;
	else
		for (int i = depth - 1; i >= 0; i--)
			c = stack_chain_step(c, ips[i]);
	return stack_hash(c, depth, (int)kind);
}

static int same_stack(const struct mlr_stack *s, uint64_t h, const uint64_t *ips, int depth, enum mlr_kind kind)
{
	return s->hash == h && s->depth == depth && s->kind == kind &&
	       memcmp(frame_pool() + s->frames_off, ips, (size_t)depth * sizeof *ips) == 0;
}

/* Write a new stack entry; it becomes visible when the caller sets ready. */
static uint32_t stacktab_add(uint64_t h, const uint64_t *ips, int depth, int truncated, enum mlr_kind kind)
{
	struct mlr_header *hdr = agent.hdr;
	uint64_t id = hdr->nstacks, off = hdr->frames_used;
	if (id >= hdr->stacks_cap || off + (uint64_t)depth > hdr->frames_cap)
		return MLR_STACK_NONE;
	memcpy(frame_pool() + off, ips, (size_t)depth * sizeof *ips);
	struct mlr_stack *s = stacktab_get((uint32_t)id);
	s->hash = h;
	s->frames_off = off;
	s->depth = (uint16_t)depth;
	s->kind = (uint8_t)kind;
	s->truncated = (uint8_t)truncated;
	__atomic_store_n(&hdr->frames_used, off + (uint64_t)depth, RELAXED);
	__atomic_store_n(&s->ready, 1, RELEASE);
	__atomic_store_n(&hdr->nstacks, id + 1, RELEASE);
	return (uint32_t)id;
}

/*
 * The index maps a stack's hash to its id. It is sized to the stacks it holds
 * (a large sparse index costs a TLB miss per lookup) and doubles when half
 * full. Lookups take no lock: they load the current index (offset and size in
 * one word) and probe it. Inserts are rare (a new stack) and serialised by a
 * lock; a lookup that raced a growth and missed simply takes the insert path,
 * which looks again under the lock. Old indexes are never reused: a lookup may
 * still be reading one. Slots hold the hash's high half beside the id, so most
 * mismatches are rejected without touching the stack entry.
 */
#define INDEX_MIN_LOG2 10

struct index_view {
	uint64_t *slots;
	uint64_t mask;
};

static struct index_view index_current(void)
{
	uint64_t word = __atomic_load_n(&agent.hdr->stack_index, ACQUIRE);
	struct index_view v = {NULL, 0};
	if (word) {
		v.slots = (uint64_t *)(agent.base + (word & ~0xfffull));
		v.mask = ((uint64_t)1 << (word & 0x3f)) - 1;
	}
	return v;
}

static uint32_t index_find(struct index_view v, uint64_t h, const uint64_t *ips, int depth, enum mlr_kind kind)
{
	if (!v.slots)
		return MLR_STACK_NONE;
	for (uint64_t i = h & v.mask;; i = (i + 1) & v.mask) {
		uint64_t cur = __atomic_load_n(&v.slots[i], ACQUIRE);
		if (cur == 0)
			return MLR_STACK_NONE;
		if ((cur >> 32) == (h >> 32) && same_stack(stacktab_get((uint32_t)cur), h, ips, depth, kind))
			return (uint32_t)cur;
	}
}

static void index_place(struct index_view v, uint64_t h, uint32_t id)
{
	uint64_t i = h & v.mask;
	while (v.slots[i])
		i = (i + 1) & v.mask;
	__atomic_store_n(&v.slots[i], (h & 0xffffffff00000000ull) | id, RELEASE);
}

/* Publish an index of twice the size (or the first one) holding every stack so far. Lock held. */
static int index_grow(struct index_view old)
{
	int log2 = INDEX_MIN_LOG2;
	while (old.slots && ((uint64_t)1 << log2) <= old.mask + 1)
		log2++;
	uint64_t off = arena_alloc(agent.base, &agent.hdr->index_arena, ((uint64_t)1 << log2) * sizeof(uint64_t));
	if (!off)
		return -1;
	struct index_view v = {(uint64_t *)(agent.base + off), ((uint64_t)1 << log2) - 1};
	for (uint64_t i = 0; old.slots && i <= old.mask; i++)
		if (old.slots[i])
			index_place(v, stacktab_get((uint32_t)old.slots[i])->hash, (uint32_t)old.slots[i]);
	__atomic_store_n(&agent.hdr->stack_index, off | (uint64_t)log2, RELEASE);
	return 0;
}

static uint32_t index_insert(uint64_t h, const uint64_t *ips, int depth, int truncated, enum mlr_kind kind)
{
	struct mlr_header *hdr = agent.hdr;
	spin_lock(&hdr->stack_lock);
	struct index_view v = index_current();
	uint32_t id = index_find(v, h, ips, depth, kind);
	int added = 0;
	if (id == MLR_STACK_NONE && ((hdr->stack_index_used + 1) * 2 <= v.mask + 1 || index_grow(v) == 0)) {
		id = stacktab_add(h, ips, depth, truncated, kind);
		if (id != MLR_STACK_NONE) {
			index_place(index_current(), h, id);
			hdr->stack_index_used++;
			added = 1;
		}
	}
	spin_unlock(&hdr->stack_lock);
	if (id == MLR_STACK_NONE)
		agent_flag(MLR_REASON_STACKS_FULL);
	if (added)
		modules_cover(ips, depth); /* outside the lock: it may wait for the loader */
	return id;
}

/* Find or add a stack; MLR_STACK_NONE (counted on stack 0) when the table is full. */
uint32_t stacktab_intern(const uint64_t *ips, int depth, int truncated, enum mlr_kind kind, const uint64_t *chain)
{
	uint64_t h = hash_stack(ips, depth, kind, chain);
	uint32_t id = index_find(index_current(), h, ips, depth, kind);
	return id != MLR_STACK_NONE ? id : index_insert(h, ips, depth, truncated, kind);
}
