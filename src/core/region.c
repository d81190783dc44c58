/* region.c — the inspector's side of the shared region: create the memfd, map it, validate, read. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/region.h"
#include "core/util.h"

int region_create(struct region *r, uint64_t size)
{
	memset(r, 0, sizeof *r);
	r->fd = memfd_create("memlens-region", MFD_CLOEXEC);
	if (r->fd < 0)
		return -errno;
	if (ftruncate(r->fd, (off_t)size) != 0) {
		int e = errno;
		close(r->fd);
		return -e;
	}
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, r->fd, 0);
	if (p == MAP_FAILED) {
		int e = errno;
		close(r->fd);
		return -e;
	}
	r->base = p;
	r->size = size;
	r->hdr = p;
	return 0;
}

int region_open_fd(struct region *r, int fd)
{
	memset(r, 0, sizeof *r);
	r->fd = fd;
	struct stat st;
	if (fstat(fd, &st) != 0 || st.st_size < (off_t)sizeof(struct mlr_header)) {
		close(fd);
		r->fd = -1;
		return -EINVAL;
	}
	void *p = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		int e = errno;
		close(fd);
		r->fd = -1;
		return -e;
	}
	r->base = p;
	r->size = (uint64_t)st.st_size;
	r->hdr = p;
	return 0;
}

void region_done(struct region *r)
{
	if (r->base)
		munmap((void *)r->base, r->size);
	if (r->fd >= 0)
		close(r->fd);
	memset(r, 0, sizeof *r);
	r->fd = -1;
}

/* A table [off, off + n * elem) must lie inside the region. */
static int table_fits(const struct region *r, uint64_t off, uint64_t n, uint64_t elem)
{
	return off >= sizeof(struct mlr_header) && off <= r->size && n <= (r->size - off) / elem;
}

int region_ready(const struct region *r, const char **why)
{
	const char *ignored;
	if (!why)
		why = &ignored;
	const struct mlr_header *h = r->hdr;
	if (!h || __atomic_load_n(&h->state, __ATOMIC_ACQUIRE) == MLR_STATE_EMPTY)
		return 0; /* no region (attach --no-inject), or no agent in it yet */
	*why = NULL;
	if (h->magic != MLR_MAGIC)
		*why = "bad magic";
	else if (h->version != MLR_VERSION)
		*why = "unsupported region version";
	else if (h->region_size != r->size)
		*why = "region size mismatch";
	else if (!table_fits(r, h->stacks_off, h->stacks_cap, sizeof(struct mlr_stack)) ||
	         !table_fits(r, h->frames_off, h->frames_cap, sizeof(uint64_t)) ||
	         !table_fits(r, h->threads_off, h->threads_cap, sizeof(struct mlr_thread)) ||
	         !table_fits(r, h->modules_off, h->modules_cap, sizeof(struct mlr_module)) ||
	         !table_fits(r, h->shards_off, h->shards_count, sizeof(struct mlr_shard)) ||
	         !table_fits(r, h->ring_off, (uint64_t)1 << (h->ring_log2 & 31), sizeof(struct mlr_event)) ||
	         h->ring_log2 < 4 || h->ring_log2 > 24 || !table_fits(r, h->arena.off, h->arena.size, 1) ||
	         !table_fits(r, h->index_arena.off, h->index_arena.size, 1))
		*why = "a table lies outside the region";
	return *why ? -1 : 1;
}

static uint64_t clamp_count(uint64_t n, uint64_t cap)
{
	return n < cap ? n : cap;
}

uint64_t region_nstacks(const struct region *r)
{
	return clamp_count(__atomic_load_n(&r->hdr->nstacks, __ATOMIC_ACQUIRE), r->hdr->stacks_cap);
}

uint64_t region_nthreads(const struct region *r)
{
	return clamp_count(__atomic_load_n(&r->hdr->nthreads, __ATOMIC_ACQUIRE), r->hdr->threads_cap);
}

uint64_t region_nmodules(const struct region *r)
{
	return clamp_count(__atomic_load_n(&r->hdr->nmodules, __ATOMIC_ACQUIRE), r->hdr->modules_cap);
}

const struct mlr_stack *region_stack(const struct region *r, uint64_t id)
{
	return (const struct mlr_stack *)(r->base + r->hdr->stacks_off) + id;
}

