/* region.h — layout (version 1) of the shared region the agent writes and the inspector reads. */
#ifndef MEMLENS_REGION_H
#define MEMLENS_REGION_H

/*
 * The region is one shared-memory file (a memfd the inspector creates and the
 * target inherits, or the attached agent creates and memlens takes). It has two
 * writers with separate duties, so that the target does as little as possible:
 *  - the agent, inside the target, writes the stack table, frames, modules and
 *    thread identities, and appends one event per allocation or free to the
 *    event ring (struct mlr_event);
 *  - the inspector's ledger (src/core/ledger.c), a thread of memlens, is the
 *    ring's only reader: it keeps the live-block map, the counters of every
 *    site, thread and the process, and the peak.
 * Everything is plain old data at fixed offsets recorded in the header, so a
 * reader that holds the mapping can still read it after the target died, and
 * the ledger then drains what the target appended before it died.
 *
 * Concurrency contract:
 *  - Counters have one writer (the ledger) and are stored with relaxed atomics;
 *    a live reader sees each one torn-free but not all of them at one instant.
 *  - Append-only tables (stacks, frames, modules, threads) publish an entry by
 *    writing it completely and then storing its "ready"/count field with
 *    release order; readers load that field with acquire order first.
 *  - Live-block shards are guarded by a seqlock (even = stable): a reader
 *    copies a shard and retries when the sequence moved.
 *  - The ring: producers reserve an index with ring_head, fill the slot and
 *    publish it by storing its lap (release); the ledger consumes slots in
 *    index order and advances ring_tail. A producer that finds the ring full
 *    waits for ring_tail; when the ledger makes no progress for
 *    MLR_RING_PATIENCE_MS it stops recording (the inspector is gone).
 *
 * Persisted values (enums, magic, field order) are never renumbered; a
 * change that breaks old readers bumps MLR_VERSION.
 */

#include <stdint.h>

#define MLR_MAGIC            0x314e4752534e454cULL /* "LENSRGN1" read as little-endian bytes */
#define MLR_VERSION          2
#define MLR_MAX_DEPTH        64   /* frames kept per stack; deeper stacks are truncated */
#define MLR_NAME_LEN         16   /* thread names, as the kernel's comm */
#define MLR_PATH_LEN         1024 /* module paths */
#define MLR_BUILD_ID_LEN     20   /* GNU build-id (SHA-1) */
#define MLR_ARENA_CLASSES    40   /* power-of-two free lists of an arena */
#define MLR_RING_LOG2        14   /* 16384 events of 24 bytes in the ring */
#define MLR_RING_PATIENCE_MS 2000 /* a full ring not drained for this long: recording stops */

/* Environment the inspector hands to the agent. */
#define MLR_ENV_FD     "MEMLENS_REGION_FD" /* number of the inherited region fd */
#define MLR_ENV_UNWIND "MEMLENS_UNWIND"    /* "cfi" (default), "libunwind" or "fp" */
#define MLR_ENV_DEPTH  "MEMLENS_MAX_DEPTH"

/* RECORDING with a reason set: figures go on, but are incomplete as the reason says. */
enum mlr_state {
	MLR_STATE_EMPTY = 0, /* no agent has initialised the region */
	MLR_STATE_RECORDING = 1,
	MLR_STATE_DEGRADED = 2, /* recording stopped; see reason; calls pass through */
	MLR_STATE_DORMANT = 3,  /* memlens attach detached: recording stopped there, the agent waits */
};

enum mlr_reason {
	MLR_REASON_NONE = 0,
	MLR_REASON_LIVE_FULL = 1,    /* the live-block arena is exhausted */
	MLR_REASON_THREADS_FULL = 2, /* later threads share the last slot */
	MLR_REASON_STACKS_FULL = 3,  /* new stacks are counted on stack 0 */
	MLR_REASON_MODULES_FULL = 4,
	MLR_REASON_INTERNAL = 5,
	MLR_REASON_NO_READER = 6, /* the inspector stopped draining the event ring */
};

enum mlr_kind {
	MLR_KIND_HEAP = 0,   /* malloc family */
	MLR_KIND_MMAP = 1,   /* anonymous mmap/mremap */
	MLR_KIND_THREAD = 2, /* a pthread_create call site */
};

enum mlr_unwinder {
	MLR_UNWIND_LIBUNWIND = 0,
	MLR_UNWIND_FP = 1,
	MLR_UNWIND_CFI = 2, /* cached DWARF rules + validated trace cache, libunwind fallback */
};

