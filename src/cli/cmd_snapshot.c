/* cmd_snapshot.c — `memlens snapshot PID -o FILE`: ask the memlens session watching PID for a snapshot. */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/exitcodes.h"
#include "cli/options.h"
#include "core/control.h"
#include "core/snapshot.h"

enum { OPT_HELP = 256 };

static const struct opt_spec snapshot_options[] = {
        {"output", 'o', "FILE", "write the snapshot to FILE (required)"},
        {"help", OPT_HELP, NULL, "show this help"},
        {NULL, 0, NULL, NULL},
};

static void snapshot_usage(FILE *out)
{
	fputs("usage: memlens snapshot PID -o FILE\n\n"
	      "Write a snapshot of a process memlens is watching (started by memlens run,\n"
	      "or attached with memlens attach): every call site with its counters and\n"
	      "symbolized stack, the threads, the time series so far, the live blocks.\n"
	      "The process keeps running; read the file with memlens report, diff, export.\n"
	      "Exit status: 0, or 64 usage, 73 the file cannot be written, 81 no such\n"
	      "process, 90 no memlens session watches it, 71 the session did not answer.\n\noptions:\n",
	      out);
	opt_print_help(out, snapshot_options);
}

int cmd_snapshot(int argc, char **argv)
{
	const char *output = NULL, *arg;
	int c;
	opt_reset_permuting();
	while ((c = opt_next("snapshot", argc, argv, snapshot_options, &arg)) != -1) {
		switch (c) {
		case 'o': output = arg; break;
		case OPT_HELP: snapshot_usage(stdout); return 0;
		default: return EXIT_USAGE;
		}
	}
	int first = opt_index();
	if (argc - first != 1 || !output) {
		fprintf(stderr, "memlens: snapshot: %s (usage: memlens snapshot PID -o FILE)\n",
		        !output            ? "no output file given (-o FILE)"
		        : argc - first < 1 ? "no PID given"
		                           : "more than one PID given");
		return EXIT_USAGE;
	}
	char *end;
	errno = 0;
	long pid = strtol(argv[first], &end, 10);
	if (errno || *end || end == argv[first] || pid <= 0 || pid > 0x3fffffff)
		return usage_error("snapshot", "PID", argv[first], "a process id");
	if (kill((pid_t)pid, 0) != 0 && errno == ESRCH) {
		fprintf(stderr, "memlens: snapshot: no process %ld\n", pid);
		return EXIT_NO_PROCESS;
	}
	unsigned char *data;
	size_t len;
	char err[512];
	switch (control_request_snapshot((pid_t)pid, &data, &len, err, sizeof err)) {
	case CONTROL_OK: break;
	case CONTROL_NO_INSPECTOR:
		fprintf(stderr,
		        "memlens: snapshot: no memlens session watches process %ld (start it with memlens run, or "
		        "memlens attach %ld first)\n",
		        pid, pid);
		return EXIT_NO_SESSION;
	default: fprintf(stderr, "memlens: snapshot: %s\n", err); return EXIT_OS_ERROR;
	}
	enum snap_status st = snapshot_save(data, len, output, err, sizeof err);
	free(data);
	if (st != SNAP_OK) {
		fprintf(stderr, "memlens: snapshot: %s\n", err);
		return EXIT_CANT_CREATE;
	}
	return 0;
}
