/* access.c — decide whether ptrace may attach to a process, from what /proc shows, and explain a refusal. */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "attach/access.h"
#include "core/procfs.h"

#define CAP_SYS_PTRACE_BIT 19
#define PF_KTHREAD         0x00200000u

static int read_text(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return 0;
}

/* "Key:\tv1\tv2..." of a status file: up to n numbers in base `base`. */
static int status_numbers(const char *text, const char *key, unsigned long long *v, int n, int base)
{
	const char *p = strstr(text, key);
	if (!p)
		return 0;
	p += strlen(key);
	int k = 0;
	for (; k < n; k++) {
		char *end;
		v[k] = strtoull(p, &end, base);
		if (end == p)
			break;
		p = end;
	}
	return k;
}

/* Walk up from pid through PPid: does it reach `ancestor`? */
static int descends_from(pid_t pid, pid_t ancestor)
{
	for (int depth = 0; pid > 1 && depth < 64; depth++) {
		char path[64], buf[4096];
		snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
		unsigned long long ppid = 0;
		if (read_text(path, buf, sizeof buf) != 0 || !status_numbers(buf, "\nPPid:", &ppid, 1, 10))
			return 0;
		if ((pid_t)ppid == ancestor)
			return 1;
		pid = (pid_t)ppid;
	}
	return 0;
}

static void gather_self(struct access_facts *f)
{
	char buf[4096];
	unsigned long long v = 0;
	f->self = getpid();
	f->my_uid = (unsigned)geteuid();
	f->my_gid = (unsigned)getegid();
	if (read_text("/proc/self/status", buf, sizeof buf) == 0 && status_numbers(buf, "\nCapEff:", &v, 1, 16))
		f->my_caps = v;
	f->have_cap_ptrace = (int)(f->my_caps >> CAP_SYS_PTRACE_BIT & 1);
	f->yama_scope = -1;
	if (read_text("/proc/sys/kernel/yama/ptrace_scope", buf, sizeof buf) == 0)
		f->yama_scope = atoi(buf);
}

void access_gather(pid_t pid, struct access_facts *f)
{
	memset(f, 0, sizeof *f);
	f->pid = pid;
	gather_self(f);
	char path[64], buf[8192];
	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	if (pid <= 0 || read_text(path, buf, sizeof buf) != 0)
		return;
	f->exists = 1;
	unsigned long long v[4] = {0};
	const char *state = strstr(buf, "\nState:");
	if (state) {
		state += strspn(state + 7, " \t") + 7;
		f->zombie = *state == 'Z' || *state == 'X';
	}
	if (status_numbers(buf, "\nTracerPid:", v, 1, 10))
		f->tracer = (pid_t)v[0];
	if (status_numbers(buf, "\nUid:", v, 4, 10) == 4)
		for (int i = 0; i < 4; i++)
			f->uid[i] = (unsigned)v[i];
	if (status_numbers(buf, "\nGid:", v, 4, 10) == 4)
		for (int i = 0; i < 4; i++)
			f->gid[i] = (unsigned)v[i];
	if (status_numbers(buf, "\nCapPrm:", v, 1, 16))
		f->target_caps = v[0];
	struct proc_task t;
	if (procfs_task(pid, pid, &t) == 0)
		f->kernel_thread = (t.flags & PF_KTHREAD) != 0;
	f->descendant = descends_from(pid, f->self);
}

/* The kernel lets a same-user tracer in only when real, effective and saved ids all match. */
static int same_user(const struct access_facts *f)
{
	for (int i = 0; i < 3; i++)
		if (f->uid[i] != f->my_uid || f->gid[i] != f->my_gid)
			return 0;
	return 1;
}

enum access_verdict access_decide(const struct access_facts *f)
{
	if (!f->exists || f->zombie)
		return ACCESS_NO_PROCESS;
	if (f->pid == f->self)
		return ACCESS_SELF;
	if (f->kernel_thread)
		return ACCESS_KERNEL_THREAD;
	if (f->tracer && f->tracer != f->self)
		return ACCESS_TRACED;
	if (!f->have_cap_ptrace) {
		if (!same_user(f))
			return ACCESS_OTHER_USER;
		if (f->target_caps & ~f->my_caps)
			return ACCESS_NO_CAP;
	}
	/* Yama is asked last, after the classic checks pass */
	if (f->yama_scope >= 3 || (f->yama_scope == 2 && !f->have_cap_ptrace) ||
	    (f->yama_scope == 1 && !f->have_cap_ptrace && !f->descendant))
		return ACCESS_YAMA;
	return ACCESS_OK;
}

enum access_verdict access_after_eperm(const struct access_facts *f)
{
	enum access_verdict v = access_decide(f);
	return v != ACCESS_OK ? v : ACCESS_NO_CAP; /* undumpable: setuid, or prctl(PR_SET_DUMPABLE, 0) */
}

static const char *yama_text(const struct access_facts *f, char *buf, size_t len)
{
	if (f->yama_scope >= 3)
		snprintf(buf, len,
		         "Yama ptrace_scope is %d: no process may be traced until reboot; use memlens run to start "
		         "the program under memlens instead",
		         f->yama_scope);
	else if (f->yama_scope == 2)
		snprintf(buf, len,
		         "Yama ptrace_scope is 2: only a process with CAP_SYS_PTRACE may attach; run memlens as root "
		         "(sudo), or start the program with memlens run");
	else
		snprintf(buf, len,
		         "Yama ptrace_scope is 1: only a parent may attach to its children; run memlens as root, "
		         "lower it with 'sysctl kernel.yama.ptrace_scope=0', or start the program with memlens run");
	return buf;
}

const char *access_explain(enum access_verdict v, const struct access_facts *f, char *buf, size_t len)
{
	int pid = (int)f->pid;
	switch (v) {
	case ACCESS_OK: snprintf(buf, len, "process %d may be attached", pid); break;
	case ACCESS_NO_PROCESS:
		snprintf(buf, len, "no process %d%s; check the PID (ps, pgrep)", pid,
		         f->zombie ? " (it has exited and waits for its parent)" : "");
		break;
	case ACCESS_SELF: snprintf(buf, len, "process %d is memlens itself", pid); break;
	case ACCESS_KERNEL_THREAD:
		snprintf(buf, len,
		         "process %d is a kernel thread: it has no user memory to inspect; pick a user process", pid);
		break;
	case ACCESS_TRACED:
		snprintf(buf, len,
		         "process %d is already traced by process %d (a debugger or strace?); detach that tracer "
		         "first",
		         pid, (int)f->tracer);
		break;
	case ACCESS_OTHER_USER:
		snprintf(buf, len,
		         "process %d belongs to uid %u and memlens runs as uid %u without CAP_SYS_PTRACE; run memlens "
		         "as that user or as root",
		         pid, f->uid[1], f->my_uid);
		break;
	case ACCESS_YAMA: return yama_text(f, buf, len);
	case ACCESS_NO_CAP:
		snprintf(buf, len,
		         "attaching to process %d needs CAP_SYS_PTRACE, which memlens lacks (the process has "
		         "privileges memlens has not, or is not dumpable); run memlens as root, or in a container "
		         "add the capability (docker run --cap-add=SYS_PTRACE)",
		         pid);
		break;
	}
	return buf;
}
