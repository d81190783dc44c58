/* arena.c — power-of-two chunks carved from a part of the region: the agent's stack index, the ledger's live-map slots.
 */
#include "config.h"

#include <string.h>
#include <sys/mman.h>

#include "region/arena.h"
#include "region/spinlock.h"

static int class_of(uint64_t bytes)
{
	int c = 0;
	while (((uint64_t)1 << c) < bytes)
		c++;
	return c;
}

uint64_t arena_alloc(char *base, struct mlr_arena *a, uint64_t bytes)
{
	int c = class_of(bytes);
	if (c >= MLR_ARENA_CLASSES)
		return 0;
	uint64_t chunk = (uint64_t)1 << c; /* what the class holds: a later user may need all of it */
	uint64_t off = 0;
	spin_lock(&a->lock);
	if (a->free[c]) {
		off = a->free[c];
		memcpy(&a->free[c], base + off, sizeof(uint64_t));
	} else {
		/* chunks are aligned to their size, up to a page (the stack index packs
		 * its size into the low bits of its page-aligned offset) */
		uint64_t align = chunk < 4096 ? chunk : 4096;
		uint64_t start = (a->used + align - 1) & ~(align - 1);
		if (start + chunk <= a->size) {
			off = a->off + start;
			__atomic_store_n(&a->used, start + chunk, __ATOMIC_RELAXED);
		}
	}
	spin_unlock(&a->lock);
	if (off)
		memset(base + off, 0, bytes); /* pages past `bytes` stay untouched: no memory */
	return off;
}

/* Large chunks give their pages back to the kernel (the region is shmem, so
 * MADV_REMOVE frees the memory; the next user gets zeroes, as from the bump). */
#define RELEASE_PAGES_FROM (8 * 1024)

void arena_release(char *base, struct mlr_arena *a, uint64_t off, uint64_t bytes)
{
	int c = class_of(bytes);
	if (bytes >= RELEASE_PAGES_FROM)
		madvise(base + off + 4096, bytes - 4096, MADV_REMOVE); /* the first page keeps the free-list link */
	spin_lock(&a->lock);
	memcpy(base + off, &a->free[c], sizeof(uint64_t));
	a->free[c] = off;
	spin_unlock(&a->lock);
}
