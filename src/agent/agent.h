/* agent.h — state and internal interfaces shared by the parts of libmemlens-agent. */
#ifndef MEMLENS_AGENT_H
#define MEMLENS_AGENT_H

#include <malloc.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/types.h>

#include "memlens/region.h"

#define AGENT_API   __attribute__((visibility("default")))
#define AGENT_TLS   __attribute__((tls_model("initial-exec")))
#define LIKELY(x)   __builtin_expect(!!(x), 1)
#define UNLIKELY(x) __builtin_expect(!!(x), 0)

#define RELAXED __ATOMIC_RELAXED
#define ACQUIRE __ATOMIC_ACQUIRE
#define RELEASE __ATOMIC_RELEASE

/* The allocator functions found behind us (RTLD_NEXT). */
struct real_fns {
	void *(*malloc)(size_t);
	void *(*calloc)(size_t, size_t);
	void *(*realloc)(void *, size_t);
	void (*free)(void *);
	int (*posix_memalign)(void **, size_t, size_t);
	void *(*aligned_alloc)(size_t, size_t);
	void *(*memalign)(size_t, size_t);
	void *(*valloc)(size_t);
	void *(*pvalloc)(size_t);
	void *(*mmap)(void *, size_t, int, int, int, off_t);
	int (*munmap)(void *, size_t);
	void *(*mremap)(void *, size_t, size_t, int, ...);
	int (*pthread_create)(void *, const void *, void *(*)(void *), void *);
};

/* Global agent state. `active` is read on every call; everything else is set at init. */
struct agent {
	int active;             /* 1 while recording into the region */
	int multi;              /* a second thread exists: ring indexes need atomic adds */
	int in_child;           /* 1 in a forked child: pass through */
	int attach_mode;        /* loaded into a running process (attach.c): hooks reached through the GOT */
	uint32_t gen;           /* bumped for every region (attach): per-thread state of older ones is stale */
	struct mlr_header *hdr; /* the region, or NULL when there is none */
	char *base;             /* same address as hdr, for offset arithmetic */
	int max_depth;
	struct mlr_event *ring; /* the region's event ring (record.c) */
	uint64_t ring_mask;
	int ring_log2;
	uint64_t tail_seen; /* the ledger's ring_tail as last read: below it + capacity, slots are free */
};

/* Per-thread state; initial-exec TLS so reading it never allocates. */
struct agent_thread {
	int busy;                    /* inside our own code: nested calls pass through */
	int saved_errno;             /* the program's errno while we work (hooks.c enter/leave) */
	int slot;                    /* index+1 of this thread's struct mlr_thread, 0 none */
	uint64_t stack_lo, stack_hi; /* for the frame-pointer walker */
	uint32_t create_stack;       /* handed over by our pthread_create wrapper */
	struct trace_cache *trace;   /* the cfi unwinder's last trace (unwind.c), mmap'ed */
	uint32_t last_stack;         /* stack id of the last capture, its kind + 1 in last_kind */
	int last_kind;
	uint32_t gen; /* agent.gen its slot and last_stack belong to (attach mode) */
};

extern struct agent agent;
extern struct real_fns real;
extern __thread struct agent_thread agent_self AGENT_TLS;

/* agent.c */
extern int agent_init_state;
int agent_init_slow(void);

/* Called by every hook until it returns 1. Returns 1 once the real functions
 * are known (recording may still be off), 0 while start-up is in progress. */
static inline int agent_ensure_init(void)
{
	if (LIKELY(__atomic_load_n(&agent_init_state, ACQUIRE) == 2))
		return 1;
	return agent_init_slow();
}
void *real_lookup(const char *name);
void agent_mark_initialized(void);
int agent_initialized(void);
void agent_on_fork_child(void);
int agent_resolve_real(void);
void agent_start_recording(uint32_t flags);
void agent_degrade(enum mlr_reason reason);
void agent_flag(enum mlr_reason reason);
uint64_t agent_now_coarse(void);
uint64_t agent_since_start_coarse(void);
uint64_t agent_now_mono(void);

/* region.c: lay out a fresh region of `size` bytes at `base`. */
int region_layout(struct mlr_header *h, uint64_t size);

