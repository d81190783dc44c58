/* livemap.h — the ledger's writer side of the live-block map in the region (readers use region_each_block). */
#ifndef MEMLENS_CORE_LIVEMAP_H
#define MEMLENS_CORE_LIVEMAP_H

#include <stdint.h>

#include "memlens/region.h"

/* The region, mapped writable, whose shards the map lives in. One writer at a time. */
struct livemap {
	char *base;
	struct mlr_header *hdr;
};

/* Add a block. A block already recorded under the same pointer can only mean its
 * free went past the agent: it is replaced and handed back in *stale. Returns 1
 * when *stale was filled, 0 otherwise, -1 when the arena is full. */
int livemap_insert(const struct livemap *lm, const struct mlr_block *b, struct mlr_block *stale);
/* Start loading the line a lookup of ptr probes first (a hint: the writer's own thread only). */
void livemap_prefetch(const struct livemap *lm, uint64_t ptr);
/* Remove the block at ptr into *out. 0, or -1 when it was never recorded. */
int livemap_remove(const struct livemap *lm, uint64_t ptr, struct mlr_block *out);

#endif
