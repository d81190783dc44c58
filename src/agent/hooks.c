/* hooks.c — the functions the agent exports in place of the allocator's, mmap's and pthread_create's. */
#include "config.h"

#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdlib.h>
#include <stdarg.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "agent/agent.h"

/*
 * Bootstrap arena: while the agent looks up the real functions, dlsym may
 * allocate. Those few requests are served from here; free() recognises and
 * ignores them, realloc() moves them to the real heap. Each chunk is preceded
 * by its size so realloc knows how much to copy.
 */
#define BOOT_SIZE (64 * 1024)
static char boot_arena[BOOT_SIZE] __attribute__((aligned(64)));
static size_t boot_used;

static void *boot_alloc(size_t size, size_t align)
{
	if (align < 16)
		align = 16;
	size_t start = (boot_used + sizeof(size_t) + align - 1) & ~(align - 1);
	if (start + size > BOOT_SIZE || size > BOOT_SIZE) {
		errno = ENOMEM;
		return NULL;
	}
	memcpy(boot_arena + start - sizeof(size_t), &size, sizeof size);
	boot_used = start + size;
	return boot_arena + start; /* zeroed: the arena is never reused */
}

static inline int is_boot(const void *p)
{
	return (const char *)p >= boot_arena && (const char *)p < boot_arena + BOOT_SIZE;
}

static size_t boot_size(const void *p)
{
	size_t n;
	memcpy(&n, (const char *)p - sizeof n, sizeof n);
	return n;
}

/* Enter the bookkeeping: only when recording, and never from inside it (our
 * own calls into libc, libunwind's, or a signal handler interrupting us).
 * The program's errno is kept across it: what we call (libunwind's memory
 * checks, mmap) may set errno, and a successful malloc or any free must not.
 * In attach mode each entry is also counted in flight (see attach.c). */
static inline int enter(void)
{
	if (LIKELY(__atomic_load_n(&agent.active, RELAXED)) && LIKELY(!agent_self.busy)) {
		agent_self.busy = 1;
		agent_self.saved_errno = errno;
		if (UNLIKELY(agent.attach_mode) && !attach_enter()) {
			errno = agent_self.saved_errno;
			agent_self.busy = 0;
			return 0;
		}
		return 1;
	}
	return 0;
}

static inline void leave(void)
{
	if (UNLIKELY(agent.attach_mode))
		attach_leave();
	errno = agent_self.saved_errno;
	agent_self.busy = 0;
}

static inline void *after_alloc(void *p, size_t size)
{
	if (p && enter()) {
		record_alloc(p, size, MLR_KIND_HEAP, 0);
		leave();
	}
	return p;
}

AGENT_API void *malloc(size_t size)
{
	if (UNLIKELY(!agent_ensure_init()))
		return boot_alloc(size, 16);
	return after_alloc(real.malloc(size), size);
}

AGENT_API void *calloc(size_t n, size_t size)
{
	size_t total;
	if (__builtin_mul_overflow(n, size, &total)) {
		errno = ENOMEM;
		return NULL;
	}
	if (UNLIKELY(!agent_ensure_init()))
		return boot_alloc(total, 16);
	return after_alloc(real.calloc(n, size), total);
}

AGENT_API void free(void *p)
{
	if (!p || UNLIKELY(is_boot(p)))
		return;
	if (UNLIKELY(!agent_ensure_init()))
		return; /* cannot happen: only boot chunks exist before init */
	if (enter()) {
		record_free(p, MLR_KIND_HEAP); /* before the real free: see doc/architecture.md */
		leave();
	}
	real.free(p);
}

static void *boot_realloc(void *p, size_t size)
{
	void *q = agent_ensure_init() ? malloc(size) : boot_alloc(size, 16);
	if (q && p) {
		size_t old = boot_size(p);
		memcpy(q, p, old < size ? old : size);
	}
	return q;
}

AGENT_API void *realloc(void *p, size_t size)
{
	if (UNLIKELY(is_boot(p)) || UNLIKELY(!agent_ensure_init()))
		return boot_realloc(p, size);
	if (!enter())
		return real.realloc(p, size);
	if (p)
		record_take(p, MLR_KIND_HEAP);
	leave();
	void *q = real.realloc(p, size);
	if (enter()) {
		record_realloc_end(p, q, size, MLR_KIND_HEAP);
		leave();
	}
	return q;
}

AGENT_API void *reallocarray(void *p, size_t n, size_t size)
{
	size_t total;
	if (__builtin_mul_overflow(n, size, &total)) {
		errno = ENOMEM;
		return NULL;
	}
	return hook_realloc(p, total); /* by the hidden name: "realloc" may bind to the program's */
}

