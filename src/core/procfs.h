/* procfs.h — what the kernel says about a process and its threads, read from /proc. */
#ifndef MEMLENS_CORE_PROCFS_H
#define MEMLENS_CORE_PROCFS_H

#include <stdint.h>
#include <sys/types.h>

struct proc_status {
	uint64_t rss;      /* VmRSS, bytes */
	uint64_t rss_anon; /* RssAnon */
	uint64_t hwm;      /* VmHWM: the kernel's peak RSS */
	uint64_t vmsize;   /* VmSize */
	uint32_t threads;  /* Threads */
};

struct proc_task {
	pid_t tid;
	char name[16];
	char state;     /* R, S, D, T, Z, ... */
	unsigned flags; /* the kernel's PF_* flags (PF_KTHREAD = 0x00200000) */
	double utime_s, stime_s;
};

/* 0, or -errno (-ESRCH once the process is gone). */
int procfs_status(pid_t pid, struct proc_status *out);
/* Calls fn for every thread; returns the count or -errno. */
int procfs_tasks(pid_t pid, void (*fn)(const struct proc_task *, void *), void *arg);
/* One thread's figures (pid == tid for the main thread). 0 or -errno. */
int procfs_task(pid_t pid, pid_t tid, struct proc_task *out);
const char *procfs_state_name(char state);
/* The process's command line as an owned argv (free each string, then the array; NULL-terminated).
 * A process with an empty command line (a kernel thread, a zombie) gets its name in brackets. */
int procfs_cmdline(pid_t pid, int *argc, char ***argv);

#endif
