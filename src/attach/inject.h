/* inject.h — load the agent into a running process at a safe point and start it recording; detach it later. */
#ifndef MEMLENS_ATTACH_INJECT_H
#define MEMLENS_ATTACH_INJECT_H

#include <stdint.h>
#include <sys/types.h>

#include "core/region.h"

struct inject_opts {
	const char *agent;    /* absolute path of libmemlens-agent.so, as memlens sees it */
	uint64_t region_size; /* 0: REGION_DEFAULT_SIZE */
	int unwinder;         /* enum mlr_unwinder */
	int max_depth;        /* 0: 64 */
};

enum inject_status {
	INJECT_OK = 0,
	INJECT_GONE,    /* the process ended meanwhile */
	INJECT_STOPPED, /* it is stopped (SIGSTOP): nothing can run in it */
	INJECT_EPERM,   /* ptrace refused (explained by src/attach/access.c) */
	INJECT_FAILED,  /* anything else: the reason is in inject_info.error */
};

/* What an attach did (for the report and doc/performance.md), and what detach needs. */
struct inject_info {
	pid_t pid;
	pid_t tid;           /* the thread that ran the agent's calls */
	int reused;          /* the agent was loaded already (an earlier attach): not loaded again */
	int tries;           /* threads stopped and looked at until one was at a safe point */
	uint64_t held_ns;    /* how long that thread was held, start to end */
	uint64_t took_ns;    /* from inject_attach's start to the region in hand */
	uint64_t agent_base; /* load bias of the agent in the process */
	uint64_t fn_detach;  /* memlens_agent_detach's address there */
	int restored;        /* GOT entries put back by the detach */
	char error[512];     /* why it failed: one line, no "memlens:" prefix */
};

/* Load (or reuse) the agent, have it record into a new region, and map that region
 * read-only into *r. The calling memlens defers SIGINT, SIGTERM and SIGHUP meanwhile. */
enum inject_status inject_attach(pid_t pid, const struct inject_opts *o, struct region *r, struct inject_info *info);
/* Stop the agent recording and restore the process's GOT entries (the agent stays, dormant). */
enum inject_status inject_detach(struct inject_info *info);

#endif
