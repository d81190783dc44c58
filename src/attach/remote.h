/* remote.h — call a function inside another process, on one of its threads stopped under ptrace (x86_64). */
#ifndef MEMLENS_ATTACH_REMOTE_H
#define MEMLENS_ATTACH_REMOTE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/user.h>

#include "attach/tracee.h"

/*
 * A thread's every register (general, and the whole x87/SSE/AVX state through
 * NT_X86_XSTATE) is saved by remote_begin and put back by remote_end; calls in between
 * run on the thread's own stack, below its red zone, and return to address 0: the fault
 * that follows stops the thread for us, and is never delivered. A thread stopped inside
 * a system call resumes that call afterwards as the kernel would have restarted it.
 * Signals that arrive during a call are delivered to the program as usual.
 *
 * Caveat: if memlens dies while a call runs (SIGKILL; memlens defers its other signals),
 * the call returns to address 0 with nobody to catch it, and the process gets SIGSEGV.
 */
struct remote {
	struct tracee *t;
	struct user_regs_struct regs; /* as the thread had them */
	uint8_t xstate[16384];
	size_t xstate_len; /* 0: only the legacy FP state was saved */
	struct user_fpregs_struct fp;
	uint64_t calls_ns; /* time spent in calls */
};

/* Save the registers of a stopped tracee. 0 or -errno. */
int remote_begin(struct remote *rc, struct tracee *t);
/* Call fn(args...) (up to 6 integer arguments). When data is not NULL, its len bytes are
 * copied below the red zone first and their address is the first argument (args[0] is
 * ignored); *data_at says where, when not NULL.
 * On success *ret is the function's return value. -ESRCH: the thread ended; -EFAULT: the
 * function crashed (the registers are restored, the fault is not delivered); -ETIMEDOUT. */
int remote_call(struct remote *rc, uint64_t fn, const uint64_t *args, int nargs, const void *data, size_t len,
                uint64_t *data_at, uint64_t *ret, int timeout_ms);
/* Restore the saved registers. 0 or -errno. */
int remote_end(struct remote *rc);

/* Read len bytes at addr in the process (process_vm_readv). 0 or -errno. */
int remote_read(pid_t pid, uint64_t addr, void *buf, size_t len);

#endif
