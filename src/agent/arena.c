/* arena.c — the live map's slot arrays and the stack index, carved from the region in power-of-two chunks. */
#include "config.h"

#include <string.h>
#include <sys/mman.h>

#include "agent/agent.h"
#include "agent/spinlock.h"

static int class_of(uint64_t bytes)
{
	int c = 0;
	while (((uint64_t)1 << c) < bytes)
		c++;
	return c;
}

/* Returns the region offset of a zeroed chunk of `bytes` (a power of two, at
 * least 16), or 0 when full. */
uint64_t arena_alloc(uint64_t bytes)
{
	struct mlr_header *h = agent.hdr;
	int c = class_of(bytes);
	if (c >= MLR_ARENA_CLASSES)
		return 0;
	uint64_t off = 0;
	spin_lock(&h->arena_lock);
	if (h->arena_free[c]) {
		off = h->arena_free[c];
		memcpy(&h->arena_free[c], agent.base + off, sizeof(uint64_t));
	} else {
		/* chunks are aligned to their size, up to a page (the stack index packs
		 * its size into the low bits of its page-aligned offset) */
		uint64_t align = bytes < 4096 ? bytes : 4096;
		uint64_t start = (h->arena_used + align - 1) & ~(align - 1);
		if (start + bytes <= h->arena_size) {
			off = h->arena_off + start;
			__atomic_store_n(&h->arena_used, start + bytes, RELAXED);
		}
	}
	spin_unlock(&h->arena_lock);
	if (off)
		memset(agent.base + off, 0, bytes);
	return off;
}

/* Large chunks give their pages back to the kernel (the region is shmem, so
 * MADV_REMOVE frees the memory; the next user gets zeroes, as from the bump). */
#define RELEASE_PAGES_FROM (64 * 1024)

void arena_release(uint64_t off, uint64_t bytes)
{
	struct mlr_header *h = agent.hdr;
	int c = class_of(bytes);
	if (bytes >= RELEASE_PAGES_FROM)
		madvise(agent.base + off + 4096, bytes - 4096,
		        MADV_REMOVE); /* the first page keeps the free-list link */
	spin_lock(&h->arena_lock);
	memcpy(agent.base + off, &h->arena_free[c], sizeof(uint64_t));
	h->arena_free[c] = off;
	spin_unlock(&h->arena_lock);
}
