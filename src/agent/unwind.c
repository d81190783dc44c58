/* unwind.c — the agent's stack unwinders: libunwind (DWARF, default) and a bounded frame-pointer walk. */
#include "config.h"

#define UNW_LOCAL_ONLY
#include <libunwind.h>
#include <link.h>
#include <pthread.h>
#include <string.h>
#include <sys/mman.h>

#include "agent/agent.h"
#include "agent/cfi.h"

const struct unwinder *unwind_active = &unwind_libunwind;

/* Text range of the agent itself: its frames are dropped from every stack. */
static uintptr_t self_lo, self_hi;

static inline int in_agent(uint64_t ip)
{
	return ip - self_lo < self_hi - self_lo;
}

static int find_self(struct dl_phdr_info *info, size_t size, void *data)
{
	uintptr_t probe = (uintptr_t)data;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X))
			continue;
		uintptr_t lo = info->dlpi_addr + ph->p_vaddr;
		if (probe >= lo && probe < lo + ph->p_memsz) {
			self_lo = lo;
			self_hi = lo + ph->p_memsz;
			return 1;
		}
	}
	return 0;
}

void unwind_init(const struct unwinder *u)
{
	unwind_active = u;
	dl_iterate_phdr(find_self, (void *)(uintptr_t)unwind_init);
	unw_set_caching_policy(unw_local_addr_space, UNW_CACHE_PER_THREAD);
}

/* Copy the program's frames, up to max, dropping the agent's own (the hooks
 * at the top, the thread trampoline at the bottom, the pthread_create wrapper
 * in between). Returns the depth, negative (-depth) when frames were dropped
 * because the stack was deeper. */
static int keep_user_frames(const uint64_t *raw, int n, uint64_t *ips, int max)
{
	int depth = 0, i = 0;
	for (; i < n && depth < max; i++) {
		uint64_t ip = raw[i];
		if (!in_agent(ip))
			ips[depth++] = ip;
	}
	return i < n ? -depth : depth;
}

static int capture_libunwind(uint64_t *ips, int max, int *same, struct capture_hint *hint)
{
	(void)hint;
	void *raw[MLR_MAX_DEPTH + 8];
	uint64_t ip64[MLR_MAX_DEPTH + 8];
	int want = max + 8 < (int)(sizeof raw / sizeof raw[0]) ? max + 8 : (int)(sizeof raw / sizeof raw[0]);
	int n = unw_backtrace(raw, want);
	if (same)
		*same = 0;
	for (int i = 0; i < n; i++)
		ip64[i] = (uint64_t)(uintptr_t)raw[i];
	return n > 0 ? keep_user_frames(ip64, n, ips, max) : 0;
}

const struct unwinder unwind_libunwind = {
        .name = "libunwind",
        .id = MLR_UNWIND_LIBUNWIND,
        .capture = capture_libunwind,
};

/* The bounds of this thread's stack, looked up once per thread. Every frame
 * pointer is checked against them before it is read, so a function that uses
 * rbp as a general register can end the walk but never fault it. */
static int stack_bounds(uint64_t *lo, uint64_t *hi)
{
	if (!agent_self.stack_hi) {
		pthread_attr_t attr;
		void *addr;
		size_t size;
		if (pthread_getattr_np(pthread_self(), &attr) != 0)
			return -1;
		int r = pthread_attr_getstack(&attr, &addr, &size);
		pthread_attr_destroy(&attr);
		if (r != 0)
			return -1;
		agent_self.stack_lo = (uint64_t)(uintptr_t)addr;
		agent_self.stack_hi = agent_self.stack_lo + size;
	}
	*lo = agent_self.stack_lo;
	*hi = agent_self.stack_hi;
	return 0;
}