AGENT_API int posix_memalign(void **out, size_t align, size_t size)
{
	if (UNLIKELY(!agent_ensure_init())) {
		*out = boot_alloc(size, align);
		return *out ? 0 : ENOMEM;
	}
	int r = real.posix_memalign(out, align, size);
	if (r == 0)
		after_alloc(*out, size);
	return r;
}

/* The aligned allocators share one shape: resolve, call, record. */
#define ALIGNED_HOOK(name, params, args, size, align)                                                                  \
	AGENT_API void *name params                                                                                    \
	{                                                                                                              \
		if (UNLIKELY(!agent_ensure_init()))                                                                    \
			return boot_alloc(size, align);                                                                \
		if (UNLIKELY(!real.name)) {                                                                            \
			errno = ENOMEM;                                                                                \
			return NULL;                                                                                   \
		}                                                                                                      \
		return after_alloc(real.name args, size);                                                              \
	}

ALIGNED_HOOK(aligned_alloc, (size_t align, size_t size), (align, size), size, align)
ALIGNED_HOOK(memalign, (size_t align, size_t size), (align, size), size, align)
ALIGNED_HOOK(valloc, (size_t size), (size), size, 4096)
ALIGNED_HOOK(pvalloc, (size_t size), (size), size, 4096)

/* Anonymous mappings, their own category. Before init, go to the kernel directly. */
AGENT_API void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	if (UNLIKELY(!agent_ensure_init()) || UNLIKELY(!real.mmap))
		return (void *)syscall(SYS_mmap, addr, len, prot, flags, fd, off);
	void *r = real.mmap(addr, len, prot, flags, fd, off);
	if (r != MAP_FAILED && (flags & MAP_ANONYMOUS) && enter()) {
		record_alloc(r, len, MLR_KIND_MMAP, 0);
		leave();
	}
	return r;
}

AGENT_API void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	return hook_mmap(addr, len, prot, flags, fd, off);
}

/* A mapping is forgotten when unmapped from its start (partial unmaps elsewhere are not followed). */
AGENT_API int munmap(void *addr, size_t len)
{
	if (UNLIKELY(!agent_ensure_init()) || UNLIKELY(!real.munmap))
		return (int)syscall(SYS_munmap, addr, len);
	if (enter()) {
		record_free(addr, MLR_KIND_MMAP);
		leave();
	}
	return real.munmap(addr, len);
}

AGENT_API void *mremap(void *old, size_t old_len, size_t new_len, int flags, ...)
{
	void *new_addr = NULL;
	if (flags & MREMAP_FIXED) {
		va_list ap;
		va_start(ap, flags);
		new_addr = va_arg(ap, void *);
		va_end(ap);
	}
	if (UNLIKELY(!agent_ensure_init()) || UNLIKELY(!real.mremap))
		return (void *)syscall(SYS_mremap, old, old_len, new_len, flags, new_addr);
	if (!enter())
		return real.mremap(old, old_len, new_len, flags, new_addr);
	record_take(old, MLR_KIND_MMAP);
	leave();
	void *r = real.mremap(old, old_len, new_len, flags, new_addr);
	if (enter()) {
		record_realloc_end(old, r == MAP_FAILED ? NULL : r, new_len, MLR_KIND_MMAP);
		leave();
	}
	return r;
}

AGENT_API int pthread_create(pthread_t *thread, const pthread_attr_t *attr, void *(*start)(void *), void *arg)
{
	if (UNLIKELY(!agent_ensure_init()) || UNLIKELY(!real.pthread_create))
		return EAGAIN;
	return threads_wrap_create(thread, attr, start, arg);
}

/* The hooks under hidden names: in attach mode the GOT entries are pointed at these (a
 * lookup of "malloc" from here would find the program's, the agent being loaded locally). */
#define HOOK_ALIAS(name)                                                                                               \
	extern __typeof__(name) hook_##name __attribute__((alias(#name), visibility("hidden"), copy(name)));
HOOK_ALIAS(malloc)
HOOK_ALIAS(calloc)
HOOK_ALIAS(realloc)
HOOK_ALIAS(reallocarray)
HOOK_ALIAS(free)
HOOK_ALIAS(posix_memalign)
HOOK_ALIAS(aligned_alloc)
HOOK_ALIAS(memalign)
HOOK_ALIAS(valloc)
HOOK_ALIAS(pvalloc)
HOOK_ALIAS(mmap)
HOOK_ALIAS(mmap64)
HOOK_ALIAS(munmap)
HOOK_ALIAS(mremap)
HOOK_ALIAS(pthread_create)
