/* tracee.c — hold one thread of another process under ptrace for a moment: seize, interrupt, wait, detach. */
#include "config.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "attach/tracee.h"
#include "core/util.h"

int tracee_seize(struct tracee *t, pid_t tid)
{
	memset(t, 0, sizeof *t);
	t->tid = tid;
	if (ptrace(PTRACE_SEIZE, tid, NULL, NULL) != 0)
		return -errno;
	t->seized = 1;
	return 0;
}

static int is_stop_signal(int sig)
{
	return sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU;
}

/* Short waits first (a stop usually takes microseconds), then up to a millisecond. */
static void nap(int round)
{
	if (round < 20) {
		sched_yield();
		return;
	}
	struct timespec ts = {0, round < 100 ? 20000 : 1000000};
	nanosleep(&ts, NULL);
}

int tracee_wait(struct tracee *t, int timeout_ms, int *status)
{
	uint64_t deadline = util_now_ns() + (uint64_t)timeout_ms * 1000000u;
	for (int round = 0;; round++) {
		pid_t w = waitpid(t->tid, status, __WALL | WNOHANG);
		if (w == t->tid) {
			if (WIFEXITED(*status) || WIFSIGNALED(*status)) {
				t->seized = t->stopped = 0;
				return -ESRCH;
			}
			t->stopped = 1;
			t->stopped_at = util_now_ns();
			return 0;
		}
		if (w < 0 && errno != EINTR) {
			t->seized = 0;
			return -ESRCH;
		}
		if (util_now_ns() >= deadline)
			return -ETIMEDOUT;
		nap(round);
	}
}

int tracee_stop(struct tracee *t, int timeout_ms)
{
	if (ptrace(PTRACE_INTERRUPT, t->tid, NULL, NULL) != 0)
		return -errno;
	int status;
	int r = tracee_wait(t, timeout_ms, &status);
	if (r)
		return r;
	int sig = WSTOPSIG(status);
	if (status >> 16 == PTRACE_EVENT_STOP)
		t->group_stop = is_stop_signal(sig); /* else SIGTRAP: our interrupt */
	else
		t->pending_signal = sig; /* a signal-delivery stop came first: hand it back */
	return 0;
}

uint64_t tracee_release(struct tracee *t)
{
	uint64_t held = 0;
	if (t->seized && t->stopped) {
		held = util_now_ns() - t->stopped_at;
		ptrace(PTRACE_DETACH, t->tid, NULL, (void *)(long)t->pending_signal);
		t->seized = t->stopped = 0;
	}
	return held;
}
