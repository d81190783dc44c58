/* access.h — may memlens ptrace this process? The facts that decide it, the verdict, and what to tell the user. */
#ifndef MEMLENS_ATTACH_ACCESS_H
#define MEMLENS_ATTACH_ACCESS_H

#include <stddef.h>
#include <sys/types.h>

/* Persisted as distinct exit statuses (src/cli/exitcodes.h): never renumber. */
enum access_verdict {
	ACCESS_OK = 0,
	ACCESS_NO_PROCESS,    /* no such process, or it already exited (zombie) */
	ACCESS_SELF,          /* memlens itself */
	ACCESS_KERNEL_THREAD, /* a kernel thread: no user memory, nothing to attach to */
	ACCESS_TRACED,        /* another tracer (debugger, strace) holds it */
	ACCESS_OTHER_USER,    /* another user's process, and memlens has no CAP_SYS_PTRACE */
	ACCESS_YAMA,          /* Yama's ptrace_scope forbids it */
	ACCESS_NO_CAP,        /* same user, but the kernel wants CAP_SYS_PTRACE (privileged or undumpable target) */
};

/* What the kernel's ptrace_may_access() looks at, as far as /proc shows it. Gathered once, so
 * the decision itself (access_decide) is a pure function that unit tests drive. */
struct access_facts {
	pid_t pid, self;
	int exists;        /* /proc/PID/status was readable */
	int zombie;        /* state Z or X */
	int kernel_thread; /* PF_KTHREAD */
	pid_t tracer;      /* TracerPid, 0 none */
	unsigned uid[4];   /* target's real, effective, saved, filesystem uid */
	unsigned gid[4];   /* the same for gids */
	unsigned my_uid, my_gid;
	unsigned long long target_caps, my_caps; /* CapPrm of the target, CapEff of memlens */
	int have_cap_ptrace;                     /* CAP_SYS_PTRACE in memlens's effective set */
	int yama_scope;                          /* /proc/sys/kernel/yama/ptrace_scope, -1 when there is no Yama */
	int descendant;                          /* the target descends from memlens (Yama scope 1 allows that) */
};

/* Read the facts from /proc. Never fails: what cannot be read stays zero. */
void access_gather(pid_t pid, struct access_facts *f);
/* The verdict before trying. ACCESS_OK means the kernel should allow it (it may still refuse:
 * an undumpable process; see access_after_eperm). */
enum access_verdict access_decide(const struct access_facts *f);
/* ptrace said EPERM though access_decide saw no reason: the best explanation left. */
enum access_verdict access_after_eperm(const struct access_facts *f);
/* One line (no newline): the cause, then what to do. */
const char *access_explain(enum access_verdict v, const struct access_facts *f, char *buf, size_t len);

#endif
