/* threaddump.h — take every thread's stack from a running process (ptrace + libunwind-ptrace) into the model. */
#ifndef MEMLENS_ATTACH_THREADDUMP_H
#define MEMLENS_ATTACH_THREADDUMP_H

#include <stdint.h>
#include <sys/types.h>

#include "core/model.h"

/*
 * One thread at a time: seize, interrupt, unwind, detach — each thread is stopped only while
 * its own stack is read (m->dump says how long). /proc's name, state and CPU times are read just
 * before. The stacks go into the model (model_thread_stack); the process's modules are
 * handed to the model's symbolizer. max_depth bounds each stack (at most 64).
 * Returns 0, or -errno when the process cannot be dumped at all (-ESRCH gone, -EPERM ...);
 * threads that fail one by one are recorded with their error instead.
 */
int threaddump_take(struct model *m, pid_t pid, int max_depth);

/* When the agent records in the process (memlens run, or an attach in progress), copy each
 * thread's heap figures from its region (read in the process's memory: the region is not
 * ours) into the model's threads. 1 when it did, 0 when there is no recording agent. */
int threaddump_heap_figures(struct model *m, pid_t pid);

#endif