/* NULL when the entry's frame range does not fit the pool (never trusted blindly). */
const uint64_t *region_frames(const struct region *r, const struct mlr_stack *s)
{
	const struct mlr_header *h = r->hdr;
	if (s->depth > MLR_MAX_DEPTH || s->frames_off > h->frames_cap || s->depth > h->frames_cap - s->frames_off)
		return NULL;
	return (const uint64_t *)(r->base + h->frames_off) + s->frames_off;
}

const struct mlr_thread *region_thread(const struct region *r, uint64_t i)
{
	return (const struct mlr_thread *)(r->base + r->hdr->threads_off) + i;
}

const struct mlr_module *region_module(const struct region *r, uint64_t i)
{
	return (const struct mlr_module *)(r->base + r->hdr->modules_off) + i;
}

/* Copy one shard's slots while no writer is inside it; gives up after many tries
 * (a shard under constant churn) and returns 0 blocks for it then. */
static uint32_t copy_shard(const struct region *r, const struct mlr_shard *sh, struct mlr_block **buf, uint32_t *bufcap)
{
	for (int attempt = 0; attempt < 1000; attempt++) {
		uint32_t seq = __atomic_load_n(&sh->seq, __ATOMIC_ACQUIRE);
		if (seq & 1)
			continue;
		uint32_t cap = __atomic_load_n(&sh->cap, __ATOMIC_RELAXED);
		uint64_t off = __atomic_load_n(&sh->slots_off, __ATOMIC_RELAXED);
		if (cap == 0)
			return 0;
		if (!table_fits(r, off, cap, sizeof(struct mlr_block)))
			continue;
		if (cap > *bufcap) {
			*buf = xrealloc(*buf, (size_t)cap * sizeof **buf);
			*bufcap = cap;
		}
		memcpy(*buf, r->base + off, (size_t)cap * sizeof **buf);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (__atomic_load_n(&sh->seq, __ATOMIC_RELAXED) == seq)
			return cap;
	}
	return 0;
}

uint64_t region_each_block(const struct region *r, void (*fn)(const struct mlr_block *, void *), void *arg)
{
	const struct mlr_shard *shards = (const struct mlr_shard *)(r->base + r->hdr->shards_off);
	struct mlr_block *buf = NULL;
	uint32_t bufcap = 0;
	uint64_t seen = 0;
	for (uint64_t s = 0; s < r->hdr->shards_count; s++) {
		uint32_t n = copy_shard(r, &shards[s], &buf, &bufcap);
		for (uint32_t i = 0; i < n; i++) {
			if (buf[i].ptr != MLR_BLOCK_EMPTY) {
				fn(&buf[i], arg);
				seen++;
			}
		}
	}
	free(buf);
	return seen;
}

uint64_t region_table_bytes(const struct region *r)
{
	const struct mlr_header *h = r->hdr;
	const struct mlr_shard *shards = (const struct mlr_shard *)(r->base + h->shards_off);
	uint64_t bytes = 0;
	for (uint64_t s = 0; s < h->shards_count; s++)
		bytes += (uint64_t)__atomic_load_n(&shards[s].cap, __ATOMIC_RELAXED) * sizeof(struct mlr_block);
	uint64_t index = __atomic_load_n(&h->stack_index, __ATOMIC_ACQUIRE);
	if (index)
		bytes += ((uint64_t)1 << (index & 0x3f)) * sizeof(uint64_t);
	return bytes;
}

const char *region_state_name(uint32_t state)
{
	switch (state) {
	case MLR_STATE_EMPTY: return "not started";
	case MLR_STATE_RECORDING: return "recording";
	case MLR_STATE_DEGRADED: return "degraded";
	case MLR_STATE_DORMANT: return "detached";
	default: return "unknown";
	}
}

const char *region_reason_text(uint32_t reason)
{
	switch (reason) {
	case MLR_REASON_NONE: return NULL;
	case MLR_REASON_LIVE_FULL: return "live-block table full: recording stopped";
	case MLR_REASON_THREADS_FULL: return "thread table full: later threads share one slot";
	case MLR_REASON_STACKS_FULL: return "stack table full: new stacks counted as '(stack table full)'";
	case MLR_REASON_MODULES_FULL: return "module table full: some frames unsymbolized";
	case MLR_REASON_INTERNAL: return "internal error in the agent: recording stopped";
	case MLR_REASON_NO_READER: return "memlens stopped reading the agent's events for 2 s: recording stopped";
	default: return "unknown reason";
	}
}
