/* stackwalk.h — the call stack of a thread of another process, stopped under ptrace, through libunwind-ptrace. */
#ifndef MEMLENS_ATTACH_STACKWALK_H
#define MEMLENS_ATTACH_STACKWALK_H

#include <stdint.h>
#include <sys/types.h>

#define STACKWALK_MAX 256

struct stack {
	uint64_t ips[STACKWALK_MAX];
	int depth;
	int truncated;  /* deeper than asked */
	int complete;   /* libunwind reached the outermost frame (not an unwinding error) */
	uint64_t exact; /* bit i (i < 64): ips[i] is an exact pc (frame 0, below a signal frame) */
};

/* One per process: libunwind's address space with its cache of unwind tables. */
struct stackwalk;

struct stackwalk *stackwalk_new(void);
void stackwalk_free(struct stackwalk *w);
/* Walk the stopped thread tid's stack, at most max frames (<= STACKWALK_MAX). 0 or -errno. */
int stackwalk_take(struct stackwalk *w, pid_t tid, int max, struct stack *out);

#endif
