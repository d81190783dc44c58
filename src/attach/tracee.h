/* tracee.h — one thread of another process held under ptrace for a moment: seize, stop, release. */
#ifndef MEMLENS_ATTACH_TRACEE_H
#define MEMLENS_ATTACH_TRACEE_H

#include <stdint.h>
#include <sys/types.h>

/*
 * PTRACE_SEIZE (never PTRACE_ATTACH): it sends no SIGSTOP, so nothing is left
 * pending in the target, and when memlens dies — even by SIGKILL — the kernel
 * detaches every seized thread and resumes it. PTRACE_O_EXITKILL is never set.
 */
struct tracee {
	pid_t tid;
	int seized;
	int stopped;
	int group_stop;      /* it stopped for job control (SIGSTOP, SIGTSTP...): it stays stopped */
	int pending_signal;  /* a signal it was about to take when it stopped: handed back on release */
	uint64_t stopped_at; /* CLOCK_MONOTONIC ns of the stop */
};

/* Seize a thread (it keeps running). 0 or -errno (-ESRCH: gone, -EPERM: not allowed, -EBUSY: traced). */
int tracee_seize(struct tracee *t, pid_t tid);
/* Interrupt it and wait up to timeout_ms for the stop. 0, -ESRCH when it ended, -ETIMEDOUT
 * (a thread in uninterruptible sleep stops only when the sleep ends: it stays seized until then). */
int tracee_stop(struct tracee *t, int timeout_ms);
/* Wait for any stop (after PTRACE_CONT): the raw wait status in *status. 0, -ESRCH, -ETIMEDOUT. */
int tracee_wait(struct tracee *t, int timeout_ms, int *status);
/* Let it go (back to job-control stop if it was in one), with its pending signal. Returns the
 * nanoseconds it was stopped by us (0 when it never stopped). A thread that did not stop
 * yet cannot be detached: it is released by the kernel when it stops or memlens exits. */
uint64_t tracee_release(struct tracee *t);

#endif
