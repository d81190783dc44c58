/* region.h — the inspector's view of the agent's shared region (create, validate, read; the ledger writes). */
#ifndef MEMLENS_CORE_REGION_H
#define MEMLENS_CORE_REGION_H

#include <stddef.h>
#include <stdint.h>

#include "memlens/region.h"

struct region {
	int fd;           /* the memfd, -1 once handed over and closed */
	const char *base; /* the mapping: read here, written only by the ledger (core/ledger.c) */
	uint64_t size;
	const struct mlr_header *hdr;
};

#define REGION_DEFAULT_SIZE ((uint64_t)4 << 30) /* sparse: only touched pages use memory */

/* Create an empty region (an anonymous memfd of `size` bytes) the target will inherit. 0 or -errno. */
int region_create(struct region *r, uint64_t size);
/* Map an existing region (the memfd an attached agent made); takes the fd. 0 or -errno. */
int region_open_fd(struct region *r, int fd);
void region_done(struct region *r);

/* 1 once an agent has laid the region out and its geometry checks out, 0 while
 * empty, -1 when it is inconsistent (the reason in *why). */
int region_ready(const struct region *r, const char **why);

const struct mlr_stack *region_stack(const struct region *r, uint64_t id);
const uint64_t *region_frames(const struct region *r, const struct mlr_stack *s);
const struct mlr_thread *region_thread(const struct region *r, uint64_t i);
const struct mlr_module *region_module(const struct region *r, uint64_t i);
uint64_t region_nstacks(const struct region *r);
uint64_t region_nthreads(const struct region *r);
uint64_t region_nmodules(const struct region *r);

/* Call fn for every live block, shard by shard, each shard copied consistently
 * (seqlock). Returns the number of blocks visited. */
uint64_t region_each_block(const struct region *r, void (*fn)(const struct mlr_block *, void *), void *arg);

/* Bytes the live map's slot arrays and the stack index take now. */
uint64_t region_table_bytes(const struct region *r);

const char *region_state_name(uint32_t state);
const char *region_reason_text(uint32_t reason);

#endif
