/* region.c — lay out the sections of a fresh shared region inside the bytes the inspector sized. */
#include "config.h"

#include <string.h>

#include "agent/agent.h"

#define ALIGN_UP(x, a) (((x) + (a)-1) & ~((uint64_t)(a)-1))

/*
 * Fixed-size tables first, then the event ring and the stack index's arena;
 * the live map's arena takes what is left. The region is a
 * sparse memfd: untouched pages cost nothing, so the capacities below are
 * ceilings, not memory spent. A region smaller than the tables is refused.
 */
struct geometry {
	uint64_t stacks, frames, threads, modules, shards;
};

static void geometry_for(uint64_t size, struct geometry *g)
{
	/* about 1/16 of the region for stacks and 1/8 for frames, at most 2^18 stacks */
	uint64_t stacks = 1u << 12;
	while (stacks < (1u << 18) && stacks * 2 * sizeof(struct mlr_stack) * 16 <= size)
		stacks *= 2;
	g->stacks = stacks;
	g->frames = stacks * 24;
	g->threads = 4096;
	g->modules = 1024;
	g->shards = 256;
}

int region_layout(struct mlr_header *h, uint64_t size)
{
	struct geometry g;
	geometry_for(size, &g);
	uint64_t off = ALIGN_UP(sizeof *h, 4096);
	h->stacks_off = off;
	h->stacks_cap = g.stacks;
	off = ALIGN_UP(off + g.stacks * sizeof(struct mlr_stack), 4096);
	h->frames_off = off;
	h->frames_cap = g.frames;
	off = ALIGN_UP(off + g.frames * sizeof(uint64_t), 4096);
	h->threads_off = off;
	h->threads_cap = g.threads;
	off = ALIGN_UP(off + g.threads * sizeof(struct mlr_thread), 4096);
	h->modules_off = off;
	h->modules_cap = g.modules;
	off = ALIGN_UP(off + g.modules * sizeof(struct mlr_module), 4096);
	h->shards_off = off;
	h->shards_count = g.shards;
	off = ALIGN_UP(off + g.shards * sizeof(struct mlr_shard), 4096);
	h->ring_off = off;
	h->ring_log2 = MLR_RING_LOG2;
	off = ALIGN_UP(off + ((uint64_t)1 << MLR_RING_LOG2) * sizeof(struct mlr_event), 4096);
	/* the stack index: up to 4 slots per stack, and the smaller indexes it outgrew (never reused) */
	h->index_arena.off = off;
	h->index_arena.size = ALIGN_UP(g.stacks * 8 * sizeof(uint64_t), 4096);
	off += h->index_arena.size;
	if (off + (1u << 20) > size)
		return -1;
	h->arena.off = off;
	h->arena.size = size - off;
	h->region_size = size;
	h->header_size = sizeof *h;
	h->version = MLR_VERSION;
	h->nstacks = 1; /* stack 0 is MLR_STACK_NONE */
	h->frames_used = 0;
	struct mlr_stack *none = (struct mlr_stack *)((char *)h + h->stacks_off);
	memset(none, 0, sizeof *none);
	none->ready = 1;
	__atomic_store_n(&h->magic, MLR_MAGIC, RELEASE);
	return 0;
}
