/* spinlock.h — a tiny lock for rare, short critical sections in the region (arenas, stacks, modules). */
#ifndef MEMLENS_SPINLOCK_H
#define MEMLENS_SPINLOCK_H

#include <sched.h>
#include <stdint.h>

static inline void spin_pause(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__asm__ volatile("pause");
#endif
}

/* Never held across a call into the program, the real allocator or the
 * unwinder, so a signal handler or a fork can never wait on it forever. */
static inline void spin_lock(uint32_t *l)
{
	for (unsigned n = 0; __atomic_exchange_n(l, 1, __ATOMIC_ACQUIRE); n++) {
		while (__atomic_load_n(l, __ATOMIC_RELAXED)) {
			if (++n > 1000) {
				sched_yield();
				n = 0;
			}
			spin_pause();
		}
	}
}

static inline void spin_unlock(uint32_t *l)
{
	__atomic_store_n(l, 0, __ATOMIC_RELEASE);
}

#endif