/* The counters kept per site, per thread and for the process. Written by the
 * ledger alone, with relaxed stores (see the concurrency contract above). */
struct mlr_counts {
	uint64_t allocs;      /* allocation calls (realloc counts as one; mmap: mappings made) */
	uint64_t frees;       /* frees of recorded blocks (mmap: unmaps) */
	uint64_t bytes_alloc; /* requested bytes, summed over allocs */
	int64_t live_bytes;
	int64_t live_blocks;
};

/* Stack 0 is reserved: calls whose stack could not be stored are counted there. */
#define MLR_STACK_NONE 0

/* One deduplicated call stack (a call site) and its counters. 128 bytes. */
struct mlr_stack {
	uint64_t hash;
	uint64_t frames_off;     /* index of frame 0 in the frame pool */
	uint16_t depth;          /* number of frames, innermost first */
	uint8_t kind;            /* enum mlr_kind */
	uint8_t truncated;       /* 1: the real stack was deeper than max_depth */
	uint32_t ready;          /* 0 being written, 1 published, 2 unused duplicate */
	struct mlr_counts c;     /* of the blocks allocated at this site */
	int64_t peak_live_bytes; /* this site's own maximum of live_bytes */
	int64_t at_peak_bytes;   /* live_bytes at the global peak (see at_peak_epoch) */
	int64_t at_peak_blocks;
	uint64_t at_peak_epoch; /* valid when equal to header.peak_epoch, else use live_* */
	uint64_t reserved[3];
};

/* Per-thread figures: identity and times written by the agent, counters by the ledger. */
struct mlr_thread {
	int32_t tid;
	uint32_t state;        /* 0 unused, 1 running, 2 exited */
	uint32_t create_stack; /* stack id of its pthread_create call, 0 unknown */
	uint32_t reserved0;
	uint64_t start_ns; /* CLOCK_MONOTONIC */
	uint64_t end_ns;
	char name[MLR_NAME_LEN]; /* written at exit (comm); the inspector samples it live */
	struct mlr_counts c;     /* allocs/frees by this thread; live_* of the blocks it allocated */
	uint64_t reserved[5];
};

/* A loaded ELF module, recorded at start and after every dlopen. */
struct mlr_module {
	uint64_t base;       /* load bias (dlpi_addr) */
	uint64_t start, end; /* runtime range of its PT_LOAD segments */
	uint32_t build_id_len;
	uint8_t build_id[MLR_BUILD_ID_LEN];
	char path[MLR_PATH_LEN]; /* absolute path as the target sees it */
};

/* A live block (or anonymous mapping). ptr 0 = empty slot. 24 bytes: there
 * may be millions. Size is 48 bits (size_lo | size_hi << 32). */
struct mlr_block {
	uint64_t ptr;
	uint32_t size_lo;
	uint16_t size_hi;
	uint16_t thread;   /* slot in the thread table */
	uint32_t stack;    /* kind is the stack's kind */
	uint32_t birth_ms; /* CLOCK_MONOTONIC_COARSE, ms since the agent started */
};

static inline uint64_t mlr_block_size(const struct mlr_block *b)
{
	return (uint64_t)b->size_lo | (uint64_t)b->size_hi << 32;
}

#define MLR_BLOCK_EMPTY 0

/*
 * One event in the ring, 24 bytes. `stack` is the allocation's stack id, or
 * one of MLR_EV_* for the other events. `size_thread` holds the size (48 bits)
 * above the calling thread's slot (low 16 bits; MLR_EV_REALLOC set on the
 * allocation that ends a realloc). `lap` publishes the slot: it is
 * (index >> MLR_RING_LOG2) + 1 once the slot holds event `index`.
 */
struct mlr_event {
	uint64_t ptr;
	uint64_t size_thread;
	uint32_t stack;
	uint32_t lap;
};

enum mlr_event_code {
	MLR_EV_FREE = 0xfffffff0,     /* ptr freed (heap) */
	MLR_EV_UNMAP = 0xfffffff1,    /* ptr unmapped (anonymous mapping) */
	MLR_EV_TAKE = 0xfffffff2,     /* realloc begins: ptr's block is set aside for this thread */
	MLR_EV_TAKE_MAP = 0xfffffff3, /* the same for mremap */
	MLR_EV_GONE = 0xfffffff4,     /* the block set aside was freed (realloc(p, 0)) */
	MLR_EV_KEEP = 0xfffffff5,     /* the realloc failed: the block set aside is live again */
	MLR_EV_NOP = 0xfffffff6,
};

