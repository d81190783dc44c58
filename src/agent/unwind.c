/* unwind.c — the agent's stack unwinders: libunwind (DWARF, default) and a bounded frame-pointer walk. */
#include "config.h"

#define UNW_LOCAL_ONLY
#include <libunwind.h>
#include <link.h>
#include <pthread.h>

#include "agent/agent.h"

const struct unwinder *unwind_active = &unwind_libunwind;

/* Text range of the agent itself: its frames are dropped from every stack. */
static uintptr_t self_lo, self_hi;

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
static int keep_user_frames(void **raw, int n, uint64_t *ips, int max)
{
	int depth = 0, i = 0;
	for (; i < n && depth < max; i++) {
		uintptr_t ip = (uintptr_t)raw[i];
		if (ip - self_lo >= self_hi - self_lo)
			ips[depth++] = ip;
	}
	return i < n ? -depth : depth;
}

static int capture_libunwind(uint64_t *ips, int max)
{
	void *raw[MLR_MAX_DEPTH + 8];
	int want = max + 8 < (int)(sizeof raw / sizeof raw[0]) ? max + 8 : (int)(sizeof raw / sizeof raw[0]);
	int n = unw_backtrace(raw, want);
	if (n <= 0)
		return 0;
	return keep_user_frames(raw, n, ips, max);
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

static int capture_fp(uint64_t *ips, int max)
{
	uint64_t lo, hi;
	if (stack_bounds(&lo, &hi) != 0)
		return 0;
	void *raw[MLR_MAX_DEPTH + 8];
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
		raw[n++] = (void *)ret;
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
