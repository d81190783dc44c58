/* record.c — the bookkeeping behind every hook: capture the stack, then append an event to the ring. */
#include "config.h"

#include <time.h>

#include "agent/agent.h"
#include "region/ring.h"

/*
 * The agent only says what happened: each allocation, free and realloc
 * becomes a 24-byte event in the region's ring (region.h), and the
 * inspector's ledger keeps the live map and the counters from them, on
 * another core. A free therefore costs the program one store of a few
 * words, not a search among millions of live blocks.
 */

/* The slot of event idx is free once the ledger consumed idx - capacity. Waits for
 * that; -1 when recording had to stop (the ledger gave up, or stopped reading). */
static int ring_wait(uint64_t idx)
{
	struct mlr_header *h = agent.hdr;
	ring_wake_ledger(h);
	uint64_t tail = __atomic_load_n(&h->ring_tail, ACQUIRE), beat = __atomic_load_n(&h->ledger_beat, RELAXED);
	uint64_t since = 0;
	for (unsigned n = 0;; n++) {
		if (__atomic_load_n(&h->state, ACQUIRE) != MLR_STATE_RECORDING) {
			__atomic_store_n(&agent.active, 0, RELEASE); /* the ledger degraded the region */
			return -1;
		}
		if (idx - tail <= agent.ring_mask) {
			__atomic_store_n(&agent.tail_seen, tail, RELAXED);
			return 0;
		}
		if (n < 64) {
			sched_yield();
		} else {
			struct timespec ts = {0, 100000};
			nanosleep(&ts, NULL);
		}
		uint64_t t = __atomic_load_n(&h->ring_tail, ACQUIRE), b = __atomic_load_n(&h->ledger_beat, RELAXED);
		uint64_t now = agent_now_mono();
		if (t != tail || b != beat || !since) {
			tail = t;
			beat = b;
			since = now;
		} else if (now - since > (uint64_t)MLR_RING_PATIENCE_MS * 1000000u) {
			agent_degrade(MLR_REASON_NO_READER); /* memlens died or stopped: the program goes on */
			return -1;
		}
	}
}

/* Append one event. Caller has set agent_self.busy. */
static void push(uint64_t ptr, uint64_t size_thread, uint32_t stack)
{
	struct mlr_header *h = agent.hdr;
	uint64_t idx;
	if (__atomic_load_n(&agent.multi, RELAXED)) {
		idx = __atomic_fetch_add(&h->ring_head, 1, RELAXED);
	} else {
		idx = h->ring_head;
		__atomic_store_n(&h->ring_head, idx + 1, RELAXED);
	}
	if (UNLIKELY(idx - __atomic_load_n(&agent.tail_seen, RELAXED) > agent.ring_mask) && ring_wait(idx) != 0)
		return;
	struct mlr_event *e = &agent.ring[idx & agent.ring_mask];
	e->ptr = ptr;
	e->size_thread = size_thread;
	e->stack = stack;
	__atomic_store_n(&e->lap, (uint32_t)(idx >> agent.ring_log2) + 1, RELEASE);
	/* a sleeping ledger is woken once a quarter of the ring waits for it: few wake-ups,
	 * and never a full ring while it sleeps (it also wakes by itself, every 10 ms) */
	if (UNLIKELY(__atomic_load_n(&h->ledger_waiting, RELAXED)) &&
	    idx - __atomic_load_n(&h->ring_tail, RELAXED) >= (agent.ring_mask + 1) / 4)
		ring_wake_ledger(h);
}

static inline uint64_t self_slot(void)
{
	if (LIKELY(agent_self.slot))
		return (uint64_t)(agent_self.slot - 1) & MLR_EV_THREAD_MASK;
	return (uint64_t)(threads_self() - threads_at(0)) & MLR_EV_THREAD_MASK;
}

/* A block the program now owns; `after_realloc` when it ends a realloc whose old block
 * was set aside (record_take). Caller has set agent_self.busy. */
void record_alloc(void *p, size_t size, enum mlr_kind kind, int after_realloc)
{
	uint64_t ips[MLR_MAX_DEPTH];
	int same = 0;
	int reuse_ok = agent_self.last_kind == (int)kind + 1;
	struct capture_hint hint = {NULL, 0};
	int n = unwind_active->capture(ips, agent.max_depth, reuse_ok ? &same : NULL, &hint);
	uint32_t stack;
	if (same) {
		stack = agent_self.last_stack; /* the very stack of the previous allocation */
	} else {
		stack = hint.frames ? stacktab_intern(hint.frames, n, 0, kind, &hint.chain) /* the unwinder's trace */
		                    : stacktab_intern(ips, n < 0 ? -n : n, n < 0, kind, NULL);
		agent_self.last_stack = stack;
		agent_self.last_kind = (int)kind + 1;
	}
	uint64_t size48 = size < ((uint64_t)1 << 48) ? size : ((uint64_t)1 << 48) - 1;
	push((uint64_t)(uintptr_t)p, size48 << 16 | self_slot() | (after_realloc ? MLR_EV_REALLOC : 0), stack);
}

/* The program gives p back (free, munmap). Caller has set agent_self.busy. */
void record_free(void *p, enum mlr_kind kind)
{
	push((uint64_t)(uintptr_t)p, self_slot(), kind == MLR_KIND_HEAP ? MLR_EV_FREE : MLR_EV_UNMAP);
}

/* realloc's (mremap's) first half, before the real call can hand p's address to
 * another thread: the ledger sets p's block aside for this thread. */
void record_take(void *p, enum mlr_kind kind)
{
	push((uint64_t)(uintptr_t)p, self_slot(), kind == MLR_KIND_HEAP ? MLR_EV_TAKE : MLR_EV_TAKE_MAP);
}

/* realloc's second half: q is the new block or NULL (failed, or realloc(p, 0) freed p). */
void record_realloc_end(void *p, void *q, size_t size, enum mlr_kind kind)
{
	if (p && !q)
		push((uint64_t)(uintptr_t)p, self_slot(), size != 0 ? MLR_EV_KEEP : MLR_EV_GONE);
	if (q)
		record_alloc(q, size, kind, p != NULL);
}
