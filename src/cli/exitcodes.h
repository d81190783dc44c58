/* exitcodes.h — memlens's own exit statuses (documented in doc/memlens.1); otherwise memlens exits with the target's
 * status. */
#ifndef MEMLENS_EXITCODES_H
#define MEMLENS_EXITCODES_H

/* Values follow sysexits.h and the shell's 126/127 so scripts can tell them apart. */
enum {
	EXIT_USAGE = 64,       /* bad command line */
	EXIT_BAD_INPUT = 65,   /* malformed input file */
	EXIT_NO_INPUT = 66,    /* input file missing or unreadable */
	EXIT_NO_AGENT = 69,    /* libmemlens-agent.so not found */
	EXIT_INTERNAL = 70,    /* memlens bug or out of memory */
	EXIT_OS_ERROR = 71,    /* a system call memlens needs failed */
	EXIT_CANT_CREATE = 73, /* output file cannot be created */
	/* snapshot files (memlens report, diff, export): */
	EXIT_NOT_SNAPSHOT = 79, /* empty, or not a memlens snapshot at all */
	EXIT_NEWER_FORMAT = 80, /* a snapshot of a newer major format version */
	/* EXIT_BAD_INPUT (65) is a damaged snapshot, EXIT_NO_INPUT (66) one that cannot be read */
	/* attach and threads: why memlens may not or could not attach (src/attach/access.h) */
	EXIT_NO_PROCESS = 81,     /* no such process (or a zombie) */
	EXIT_KERNEL_THREAD = 82,  /* a kernel thread */
	EXIT_TRACED = 83,         /* already traced by another tracer (TracerPid) */
	EXIT_OTHER_USER = 84,     /* another user's process, memlens without CAP_SYS_PTRACE */
	EXIT_YAMA = 85,           /* Yama ptrace_scope forbids it */
	EXIT_NO_CAP_PTRACE = 86,  /* needs CAP_SYS_PTRACE memlens lacks (container, privileged target) */
	EXIT_TARGET_GONE = 87,    /* the process ended while memlens attached */
	EXIT_TARGET_STOPPED = 88, /* the process is stopped (SIGSTOP): the agent cannot be loaded */
	EXIT_INJECT_FAILED = 89,  /* the agent could not be loaded into the process (the reason is printed) */
	EXIT_NO_SESSION = 90,     /* memlens snapshot: no memlens session watches that process */
	EXIT_BUDGET = 100,        /* memlens script: a budget was violated */
	EXIT_HEURISTIC = 101,     /* memlens script: a heuristic fired above its threshold */
	EXIT_SCRIPT_ERROR = 102,  /* memlens script: a Lua script failed (load or callback) */
	EXIT_NOT_EXECUTABLE = 126,
	EXIT_NOT_FOUND = 127,
};

#endif
