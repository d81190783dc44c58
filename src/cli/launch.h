/* launch.h — start a command with the agent preloaded and a fresh region, or explain why it cannot start. */
#ifndef MEMLENS_CLI_LAUNCH_H
#define MEMLENS_CLI_LAUNCH_H

#include <stddef.h>
#include <sys/types.h>

#include "core/region.h"

struct launch_opts {
	const char *unwind;   /* "libunwind" or "fp" */
	int max_depth;        /* 0 = default */
	uint64_t region_size; /* 0 = default */
	int output_fd;        /* > 2: the command's stdout and stderr go there, its stdin is /dev/null (the TUI owns the
	                         terminal) */
};

/* Locate a file memlens ships: $ENV if set, then beside the memlens binary
 * (build tree: .libs/ too), then the installed directory. 0 or exit status. */
int launch_find_file(const char *env, const char *name, const char *installed_dir, char *out, size_t len);
int launch_find_agent(char *out, size_t len);

/* Start argv[0] (searched in PATH) with the agent. On success fills *pid and
 * the region and returns 0; otherwise prints "memlens: ..." and returns the
 * exit status to use (126, 127, 69, 71). */
int launch_start(char **argv, const char *agent, const struct launch_opts *o, pid_t *pid, struct region *region);

#endif
