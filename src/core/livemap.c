/* livemap.c — the live-block map in the region: pointer -> size, stack, thread, birth, in sharded hash tables. */
#include "config.h"

#include <stddef.h>

#include "core/livemap.h"
#include "region/arena.h"

/* Pointers are 16-byte aligned and clustered: mix all bits (murmur3 finaliser). */
static inline uint64_t mix(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdull;
	k ^= k >> 33;
	k *= 0xc4ceb9fe1a85ec53ull;
	k ^= k >> 33;
	return k;
}

/*
 * Where a pointer's record lives. Blocks allocated or freed together are
 * mostly neighbours in memory, so the records of one 256-byte stretch of
 * address space stay together: the stretch picks the shard (by its 4 KiB
 * page) and a 16-slot neighbourhood (mixed), the offset in it the slot.
 * Frees in address order (a garbage collector's sweep) then touch the same
 * few cache lines. Whole 4 KiB pages per 256-slot neighbourhood were tried
 * first: dense pages sharing a neighbourhood made probe runs of 10 and more,
 * which kept the ledger from keeping up with python at higher loads. A
 * shard's capacity is any multiple of 16, so it grows by half rather than
 * doubling: the map is 1/2 to 3/4 full (32 to 48 bytes per live block).
 */
#define GROUP_SHIFT 8                         /* 256 bytes of address space */
#define GROUP_SLOTS (1u << (GROUP_SHIFT - 4)) /* 16 slots: blocks are 16-byte aligned */

static inline struct mlr_shard *shard_for(const struct livemap *lm, uint64_t ptr)
{
	struct mlr_shard *shards = (struct mlr_shard *)(lm->base + lm->hdr->shards_off);
	return &shards[mix(ptr >> 12) & (lm->hdr->shards_count - 1)];
}

static inline uint32_t home_of(uint64_t ptr, uint32_t cap)
{
	uint64_t nbh = ((mix(ptr >> GROUP_SHIFT) >> 32) * (cap / GROUP_SLOTS)) >> 32;
	return (uint32_t)(nbh * GROUP_SLOTS + ((ptr >> 4) & (GROUP_SLOTS - 1)));
}

static inline uint32_t next_slot(uint32_t i, uint32_t cap)
{
	return i + 1 == cap ? 0 : i + 1;
}

static inline struct mlr_block *slots_of(const struct livemap *lm, const struct mlr_shard *sh)
{
	return (struct mlr_block *)(lm->base + sh->slots_off);
}

