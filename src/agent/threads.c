/* threads.c — the agent's thread table: one slot per thread, its creating stack, start and exit. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "agent/agent.h"

struct mlr_thread *threads_at(uint32_t slot)
{
	return (struct mlr_thread *)(agent.base + agent.hdr->threads_off) + slot;
}

/* Claim a slot for the calling thread. When the table is full, later threads
 * share the last slot (figures stay right in total, not per thread). */
static struct mlr_thread *threads_claim(void)
{
	struct mlr_header *h = agent.hdr;
	uint64_t i = __atomic_fetch_add(&h->nthreads, 1, RELAXED);
	if (i > 0)
		__atomic_store_n(&agent.multi, 1, RELEASE);
	if (i >= h->threads_cap) {
		__atomic_store_n(&h->nthreads, h->threads_cap, RELAXED);
		agent_flag(MLR_REASON_THREADS_FULL);
		i = h->threads_cap - 1;
	}
	struct mlr_thread *t = threads_at((uint32_t)i);
	if (t->state == 0) {
		t->tid = (int32_t)syscall(SYS_gettid);
		t->create_stack = agent_self.create_stack;
		t->start_ns = agent_now_mono();
		__atomic_store_n(&t->state, 1, RELEASE);
	}
	agent_self.slot = (int)i + 1;
	return t;
}

struct mlr_thread *threads_self(void)
{
	if (LIKELY(agent_self.slot))
		return threads_at((uint32_t)agent_self.slot - 1);
	return threads_claim();
}

/* The thread is ending: keep its name (the inspector may never have seen it) and the time. */
void threads_on_exit(void)
{
	if (!agent_self.slot || !__atomic_load_n(&agent.active, ACQUIRE))
		return;
	struct mlr_thread *t = threads_at((uint32_t)agent_self.slot - 1);
	prctl(PR_GET_NAME, t->name, 0, 0, 0);
	t->end_ns = agent_now_mono();
	__atomic_store_n(&t->state, 2, RELEASE);
}

struct start_args {
	void *(*start)(void *);
	void *arg;
	uint32_t create_stack;
};

static void on_thread_exit(void *unused)
{
	(void)unused;
	threads_on_exit();
	unwind_thread_done();
}

/* Runs first in every thread the program creates: claim a slot, run the
 * program's start routine, mark the slot exited however the thread ends
 * (return, pthread_exit or cancellation all run the cleanup handler). */
static void *thread_trampoline(void *p)
{
	struct start_args a = *(struct start_args *)p;
	int saved_errno = errno; /* the thread starts with the errno it would have had */
	agent_self.busy = 1;
	real.free(p);
	agent_self.create_stack = a.create_stack;
	if (__atomic_load_n(&agent.active, ACQUIRE))
		threads_self();
	agent_self.busy = 0;
	errno = saved_errno;
	void *ret;
	pthread_cleanup_push(on_thread_exit, NULL);
	ret = a.start(a.arg);
	pthread_cleanup_pop(1);
	return ret;
}

/* pthread_create behind the hook: record the creating stack and start the thread in the trampoline. */
int threads_wrap_create(void *thread, const void *attr, void *(*start)(void *), void *arg)
{
	int saved_errno = errno;
	uint32_t stack = MLR_STACK_NONE;
	if (__atomic_load_n(&agent.active, ACQUIRE) && !agent_self.busy) {
		uint64_t ips[MLR_MAX_DEPTH];
		agent_self.busy = 1;
		int n = unwind_active->capture(ips, agent.max_depth, NULL, NULL);
		stack = stacktab_intern(ips, n < 0 ? -n : n, n < 0, MLR_KIND_THREAD, NULL);
		agent_self.last_kind = 0; /* the trace cache now holds this stack, not an allocation's */
		agent_self.busy = 0;
	}
	__atomic_store_n(&agent.multi, 1, RELEASE); /* before a new thread can count anything */
	int was_busy = agent_self.busy;
	agent_self.busy = 1;
	struct start_args *a = real.malloc(sizeof *a);
	agent_self.busy = was_busy;
	if (!a) {
		errno = saved_errno;
		return real.pthread_create(thread, attr, start, arg);
	}
	a->start = start;
	a->arg = arg;
	a->create_stack = stack;
	errno = saved_errno;
	int r = real.pthread_create(thread, attr, thread_trampoline, a);
	if (r != 0) {
		agent_self.busy = 1;
		real.free(a);
		agent_self.busy = was_busy;
	}
	return r;
}
