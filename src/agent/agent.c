/* agent.c — start-up of the agent: find the real allocator, map the region, scrub the environment, handle fork. */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "agent/agent.h"

struct agent agent;
struct real_fns real;
__thread struct agent_thread agent_self AGENT_TLS;

/* 0 not started, 1 starting (in this or another thread), 2 done. */
int agent_init_state;

uint64_t agent_now_coarse(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Coarse time since the region's start; the coarse clock may lag the precise one the
 * start was read from by a tick, so never below 0. */
uint64_t agent_since_start_coarse(void)
{
	uint64_t now = agent_now_coarse(), start = agent.hdr->start_mono_ns;
	return now > start ? now - start : 0;
}

uint64_t agent_now_mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Record why figures are incomplete (the first reason wins); recording goes on. */
void agent_flag(enum mlr_reason reason)
{
	uint32_t none = MLR_REASON_NONE;
	if (agent.hdr)
		__atomic_compare_exchange_n(&agent.hdr->reason, &none, (uint32_t)reason, 0, RELAXED, RELAXED);
}

/* Stop recording for good and say why in the region; calls pass through from now on. */
void agent_degrade(enum mlr_reason reason)
{
	if (!agent.hdr)
		return;
	agent_flag(reason);
	__atomic_store_n(&agent.hdr->state, MLR_STATE_DEGRADED, RELEASE);
	__atomic_store_n(&agent.active, 0, RELEASE);
}

/* The function the hooks stand in for. Preloaded, that is the next definition after the
 * agent; loaded into a running process (attach), the one a global lookup finds, which is
 * what the program's GOT entries hold (the agent itself is loaded RTLD_LOCAL, out of sight). */
void *real_lookup(const char *name)
{
	return dlsym(agent.attach_mode ? RTLD_DEFAULT : RTLD_NEXT, name);
}

#define RESOLVE(name) (real.name = (__typeof__(real.name))real_lookup(#name))

/* dlsym may allocate; the hooks serve those calls from the bootstrap arena (hooks.c). */
int agent_resolve_real(void)
{
	RESOLVE(malloc);
	RESOLVE(calloc);
	RESOLVE(realloc);
	RESOLVE(free);
	RESOLVE(posix_memalign);
	RESOLVE(aligned_alloc);
	RESOLVE(memalign);
	RESOLVE(valloc);
	RESOLVE(pvalloc);
	RESOLVE(mmap);
	RESOLVE(munmap);
	RESOLVE(mremap);
	RESOLVE(pthread_create);
	return real.malloc && real.calloc && real.realloc && real.free ? 0 : -1;
}

/*
 * getenv() that also works before libc has set up the environment: a malloc
 * from a .preinit_array function reaches us before libc's own initialiser
 * stores environ. Then the initial environment is read from /proc/self/environ
 * (once, into a static buffer: nothing may be allocated here).
 */
static const char *agent_getenv(const char *name)
{
	static char buf[64 * 1024];
	static ssize_t len = -1;
	const char *v = getenv(name);
	if (v || environ)
		return v;
	if (len < 0) {
		int fd = open("/proc/self/environ", O_RDONLY | O_CLOEXEC);
		len = fd < 0 ? 0 : read(fd, buf, sizeof buf - 1);
		if (fd >= 0)
			close(fd);
		if (len < 0)
			len = 0;
		buf[len] = '\0';
	}
	size_t n = strlen(name);
	for (const char *p = buf; p < buf + len; p += strlen(p) + 1)
		if (strncmp(p, name, n) == 0 && p[n] == '=')
			return p + n + 1;
	return NULL;
}

static int env_int(const char *name, int fallback)
{
	const char *v = agent_getenv(name);
	if (!v || !*v)
		return fallback;
	char *end;
	long n = strtol(v, &end, 10);
	return *end ? fallback : (int)n;
}

/* Map the region the inspector handed us. The fd is closed afterwards: the
 * mapping outlives it, and no descriptor of ours leaks into exec'd programs. */
static int map_region(void)
{
	int fd = env_int(MLR_ENV_FD, -1);
	if (fd < 0)
		return -1;
	struct stat st;
	if (fstat(fd, &st) != 0 || st.st_size < (off_t)sizeof(struct mlr_header))
		return -1;
	void *p = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return -1;
	struct mlr_header *h = p;
	if (h->state != MLR_STATE_EMPTY || region_layout(h, (uint64_t)st.st_size) != 0) {
		munmap(p, (size_t)st.st_size);
		return -1;
	}
	agent.hdr = h;
	agent.base = p;
	return 0;
}

static void choose_unwinder(void)
{
	const char *u = agent_getenv(MLR_ENV_UNWIND);
	const struct unwinder *chosen = &unwind_cfi;
	if (u && strcmp(u, "fp") == 0)
		chosen = &unwind_fp;
	else if (u && strcmp(u, "libunwind") == 0)
		chosen = &unwind_libunwind;
	unwind_init(chosen);
	int depth = env_int(MLR_ENV_DEPTH, MLR_MAX_DEPTH);
	agent.max_depth = depth < 1 || depth > MLR_MAX_DEPTH ? MLR_MAX_DEPTH : depth;
}

void agent_start_recording(uint32_t flags)
{
	struct mlr_header *h = agent.hdr;
	h->flags = flags;
	struct timespec rt;
	clock_gettime(CLOCK_REALTIME, &rt);
	h->pid = getpid();
	h->unwinder = unwind_active->id;
	h->max_depth = (uint32_t)agent.max_depth;
	h->start_realtime_ns = (uint64_t)rt.tv_sec * 1000000000u + (uint64_t)rt.tv_nsec;
	h->start_mono_ns = agent_now_mono();
	agent.ring = (struct mlr_event *)(agent.base + h->ring_off);
	agent.ring_log2 = (int)h->ring_log2;
	agent.ring_mask = ((uint64_t)1 << h->ring_log2) - 1;
	agent.tail_seen = __atomic_load_n(&h->ring_tail, ACQUIRE);
	modules_scan();
	__atomic_store_n(&h->state, MLR_STATE_RECORDING, RELEASE);
	__atomic_store_n(&agent.active, 1, RELEASE);
}

/* attach.c took over start-up: the hooks must not run the preload start-up after it. */
void agent_mark_initialized(void)
{
	__atomic_store_n(&agent_init_state, 2, RELEASE);
}

int agent_initialized(void)
{
	return __atomic_load_n(&agent_init_state, ACQUIRE) == 2;
}

/* agent_ensure_init's slow path: start-up, or waiting for another thread's. */
int agent_init_slow(void)
{
	if (__atomic_load_n(&agent_init_state, ACQUIRE) == 2)
		return 1;
	int expected = 0;
	if (!__atomic_compare_exchange_n(&agent_init_state, &expected, 1, 0, ACQUIRE, RELAXED)) {
		if (agent_self.busy)
			return 0; /* our own start-up, re-entered through dlsym */
		while (__atomic_load_n(&agent_init_state, ACQUIRE) != 2)
			sched_yield();
		return 1;
	}
	agent_self.busy = 1;
	int saved_errno = errno; /* start-up runs inside the program's first call */
	int ok = agent_resolve_real() == 0;
	if (ok) {
		choose_unwinder();
		if (map_region() == 0)
			agent_start_recording(0);
	}
	agent_self.busy = 0;
	errno = saved_errno;
	__atomic_store_n(&agent_init_state, 2, RELEASE);
	return ok;
}

/* A forked child shares the region mapping with its parent: it must not
 * write to it. Children are not tracked (doc/architecture.md). */
void agent_on_fork_child(void)
{
	agent.in_child = 1;
	__atomic_store_n(&agent.active, 0, RELEASE);
}

/* Remove `entry` from the colon/space separated LD_PRELOAD value in place. */
static void strip_preload_entry(char *list, const char *entry)
{
	size_t n = strlen(entry);
	char *p = list;
	while ((p = strstr(p, entry)) != NULL) {
		int starts = p == list || p[-1] == ':' || p[-1] == ' ';
		int ends = p[n] == '\0' || p[n] == ':' || p[n] == ' ';
		if (!starts || !ends) {
			p += n;
			continue;
		}
		char *rest = p + n + (p[n] ? 1 : 0);
		memmove(p, rest, strlen(rest) + 1);
	}
}

/* Programs the target execs must not inherit the agent (unless the user
 * preloads it again): drop our LD_PRELOAD entry and our variables. */
static void scrub_environment(void)
{
	Dl_info self;
	char *pre = getenv("LD_PRELOAD");
	if (pre && dladdr((void *)scrub_environment, &self) && self.dli_fname) {
		strip_preload_entry(pre, self.dli_fname);
		const char *base = strrchr(self.dli_fname, '/');
		if (base)
			strip_preload_entry(pre, base + 1);
		if (!pre[strspn(pre, ": ")])
			unsetenv("LD_PRELOAD");
	}
	unsetenv(MLR_ENV_FD);
	unsetenv(MLR_ENV_UNWIND);
	unsetenv(MLR_ENV_DEPTH);
}

__attribute__((constructor)) static void agent_constructor(void)
{
	/* dlopen'ed by memlens attach: nothing happens until memlens calls memlens_agent_attach
	 * (touching the environment now could race with the program's threads) */
	if (!agent_getenv(MLR_ENV_FD))
		return;
	agent_ensure_init();
	agent_self.busy = 1; /* pthread_atfork allocates: not the program's call */
	pthread_atfork(NULL, NULL, agent_on_fork_child);
	agent_self.busy = 0;
	scrub_environment();
}