/* Readers retry while seq is odd or moved (see region.h). */
static inline void write_begin(struct mlr_shard *sh)
{
	__atomic_store_n(&sh->seq, sh->seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
}

static inline void write_end(struct mlr_shard *sh)
{
	__atomic_store_n(&sh->seq, sh->seq + 1, __ATOMIC_RELEASE);
}

/* Place b in an array that has room and holds no block with the same pointer. */
static void place(struct mlr_block *slots, uint32_t cap, const struct mlr_block *b)
{
	uint32_t i = home_of(b->ptr, cap);
	while (slots[i].ptr != MLR_BLOCK_EMPTY)
		i = next_slot(i, cap);
	slots[i] = *b;
}

/* The capacity that leaves `live` blocks half the slots. */
static uint32_t capacity_for(uint32_t live)
{
	uint64_t want = ((uint64_t)live + 1) * 2;
	uint64_t unit = GROUP_SLOTS;
	want = (want + unit - 1) / unit * unit;
	return want > UINT32_MAX - 255 ? UINT32_MAX - 255 : (uint32_t)want;
}

/* Rebuild the shard at the capacity that leaves it half full: when it is 3/4 full,
 * and when it has emptied to under 1/5 (a shard that held many blocks once gives
 * the memory back). Caller is inside write_begin/write_end. */
static int rebuild(const struct livemap *lm, struct mlr_shard *sh)
{
	uint32_t cap = capacity_for(sh->live);
	uint64_t off = arena_alloc(lm->base, &lm->hdr->arena, (uint64_t)cap * sizeof(struct mlr_block));
	if (!off)
		return -1;
	struct mlr_block *fresh = (struct mlr_block *)(lm->base + off);
	struct mlr_block *old = sh->cap ? slots_of(lm, sh) : NULL;
	for (uint32_t i = 0; i < sh->cap; i++)
		if (old[i].ptr != MLR_BLOCK_EMPTY)
			place(fresh, cap, &old[i]);
	uint64_t old_off = sh->slots_off, old_cap = sh->cap;
	sh->slots_off = off;
	sh->cap = cap;
	if (old_cap)
		arena_release(lm->base, &lm->hdr->arena, old_off, old_cap * sizeof(struct mlr_block));
	return 0;
}

void livemap_prefetch(const struct livemap *lm, uint64_t ptr)
{
	const struct mlr_shard *sh = shard_for(lm, ptr);
	if (sh->cap)
		__builtin_prefetch(slots_of(lm, sh) + home_of(ptr, sh->cap), 1, 3);
}

/* Index of the slot holding ptr, or -1. */
static int64_t find(const struct livemap *lm, const struct mlr_shard *sh, uint64_t ptr)
{
	if (!sh->cap)
		return -1;
	const struct mlr_block *slots = slots_of(lm, sh);
	for (uint32_t i = home_of(ptr, sh->cap);; i = next_slot(i, sh->cap)) {
		if (slots[i].ptr == ptr)
			return i;
		if (slots[i].ptr == MLR_BLOCK_EMPTY)
			return -1;
	}
}

/*
 * Linear probing without tombstones: after emptying slot i, pull back each
 * later block of the run whose home lies cyclically outside (i, j], so every
 * lookup still finds its block before the first empty slot.
 */
static void delete_at(const struct livemap *lm, struct mlr_shard *sh, uint32_t i)
{
	struct mlr_block *slots = slots_of(lm, sh);
	uint32_t cap = sh->cap;
	for (uint32_t j = next_slot(i, cap); slots[j].ptr != MLR_BLOCK_EMPTY; j = next_slot(j, cap)) {
		uint32_t h = home_of(slots[j].ptr, cap);
		int stays = i <= j ? (i < h && h <= j) : (i < h || h <= j);
		if (!stays) {
			slots[i] = slots[j];
			i = j;
		}
	}
	slots[i].ptr = MLR_BLOCK_EMPTY;
}

/*
 * Add a block. A block already recorded under the same pointer can only mean
 * its free went past the agent (a direct __libc_free): it is replaced and
 * handed back in *stale so the caller can count it freed. Returns 1 when
 * *stale was filled, 0 otherwise, -1 when the arena is full.
 */
int livemap_insert(const struct livemap *lm, const struct mlr_block *b, struct mlr_block *stale)
{
	struct mlr_shard *sh = shard_for(lm, b->ptr);
	int ret = 0;
	write_begin(sh);
	if (((uint64_t)sh->live + 1) * 4 > (uint64_t)sh->cap * 3 && rebuild(lm, sh) != 0) {
		ret = -1;
	} else {
		/* one probe: the same pointer (stale) or the first empty slot */
		struct mlr_block *slots = slots_of(lm, sh);
		uint32_t i = home_of(b->ptr, sh->cap);
		while (slots[i].ptr != MLR_BLOCK_EMPTY && slots[i].ptr != b->ptr)
			i = next_slot(i, sh->cap);
		if (slots[i].ptr == b->ptr) {
			*stale = slots[i];
			ret = 1;
		} else {
			sh->live++;
			sh->used = sh->live;
		}
		slots[i] = *b;
	}
	write_end(sh);
	return ret;
}

/* Remove the block at ptr into *out. Returns 0, or -1 when it was never recorded. */
int livemap_remove(const struct livemap *lm, uint64_t ptr, struct mlr_block *out)
{
	struct mlr_shard *sh = shard_for(lm, ptr);
	int64_t at = find(lm, sh, ptr);
	if (at < 0)
		return -1;
	write_begin(sh);
	*out = slots_of(lm, sh)[at];
	delete_at(lm, sh, (uint32_t)at);
	sh->live--;
	sh->used = sh->live;
	if (sh->cap > 256 && (uint64_t)sh->live * 5 < sh->cap)
		rebuild(lm, sh); /* on failure the shard simply stays as large as it was */
	write_end(sh);
	return 0;
}
