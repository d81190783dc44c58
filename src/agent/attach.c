/* attach.c — the agent loaded into a running process: the entry points memlens calls through ptrace, dormancy. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <sys/mman.h>
#include <unistd.h>

#include "agent/agent.h"
#include "memlens/attach.h"

/*
 * memlens attach dlopens the agent at a safe point of one thread and calls
 * memlens_agent_attach there (src/attach/inject.c). The agent makes its own region (a
 * memfd memlens then takes with pidfd_getfd), starts recording with MLR_FLAG_ATTACHED and
 * patches the GOTs (got.c). memlens_agent_detach restores the GOTs and leaves the agent
 * dormant: it is never unloaded, and a later attach reuses it with a fresh region.
 *
 * Hook entries are counted in flight while in attach mode, so that a region is only
 * replaced (or unmapped) once no thread is inside the bookkeeping: a hook that saw
 * `active` before the count went up backs out (attach_enter), and the count is read after
 * `active` went down (sequentially consistent on both sides).
 */

static uint64_t inflight;
static int atfork_registered;

int attach_enter(void)
{
	__atomic_add_fetch(&inflight, 1, __ATOMIC_SEQ_CST);
	if (!__atomic_load_n(&agent.active, __ATOMIC_SEQ_CST)) {
		__atomic_sub_fetch(&inflight, 1, RELEASE);
		return 0;
	}
	uint32_t gen = __atomic_load_n(&agent.gen, ACQUIRE);
	if (UNLIKELY(agent_self.gen != gen)) {
		/* this thread's slot and last stack belong to an older region */
		agent_self.gen = gen;
		agent_self.slot = 0;
		agent_self.last_kind = 0;
	}
	got_refresh();
	return 1;
}

void attach_leave(void)
{
	__atomic_sub_fetch(&inflight, 1, RELEASE);
}

/* Wait, up to ms, until no hook is inside the bookkeeping. 0 when none is. It runs on a
 * thread memlens borrowed, maybe from inside nanosleep: yielding, never sleeping, keeps that
 * thread's restart block (what the kernel resumes its sleep with) untouched. */
static int quiesce(int ms)
{
	uint64_t end = agent_now_mono() + (uint64_t)ms * 1000000u;
	while (__atomic_load_n(&inflight, __ATOMIC_SEQ_CST) != 0) {
		if (agent_now_mono() >= end)
			return -1;
		sched_yield();
	}
	return 0;
}

static void stop_recording(void)
{
	__atomic_store_n(&agent.active, 0, __ATOMIC_SEQ_CST);
	got_restore_all();
}

/* A fresh region of `size` bytes in a memfd of our own; its fd, or -errno. */
static int new_region(uint64_t size, struct mlr_header **out)
{
	int fd = memfd_create("memlens-region", MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	void *p = MAP_FAILED;
	if (ftruncate(fd, (off_t)size) == 0)
		p = real.mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED || region_layout(p, size) != 0) {
		int e = p == MAP_FAILED ? errno : EINVAL;
		if (p != MAP_FAILED)
			real.munmap(p, size);
		close(fd);
		return -e;
	}
	*out = p;
	return fd;
}

/* First attach in this process: take over start-up (a preloaded agent has done it already). */
static int first_attach(void)
{
	if (agent_initialized())
		return 0;
	agent.attach_mode = 1;
	if (agent_resolve_real() != 0)
		return -ENOSYS;
	agent_mark_initialized();
	return 0;
}

static const struct unwinder *unwinder_by_id(int id)
{
	return id == MLR_UNWIND_FP ? &unwind_fp : id == MLR_UNWIND_LIBUNWIND ? &unwind_libunwind : &unwind_cfi;
}

/*
 * Start recording into a new region: returns the region's fd in this process (memlens
 * takes it with pidfd_getfd, then calls memlens_agent_release) or -errno. An agent still
 * recording for an inspector that died is stopped first. Runs on a thread memlens
 * stopped at a safe point (not inside the allocator or the dynamic loader).
 */
AGENT_API int memlens_agent_attach(uint64_t region_size, int unwinder, int max_depth)
{
	if (agent.in_child)
		return -ECHILD;
	int r = first_attach();
	if (r)
		return r;
	agent.attach_mode = 1;
	stop_recording();
	struct mlr_header *old = agent.hdr;
	int quiet = quiesce(1000) == 0;
	struct mlr_header *h = NULL;
	int fd = new_region(region_size, &h);
	if (fd < 0)
		return fd;
	if (got_init() != 0) {
		close(fd);
		return -ENOMEM;
	}
	if (!atfork_registered && pthread_atfork(NULL, NULL, agent_on_fork_child) == 0)
		atfork_registered = 1;
	unwind_init(unwinder_by_id(unwinder));
	agent.max_depth = max_depth < 1 || max_depth > MLR_MAX_DEPTH ? MLR_MAX_DEPTH : max_depth;
	__atomic_store_n(&agent.multi, 1, RELEASE); /* the process's threads were never counted */
	agent.hdr = h;
	agent.base = (char *)h;
	__atomic_add_fetch(&agent.gen, 1, RELEASE);
	agent_start_recording(MLR_FLAG_ATTACHED); /* active from here */
	got_patch_all();
	/* a thread stuck inside the old region's bookkeeping keeps it mapped (leaked) */
	if (old && quiet)
		real.munmap(old, old->region_size);
	return fd;
}

/* memlens has its own descriptor of the region now: close ours. */
AGENT_API int memlens_agent_release(int fd)
{
	return close(fd) == 0 ? 0 : -errno;
}

/* Stop recording and restore the GOT entries; the agent stays loaded, dormant, its last
 * region still mapped for memlens to read. Returns the number of entries restored. */
AGENT_API int memlens_agent_detach(void)
{
	__atomic_store_n(&agent.active, 0, __ATOMIC_SEQ_CST);
	int restored = got_restore_all();
	quiesce(1000);
	if (agent.hdr)
		__atomic_store_n(&agent.hdr->state, MLR_STATE_DORMANT, RELEASE);
	return restored;
}
