/* session.h — one inspected process: its region, the model, the sampling clock, and the front ends that watch it. */
#ifndef MEMLENS_CORE_SESSION_H
#define MEMLENS_CORE_SESSION_H

#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

#include "core/ledger.h"
#include "core/model.h"
#include "core/region.h"

struct session;

/* A front end (TUI, Lua runtime, control socket) taking part in the loop. Every callback is
 * optional; all run on the loop's thread, never concurrently. */
struct session_client {
	void *arg;
	int fd; /* polled for input (POLLIN) when >= 0 */
	void (*on_input)(struct session *s, void *arg);
	void (*on_sample)(struct session *s, void *arg); /* after each tick of the model's clock */
	void (*on_target_end)(struct session *s, void *arg);
};

#define SESSION_MAX_CLIENTS 8

/* Why session_loop returned. */
enum session_end {
	SESSION_TARGET_ENDED,
	SESSION_DURATION, /* the --duration passed */
	SESSION_SIGNAL,   /* SIGINT, SIGTERM or SIGHUP reached memlens */
	SESSION_STOPPED,  /* a client called session_stop */
};

struct session {
	pid_t pid;
	int pidfd;     /* -1 when the kernel has no pidfd_open */
	int own_child; /* the target is memlens's child: its exit status can be read */
	struct region region;
	struct ledger ledger; /* drains the agent's events into the region */
	struct model model;
	struct rusage ru; /* the child's, once it ended */
	int status;       /* wait status, once it ended */
	int ended;        /* the target ended */
	int terminated;   /* ... because session_end_target ended it */

	uint64_t interval_ns; /* sampling period */
	uint64_t deadline_ns; /* CLOCK_MONOTONIC end of --duration, 0 for none */
	int linger;           /* keep looping after the target ended (until a client stops) */
	int stop;             /* set by session_stop */
	uint64_t next_sample_ns;

	struct session_client clients[SESSION_MAX_CLIENTS];
	int nclients;

	/* the control socket (core/control.h): `memlens snapshot PID` asks through it */
	int control_fd;
	char control_path[108];
	const char *control_problem; /* why there is none, or NULL */
};

/* Take over a started target and its region (moved in), begin its model, and open the
 * control socket. */
void session_begin(struct session *s, pid_t pid, int own_child, struct region *r, int argc, char **argv,
                   uint64_t interval_ns);
void session_add_client(struct session *s, const struct session_client *c);
void session_stop(struct session *s);

/* SIGINT, SIGTERM and SIGHUP end the loop (the target gets a grace of 2 s to end by itself,
 * since Ctrl-C reaches it too). Handlers only: the target, started by exec, keeps its own. */
void session_install_signals(void);
int session_signal(void); /* the signal received, or 0 */

/* Sample and serve clients until the target ends (unless lingering), the duration passes,
 * a signal arrives or a client stops it. */
enum session_end session_loop(struct session *s);

/* Bring the model up to date at the end: final counters, the target's fate, peak RSS. */
void session_finish(struct session *s);

/* End a target memlens started and still runs: SIGTERM, SIGKILL after 5 s. Wait status.
 * The session then knows it ended (clients' on_target_end run, the model has its fate). */
int session_end_target(struct session *s);

/* Release everything (the region too). */
void session_done(struct session *s);

#endif