/*
 * A stack's hash is built from its outermost frame inwards (stack_chain), so
 * that an unwinder which reuses the outer part of the previous stack can also
 * reuse that part's hash; stack_hash then mixes in depth and kind.
 */
#define STACK_CHAIN_SEED 0x9E3779B97F4A7C15ull

static inline uint64_t stack_chain_step(uint64_t outer, uint64_t ip)
{
	uint64_t h = (outer ^ ip) * 0xff51afd7ed558ccdull;
	return h << 27 | h >> 37; /* a bijection of outer for each ip */
}

static inline uint64_t stack_hash(uint64_t chain, int depth, int kind)
{
	uint64_t x = chain ^ ((uint64_t)depth << 8 | (uint64_t)kind) * 0xc4ceb9fe1a85ec53ull;
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 29;
	return x | 1; /* never 0 */
}

/* What an unwinder can hand over beyond the frames: with `frames` set, the stack is
 * frames[0, depth) (the unwinder's own copy, ips left unfilled) and `chain` its chain hash. */
struct capture_hint {
	const uint64_t *frames;
	uint64_t chain;
};

/* unwind.c: capture the stack of the call into the agent, its own frames dropped. */
struct unwinder {
	const char *name;
	enum mlr_unwinder id;
	/* depth, or -depth when truncated. With same non-NULL, *same = 1 means
	 * "identical to this thread's previous capture" and ips are not filled.
	 * With hint non-NULL, hint->frames may be set instead of filling ips. */
	int (*capture)(uint64_t *ips, int max, int *same, struct capture_hint *hint);
};
extern const struct unwinder unwind_libunwind;
extern const struct unwinder unwind_fp;
extern const struct unwinder unwind_cfi;
struct trace_cache;
void unwind_thread_done(void);
extern const struct unwinder *unwind_active;
void unwind_init(const struct unwinder *u);

/* stacktab.c */
/* chain: stack_chain of ips, or NULL to compute it */
uint32_t stacktab_intern(const uint64_t *ips, int depth, int truncated, enum mlr_kind kind, const uint64_t *chain);
struct mlr_stack *stacktab_get(uint32_t id);

/* threads.c */
struct mlr_thread *threads_self(void);
struct mlr_thread *threads_at(uint32_t slot);
void threads_on_exit(void);
int threads_wrap_create(void *thread, const void *attr, void *(*start)(void *), void *arg);

/* modules.c */
void modules_scan(void);
void modules_cover(const uint64_t *ips, int depth);

/* attach.c: the agent loaded into a running process (memlens attach). */
int attach_enter(void);
void attach_leave(void);

/* got.c: GOT patching in attach mode. */
int got_init(void);
int got_patch_all(void);
void got_refresh(void);
int got_restore_all(void);

/* hooks.c: the hooks under hidden names (what the GOT entries are pointed at). */
extern __typeof__(malloc) hook_malloc;
extern __typeof__(calloc) hook_calloc;
extern __typeof__(realloc) hook_realloc;
extern __typeof__(reallocarray) hook_reallocarray;
extern __typeof__(free) hook_free;
extern __typeof__(posix_memalign) hook_posix_memalign;
extern __typeof__(aligned_alloc) hook_aligned_alloc;
extern __typeof__(memalign) hook_memalign;
extern __typeof__(valloc) hook_valloc;
extern __typeof__(pvalloc) hook_pvalloc;
extern __typeof__(mmap) hook_mmap;
extern __typeof__(mmap64) hook_mmap64;
extern __typeof__(munmap) hook_munmap;
extern __typeof__(mremap) hook_mremap;
extern __typeof__(pthread_create) hook_pthread_create;
void hook_dlsym(void); /* got.c: assembly trampolines that jump to the real dlsym, dlvsym */
void hook_dlvsym(void);
extern void *got_real_dlsym, *got_real_dlvsym;

/* record.c: the bookkeeping behind every hook, as events in the region's ring. */
void record_alloc(void *p, size_t size, enum mlr_kind kind, int after_realloc);
void record_free(void *p, enum mlr_kind kind);
void record_take(void *p, enum mlr_kind kind);
void record_realloc_end(void *p, void *q, size_t size, enum mlr_kind kind);

#endif