#define MLR_EV_THREAD_MASK 0x7fffu
#define MLR_EV_REALLOC     0x8000u

/* A bump allocator with power-of-two free lists over [off, off + size) of the region. */
struct mlr_arena {
	uint64_t off;
	uint64_t size;
	uint64_t used;
	uint32_t lock;
	uint32_t reserved0;
	uint64_t free[MLR_ARENA_CLASSES];
};

/* One shard of the live-block hash table (open addressing, linear probing,
 * backward-shift deletion). 64 bytes. */
struct mlr_shard {
	uint32_t lock; /* writers' spinlock */
	uint32_t seq;  /* seqlock: odd while a writer changes the shard */
	uint32_t cap;  /* slots (a multiple of 16), 0 = not allocated yet */
	uint32_t used; /* occupied slots (= live: deletion shifts, no tombstones) */
	uint32_t live;
	uint32_t reserved0;
	uint64_t slots_off; /* offset of its struct mlr_block array in the region */
	uint64_t reserved[5];
};

struct mlr_header {
	uint64_t magic;
	uint32_t version;
	uint32_t header_size;
	uint64_t region_size;

	/* geometry, written once by the agent before state leaves EMPTY */
	uint64_t stacks_off; /* struct mlr_stack[stacks_cap] */
	uint64_t stacks_cap;
	uint64_t frames_off; /* uint64_t[frames_cap] */
	uint64_t frames_cap;
	uint64_t threads_off; /* struct mlr_thread[threads_cap] */
	uint64_t threads_cap;
	uint64_t modules_off; /* struct mlr_module[modules_cap] */
	uint64_t modules_cap;
	uint64_t shards_off;   /* struct mlr_shard[shards_count] */
	uint64_t shards_count; /* power of two */
	uint64_t ring_off;     /* struct mlr_event[1 << MLR_RING_LOG2] */
	uint64_t ring_log2;

	/* identity and state */
	int32_t pid;
	uint32_t state;    /* enum mlr_state */
	uint32_t reason;   /* enum mlr_reason */
	uint32_t unwinder; /* enum mlr_unwinder */
	uint32_t max_depth;
	uint32_t flags;             /* MLR_FLAG_* */
	uint64_t start_realtime_ns; /* CLOCK_REALTIME when the agent started */
	uint64_t start_mono_ns;     /* CLOCK_MONOTONIC at the same moment */

	/* table fill levels (release-stored after the entries they count) */
	uint64_t nstacks;
	uint64_t frames_used;
	uint64_t nthreads;
	uint64_t nmodules;
	uint32_t modules_lock;
	uint32_t stack_lock;  /* serialises new stacks */
	uint64_t stack_index; /* agent-private hash index of stacks, in index_arena:
	                         offset | log2(slots); slots hold hash>>32 << 32 | id */
	uint64_t stack_index_used;
	struct mlr_arena index_arena; /* the agent's: the stack index */
	struct mlr_arena arena;       /* the ledger's: slot arrays of the live-block shards */

	/* whole-process figures */
	struct mlr_counts heap; /* only live_bytes is kept here (it drives the peak);
	                           allocs, frees, bytes and live blocks are the sums
	                           over the thread table */
	struct mlr_counts mmap;
	uint64_t unknown_frees; /* frees of blocks never recorded (allocated before us) */
	uint64_t dropped;       /* calls not recorded (re-entrant, degraded) */
	uint64_t peak_epoch;    /* bumped on every new heap peak */
	int64_t peak_live_bytes;
	uint64_t peak_time_ns; /* CLOCK_MONOTONIC_COARSE of the peak */
	uint64_t reserved[16];

	/* the event ring's indexes, each on its own cache line */
	uint64_t ring_head __attribute__((aligned(64))); /* next index to reserve (producers) */
	uint64_t ring_tail __attribute__((aligned(64))); /* next index to consume (ledger) */
	uint64_t ledger_beat;                            /* bumped by the ledger while it runs */
	/* 1 while the ledger sleeps on it (a futex): a producer that finds the ring a
	 * quarter full, or full, sets it to 0 and wakes the ledger */
	uint32_t ledger_waiting __attribute__((aligned(64)));
	uint32_t pad[15];
};

#define MLR_FLAG_ATTACHED 1u /* started in a running process: earlier blocks unknown */

#endif
