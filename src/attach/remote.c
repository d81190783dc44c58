/* remote.c — run a function call on a stopped thread of another process and give the thread back untouched. */
#include "config.h"

#include <elf.h>
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include "attach/remote.h"
#include "core/util.h"

#define RED_ZONE  128
#define EFLAGS_TF (1u << 8)
#define EFLAGS_DF (1u << 10)

int remote_read(pid_t pid, uint64_t addr, void *buf, size_t len)
{
	struct iovec local = {buf, len}, remote = {(void *)(uintptr_t)addr, len};
	ssize_t n = process_vm_readv(pid, &local, 1, &remote, 1, 0);
	return n == (ssize_t)len ? 0 : n < 0 ? -errno : -EIO;
}

/* Write into the stopped thread's stack, a word at a time (ptrace pokes need no writable
 * mapping rights beyond the tracer's). */
static int poke(pid_t tid, uint64_t addr, const void *data, size_t len)
{
	for (size_t off = 0; off < len; off += 8) {
		uint64_t word = 0;
		size_t n = len - off < 8 ? len - off : 8;
		if (n < 8) {
			errno = 0;
			long cur = ptrace(PTRACE_PEEKDATA, tid, (void *)(uintptr_t)(addr + off), NULL);
			if (errno)
				return -errno;
			memcpy(&word, &cur, sizeof word);
		}
		memcpy(&word, (const uint8_t *)data + off, n);
		if (ptrace(PTRACE_POKEDATA, tid, (void *)(uintptr_t)(addr + off), (void *)(uintptr_t)word) != 0)
			return -errno;
	}
	return 0;
}

int remote_begin(struct remote *rc, struct tracee *t)
{
	memset(rc, 0, sizeof *rc);
	rc->t = t;
	if (ptrace(PTRACE_GETREGS, t->tid, NULL, &rc->regs) != 0)
		return -errno;
	struct iovec iov = {rc->xstate, sizeof rc->xstate};
	if (ptrace(PTRACE_GETREGSET, t->tid, (void *)(uintptr_t)NT_X86_XSTATE, &iov) == 0)
		rc->xstate_len = iov.iov_len;
	else if (ptrace(PTRACE_GETFPREGS, t->tid, NULL, &rc->fp) != 0)
		return -errno;
	return 0;
}

int remote_end(struct remote *rc)
{
	pid_t tid = rc->t->tid;
	if (rc->xstate_len) {
		struct iovec iov = {rc->xstate, rc->xstate_len};
		if (ptrace(PTRACE_SETREGSET, tid, (void *)(uintptr_t)NT_X86_XSTATE, &iov) != 0)
			return -errno;
	} else if (ptrace(PTRACE_SETFPREGS, tid, NULL, &rc->fp) != 0) {
		return -errno;
	}
	return ptrace(PTRACE_SETREGS, tid, NULL, &rc->regs) == 0 ? 0 : -errno;
}

static int is_fault(int sig)
{
	return sig == SIGSEGV || sig == SIGBUS || sig == SIGILL || sig == SIGFPE || sig == SIGTRAP;
}

/* Resume the call until it returns to 0 (or crashes, or the time is up). */
static int run_call(struct remote *rc, uint64_t *ret, int timeout_ms)
{
	pid_t tid = rc->t->tid;
	int sig = 0;
	uint64_t deadline = util_now_ns() + (uint64_t)timeout_ms * 1000000u;
	for (;;) {
		if (ptrace(PTRACE_CONT, tid, NULL, (void *)(long)sig) != 0)
			return -errno;
		rc->t->stopped = 0;
		uint64_t now = util_now_ns();
		int status, left = now < deadline ? (int)((deadline - now) / 1000000u) + 1 : 1;
		int r = tracee_wait(rc->t, left, &status);
		if (r == -ETIMEDOUT) {
			/* stuck (a lock it waits for?): take the thread back as it is */
			if (ptrace(PTRACE_INTERRUPT, tid, NULL, NULL) == 0)
				tracee_wait(rc->t, 1000, &status);
			return -ETIMEDOUT;
		}
		if (r)
			return r;
		struct user_regs_struct now_regs;
		if (ptrace(PTRACE_GETREGS, tid, NULL, &now_regs) != 0)
			return -errno;
		sig = WSTOPSIG(status);
		if (status >> 16 == PTRACE_EVENT_STOP) {
			sig = 0; /* a job-control stop or our own interrupt: the call goes on */
			continue;
		}
		if (sig == SIGSEGV && now_regs.rip == 0) {
			*ret = now_regs.rax;
			return 0;
		}
		if (is_fault(sig))
			return -EFAULT;
		/* any other signal is the program's: deliver it (its handler runs on top of our call) */
	}
}

int remote_call(struct remote *rc, uint64_t fn, const uint64_t *args, int nargs, const void *data, size_t len,
                uint64_t *data_at, uint64_t *ret, int timeout_ms)
{
	pid_t tid = rc->t->tid;
	struct user_regs_struct regs = rc->regs;
	uint64_t sp = rc->regs.rsp - RED_ZONE, at = 0;
	if (data) {
		sp = (sp - len) & ~(uint64_t)15;
		int r = poke(tid, sp, data, len);
		if (r)
			return r;
		at = sp;
		if (data_at)
			*data_at = sp;
	}
	sp = (sp - 64) & ~(uint64_t)15;
	sp -= 8; /* the return address: at a function's entry rsp is 8 past a 16-byte boundary */
	uint64_t zero = 0;
	int r = poke(tid, sp, &zero, sizeof zero);
	if (r)
		return r;
	unsigned long long *argreg[6] = {&regs.rdi, &regs.rsi, &regs.rdx, &regs.rcx, &regs.r8, &regs.r9};
	for (int i = 0; i < nargs && i < 6; i++)
		*argreg[i] = args[i];
	if (data)
		regs.rdi = at;
	regs.rip = fn;
	regs.rsp = sp;
	regs.rax = 0;       /* no vector registers used by a variadic callee */
	regs.orig_rax = -1; /* not in a system call: the kernel must not restart one here */
	regs.eflags &= ~(unsigned long long)(EFLAGS_TF | EFLAGS_DF);
	if (ptrace(PTRACE_SETREGS, tid, NULL, &regs) != 0)
		return -errno;
	uint64_t t0 = util_now_ns();
	r = run_call(rc, ret, timeout_ms);
	rc->calls_ns += util_now_ns() - t0;
	return r;
}
