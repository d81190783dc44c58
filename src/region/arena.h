/* arena.h — power-of-two chunks carved from a part of the shared region (struct mlr_arena). */
#ifndef MEMLENS_REGION_ARENA_H
#define MEMLENS_REGION_ARENA_H

#include <stdint.h>

#include "memlens/region.h"

/* Region offset of `bytes` zeroed bytes (at least 16) from arena a of the region
 * mapped at base, in a chunk of the next power of two; 0 when the arena is full. */
uint64_t arena_alloc(char *base, struct mlr_arena *a, uint64_t bytes);
/* Give a chunk back to its free list (large chunks give their pages back to the kernel). */
void arena_release(char *base, struct mlr_arena *a, uint64_t off, uint64_t bytes);

#endif