static int capture_fp(uint64_t *ips, int max, int *same, struct capture_hint *hint)
{
	(void)hint;
	uint64_t lo, hi;
	if (same)
		*same = 0;
	if (stack_bounds(&lo, &hi) != 0)
		return 0;
	uint64_t raw[MLR_MAX_DEPTH + 8];
	int want = max + 8 < (int)(sizeof raw / sizeof raw[0]) ? max + 8 : (int)(sizeof raw / sizeof raw[0]);
	uintptr_t *fp = __builtin_frame_address(0);
	int n = 0;
	while (n < want) {
		uintptr_t f = (uintptr_t)fp;
		if (f < lo || f + 16 > hi || (f & 7))
			break;
		uintptr_t ret = fp[1];
		if (ret < 4096)
			break;
		raw[n++] = ret;
		uintptr_t *next = (uintptr_t *)fp[0];
		if ((uintptr_t)next <= f)
			break; /* frames must grow towards the stack base */
		fp = next;
	}
	return keep_user_frames(raw, n, ips, max);
}

const struct unwinder unwind_fp = {
        .name = "fp",
        .id = MLR_UNWIND_FP,
        .capture = capture_fp,
};

/*
 * The default unwinder: DWARF call-frame rules (cfi.c, cached per return
 * address) plus a per-thread trace cache that avoids walking the whole stack
 * on every allocation. A trace records, for each frame, its return address and
 * the stack slot it was read from. The next walk stops at the first frame
 * whose slot and return address equal a cached frame's, provided every
 * cached frame above it still holds its return address in its slot: then the
 * outer part of the stack is the same call chain, and is copied. (The check
 * is the one memray validated in production; a function whose frame size
 * changes with alloca at an unchanged call site could in principle fool it.)
 * Anything unusual - a signal frame, an alternate signal stack, a rule cfi.c
 * does not model - falls back to libunwind for that capture.
 */
#define RAW_MAX (MLR_MAX_DEPTH + 8)

struct trace_cache {
	int n;
	uint64_t ips[RAW_MAX];
	uint64_t slots[RAW_MAX];
	uint64_t chain[RAW_MAX]; /* stack_chain of ips[k, n): reused with the outer part */
	uint8_t agent[RAW_MAX];  /* some frame of ips[k, n) is the agent's own */
};

