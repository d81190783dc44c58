/* livemap.c — the live-block map in the region: pointer -> size, stack, thread, birth, in sharded hash tables. */
#include "config.h"

#include <stddef.h>

#include "core/livemap.h"
#include "region/arena.h"

#define MIN_CAP 16

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
 * mostly neighbours in memory, so the hash keeps the records of one 4 KiB page
 * together: the page picks the shard and a 256-slot neighbourhood (mixed), the
 * offset in the page picks the slot in it. Lookups then hit lines already in
 * cache far more often than with a fully mixed hash (lua: -25% agent time;
 * 256-byte neighbourhoods measured no better).
 */
static inline uint64_t key_hash(uint64_t ptr)
{
	return mix(ptr >> 12) << 8 | ((ptr >> 4) & 0xff);
}

static inline struct mlr_shard *shard_for(const struct livemap *lm, uint64_t h)
{
	struct mlr_shard *shards = (struct mlr_shard *)(lm->base + lm->hdr->shards_off);
	return &shards[(h >> 40) & (lm->hdr->shards_count - 1)];
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

static inline uint32_t home_of(uint64_t ptr, uint32_t mask)
{
	return (uint32_t)key_hash(ptr) & mask;
}

/* Place b in an array that has room and holds no block with the same pointer. */
static void place(struct mlr_block *slots, uint32_t mask, const struct mlr_block *b)
{
	uint32_t i = home_of(b->ptr, mask);
	while (slots[i].ptr != MLR_BLOCK_EMPTY)
		i = (i + 1) & mask;
	slots[i] = *b;
}

/* Rebuild the shard at the smallest power-of-two capacity that leaves it at
 * most 3/8 full (it grows again at 3/4: 24 to 64 bytes per live block). */
static int grow(const struct livemap *lm, struct mlr_shard *sh)
{
	uint32_t cap = MIN_CAP;
	while (cap * 3 < (sh->live + 1) * 8)
		cap *= 2;
	uint64_t off = arena_alloc(lm->base, &lm->hdr->arena, (uint64_t)cap * sizeof(struct mlr_block));
	if (!off)
		return -1;
	struct mlr_block *fresh = (struct mlr_block *)(lm->base + off);
	struct mlr_block *old = sh->cap ? slots_of(lm, sh) : NULL;
	for (uint32_t i = 0; i < sh->cap; i++)
		if (old[i].ptr != MLR_BLOCK_EMPTY)
			place(fresh, cap - 1, &old[i]);
	uint64_t old_off = sh->slots_off, old_cap = sh->cap;
	sh->slots_off = off;
	sh->cap = cap;
	if (old_cap)
		arena_release(lm->base, &lm->hdr->arena, old_off, old_cap * sizeof(struct mlr_block));
	return 0;
}

/* Index of the slot holding ptr, or -1. */
static int64_t find(const struct livemap *lm, const struct mlr_shard *sh, uint64_t ptr)
{
	if (!sh->cap)
		return -1;
	const struct mlr_block *slots = slots_of(lm, sh);
	uint32_t mask = sh->cap - 1;
	for (uint32_t i = home_of(ptr, mask);; i = (i + 1) & mask) {
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
	uint32_t mask = sh->cap - 1;
	for (uint32_t j = (i + 1) & mask; slots[j].ptr != MLR_BLOCK_EMPTY; j = (j + 1) & mask) {
		uint32_t h = home_of(slots[j].ptr, mask);
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
	struct mlr_shard *sh = shard_for(lm, key_hash(b->ptr));
	int ret = 0;
	write_begin(sh);
	if ((sh->live + 1) * 4 > sh->cap * 3 && grow(lm, sh) != 0) {
		ret = -1;
	} else {
		/* one probe: the same pointer (stale) or the first empty slot */
		struct mlr_block *slots = slots_of(lm, sh);
		uint32_t mask = sh->cap - 1, i = home_of(b->ptr, mask);
		while (slots[i].ptr != MLR_BLOCK_EMPTY && slots[i].ptr != b->ptr)
			i = (i + 1) & mask;
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
	struct mlr_shard *sh = shard_for(lm, key_hash(ptr));
	int64_t at = find(lm, sh, ptr);
	if (at < 0)
		return -1;
	write_begin(sh);
	*out = slots_of(lm, sh)[at];
	delete_at(lm, sh, (uint32_t)at);
	sh->live--;
	sh->used = sh->live;
	write_end(sh);
	return 0;
}
