/* session.c — the inspector's loop: sample the target on the model's clock, serve the front ends, notice its end. */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/control.h"
#include "core/log.h"
#include "core/session.h"
#include "core/util.h"

#define GRACE_NS 2000000000ull

static volatile sig_atomic_t stop_signal;

static void on_stop_signal(int sig)
{
	stop_signal = sig;
}

void session_install_signals(void)
{
	struct sigaction sa = {.sa_handler = on_stop_signal};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

int session_signal(void)
{
	return stop_signal;
}

void session_begin(struct session *s, pid_t pid, int own_child, struct region *r, int argc, char **argv,
                   uint64_t interval_ns)
{
	memset(s, 0, sizeof *s);
	s->pid = pid;
	s->own_child = own_child;
	s->region = *r;
	memset(r, 0, sizeof *r);
	r->fd = -1;
	ledger_start(&s->ledger, &s->region);
	s->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	s->interval_ns = interval_ns ? interval_ns : 100000000u;
	model_init(&s->model, pid, argc, argv);
	s->next_sample_ns = util_now_ns();
	s->control_fd = -1;
	s->control_problem = control_listen(s);
}

void session_add_client(struct session *s, const struct session_client *c)
{
	if (s->nclients < SESSION_MAX_CLIENTS)
		s->clients[s->nclients++] = *c;
}

void session_stop(struct session *s)
{
	s->stop = 1;
}

/* 1 when the target has ended (status and rusage filled for a child). */
static int reap(struct session *s)
{
	if (!s->own_child) {
		if (kill(s->pid, 0) == 0 || errno == EPERM)
			return 0;
		return 1;
	}
	pid_t w;
	do
		w = wait4(s->pid, &s->status, WNOHANG, &s->ru);
	while (w < 0 && errno == EINTR);
	return w == s->pid;
}

/* Everything the agent published is in the region (a dead target publishes nothing more). */
static void catch_up(struct session *s)
{
	if (s->ledger.running && ledger_sync(&s->ledger, s->ended, 5000) != 0)
		log_msg(LOG_WARN, "the ledger did not catch up with the agent's events within 5 s");
}

static void target_ended(struct session *s)
{
	s->ended = 1;
	catch_up(s);
	model_update(&s->model, &s->region);
	if (s->own_child)
		model_target_ended(&s->model, s->status);
	else
		model_target_vanished(&s->model);
	for (int i = 0; i < s->nclients; i++)
		if (s->clients[i].on_target_end)
			s->clients[i].on_target_end(s, s->clients[i].arg);
}

static void sample(struct session *s)
{
	model_sample(&s->model, &s->region);
	for (int i = 0; i < s->nclients; i++)
		if (s->clients[i].on_sample)
			s->clients[i].on_sample(s, s->clients[i].arg);
}

enum session_end session_loop(struct session *s)
{
	uint64_t grace_end = 0;
	for (;;) {
		uint64_t now = util_now_ns();
		if (!s->ended && now >= s->next_sample_ns) {
			sample(s);
			s->next_sample_ns += s->interval_ns;
			if (s->next_sample_ns <= now) /* fell behind (stopped, swapped): no burst */
				s->next_sample_ns = now + s->interval_ns;
		}
		if (s->stop)
			return SESSION_STOPPED;
		if (s->deadline_ns && now >= s->deadline_ns)
			return SESSION_DURATION;
		if (stop_signal && !grace_end)
			grace_end =
			        s->ended || !s->own_child ? now : now + GRACE_NS; /* Ctrl-C reaches only our child */
		if (grace_end && now >= grace_end)
			return SESSION_SIGNAL;

		struct pollfd p[SESSION_MAX_CLIENTS + 1];
		int idx[SESSION_MAX_CLIENTS + 1];
		int n = 0;
		if (!s->ended && s->pidfd >= 0) {
			p[n] = (struct pollfd){.fd = s->pidfd, .events = POLLIN};
			idx[n++] = -1;
		}
		for (int i = 0; i < s->nclients; i++)
			if (s->clients[i].fd >= 0) {
				p[n] = (struct pollfd){.fd = s->clients[i].fd, .events = POLLIN};
				idx[n++] = i;
			}
		uint64_t wake = s->ended ? now + s->interval_ns : s->next_sample_ns;
		if (s->deadline_ns && s->deadline_ns < wake)
			wake = s->deadline_ns;
		if (grace_end && grace_end < wake)
			wake = grace_end;
		int ms = wake > now ? (int)((wake - now + 999999) / 1000000) : 0;
		/* without a pidfd the target's end is noticed by polling */
		if (s->pidfd < 0 && !s->ended && ms > 100)
			ms = 100;
		int r = poll(p, (nfds_t)n, ms);
		if (r < 0 && errno != EINTR)
			return SESSION_STOPPED;
		for (int k = 0; r > 0 && k < n; k++) {
			if (!(p[k].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			if (idx[k] >= 0 && s->clients[idx[k]].on_input)
				s->clients[idx[k]].on_input(s, s->clients[idx[k]].arg);
		}
		if (!s->ended && reap(s)) {
			target_ended(s);
			if (!s->linger)
				return SESSION_TARGET_ENDED;
		}
	}
}

void session_finish(struct session *s)
{
	struct model *m = &s->model;
	catch_up(s);
	model_update(m, &s->region);
	if (!s->ended)
		m->duration_s = model_now_s(m);
	if ((uint64_t)s->ru.ru_maxrss * 1024 > m->vm_hwm)
		m->vm_hwm = (uint64_t)s->ru.ru_maxrss * 1024;
}

int session_end_target(struct session *s)
{
	int status = 0;
	if (s->ended || !s->own_child)
		return s->status; /* never signal a process memlens did not start */
	kill(s->pid, SIGTERM);
	for (int i = 0; i < 50; i++) {
		if (s->pidfd >= 0) {
			struct pollfd p = {.fd = s->pidfd, .events = POLLIN};
			poll(&p, 1, 100);
		} else {
			usleep(100000);
		}
		if (reap(s))
			goto ended;
	}
	kill(s->pid, SIGKILL);
	while (wait4(s->pid, &status, 0, &s->ru) < 0 && errno == EINTR)
		;
	s->status = status;
ended:
	s->terminated = 1;
	target_ended(s);
	return s->status;
}

void session_done(struct session *s)
{
	control_close(s);
	ledger_stop(&s->ledger);
	model_done(&s->model);
	region_done(&s->region);
	if (s->pidfd >= 0)
		close(s->pidfd);
	s->pidfd = -1;
}