static struct trace_cache *trace_cache(void)
{
	if (LIKELY(agent_self.trace != NULL))
		return agent_self.trace;
	void *p =
	        real.mmap(NULL, sizeof(struct trace_cache), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	agent_self.trace = p == MAP_FAILED ? NULL : p;
	return agent_self.trace;
}

void unwind_thread_done(void)
{
	if (agent_self.trace)
		real.munmap(agent_self.trace, sizeof(struct trace_cache));
	agent_self.trace = NULL;
}

/* Registers of the first frame outside the agent, found through the agent's
 * own frame pointers (it is always built with them). */
struct regs {
	uint64_t ip, slot, rsp, rbp;
};

static int leave_agent(uint64_t lo, uint64_t hi, struct regs *r)
{
	uintptr_t *fp = __builtin_frame_address(0);
	for (int i = 0; i < 32; i++) {
		uintptr_t f = (uintptr_t)fp;
		if (f < lo || f + 16 > hi || (f & 7))
			return -1;
		uintptr_t ret = fp[1];
		if (!in_agent(ret)) {
			*r = (struct regs){ret, f + 8, f + 16, fp[0]};
			return 0;
		}
		if (fp[0] <= f)
			return -1;
		fp = (uintptr_t *)fp[0];
	}
	return -1;
}

/* 1 when every cached frame from k on still holds its return address. */
static int tail_intact(const struct trace_cache *tc, int k)
{
	for (int i = k; i < tc->n; i++)
		if (*(const uint64_t *)(uintptr_t)tc->slots[i] != tc->ips[i])
			return 0;
	return 1;
}

/* One step to the caller. 1 stepped, 0 outermost frame reached, -1 not modelled. */
static int step(struct regs *r, uint64_t lo, uint64_t hi)
{
	struct cfi_rule rule;
	if (cfi_rule_for(r->ip, &rule) != 0)
		return -1;
	if (rule.flags & CFI_END)
		return 0;
	uint64_t cfa = (rule.cfa_reg == 7 ? r->rsp : r->rbp) + (uint64_t)(int64_t)rule.cfa_off;
	if (cfa <= r->rsp || cfa > hi || cfa - 8 < lo)
		return 0; /* no sane caller: treat as the end, as libunwind does */
	uint64_t rbp = r->rbp;
	if (rule.flags & CFI_RBP_SAVED) {
		uint64_t at = cfa + (uint64_t)(int64_t)rule.rbp_off;
		if (at < lo || at + 8 > hi)
			return 0;
		rbp = *(const uint64_t *)(uintptr_t)at;
	}
	r->slot = cfa - 8;
	r->ip = *(const uint64_t *)(uintptr_t)r->slot;
	r->rsp = cfa;
	r->rbp = rbp;
	return r->ip >= 4096;
}

/*
 * Walk from the first frame outside the agent until a frame matches the
 * cached trace (then splice: the cached tail stays where it is, shifted, and
 * only the new inner frames are written) or the stack ends. Leaves the trace
 * in tc. Returns 1 when it equals the previous one from the first frame on,
 * 0 otherwise, -1 to fall back to libunwind (tc is then emptied).
 */
static int walk_cached(struct trace_cache *tc)
{
	uint64_t lo, hi;
	struct regs r;
	uint64_t raw[RAW_MAX], slots[RAW_MAX];
	if (stack_bounds(&lo, &hi) != 0 || leave_agent(lo, hi, &r) != 0)
		return -1;
	int n = 0, j = 0, tail = 0;
	for (;;) {
		raw[n] = r.ip;
		slots[n] = r.slot;
		n++;
		while (j < tc->n && tc->slots[j] < r.slot)
			j++;
		if (j < tc->n && tc->slots[j] == r.slot && tc->ips[j] == r.ip && tail_intact(tc, j + 1)) {
			if (n == 1 && j == 0)
				return 1;
			tail = tc->n - (j + 1);
			if (n + tail > RAW_MAX)
				tail = RAW_MAX - n;
			break;
		}
		if (n == RAW_MAX)
			break;
		int st = step(&r, lo, hi);
		if (st < 0)
			return -1;
		if (st == 0)
			break;
	}
	/* the reused tail keeps its chain hashes only when it was not cut short */
	int fresh_from = tail && j + 1 + tail == tc->n ? n : n + tail;
	if (tail && n != j + 1) {
		memmove(tc->ips + n, tc->ips + j + 1, (size_t)tail * sizeof *raw);
		memmove(tc->slots + n, tc->slots + j + 1, (size_t)tail * sizeof *slots);
		memmove(tc->chain + n, tc->chain + j + 1, (size_t)tail * sizeof *tc->chain);
		memmove(tc->agent + n, tc->agent + j + 1, (size_t)tail);
	}
	memcpy(tc->ips, raw, (size_t)n * sizeof *raw);
	memcpy(tc->slots, slots, (size_t)n * sizeof *slots);
	tc->n = n + tail;
	uint64_t c = fresh_from < tc->n ? tc->chain[fresh_from] : STACK_CHAIN_SEED;
	uint8_t own = fresh_from < tc->n ? tc->agent[fresh_from] : 0;
	for (int k = fresh_from - 1; k >= 0; k--) {
		c = stack_chain_step(c, tc->ips[k]);
		own |= (uint8_t)in_agent(tc->ips[k]);
		tc->chain[k] = c;
		tc->agent[k] = own;
	}
	return 0;
}

/* With `same` non-NULL, a stack identical to the previous capture's is only
 * reported (*same = 1) and ips are left unfilled: the caller reuses its id. */
static int capture_cfi(uint64_t *ips, int max, int *same, struct capture_hint *hint)
{
	struct trace_cache *tc = trace_cache();
	int r = tc ? walk_cached(tc) : -1;
	if (r < 0) {
		if (tc)
			tc->n = 0;
		return capture_libunwind(ips, max, same, hint);
	}
	if (same) {
		*same = r;
		if (r)
			return 0;
	}
	/* the whole stack, none of it ours: the trace itself, with its hash */
	if (hint && tc->n > 0 && tc->n <= max && tc->n < RAW_MAX && !tc->agent[0]) {
		hint->frames = tc->ips;
		hint->chain = tc->chain[0];
		return tc->n;
	}
	return keep_user_frames(tc->ips, tc->n, ips, max);
}

const struct unwinder unwind_cfi = {
        .name = "cfi",
        .id = MLR_UNWIND_CFI,
        .capture = capture_cfi,
};
