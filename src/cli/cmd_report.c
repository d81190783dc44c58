/* cmd_report.c — `memlens report FILE`: the headless report of a snapshot, by the same code `run` uses. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/exitcodes.h"
#include "cli/options.h"
#include "cli/snapfile.h"
#include "core/report.h"

enum { OPT_HELP = 256 };

static const struct opt_spec report_options[] = {
        {"top", 'n', "N", "sites listed per table (default 10)"},
        {"json", 'j', NULL, "write the report as JSON (doc/report-json.md)"},
        {"help", OPT_HELP, NULL, "show this help"},
        {NULL, 0, NULL, NULL},
};

static void report_usage(FILE *out)
{
	fputs("usage: memlens report [options] FILE\n\n"
	      "Print the report of a snapshot (written by memlens run -o, memlens snapshot,\n"
	      "the TUI's s key or a Lua script): totals, the peak, top call sites, threads;\n"
	      "the same report memlens run prints. The binaries need not be there.\n"
	      "Exit status: 0, or 64 usage, 65 damaged snapshot, 66 unreadable file,\n"
	      "79 not a snapshot, 80 snapshot of a newer memlens.\n\noptions:\n",
	      out);
	opt_print_help(out, report_options);
}

int cmd_report(int argc, char **argv)
{
	struct report_opts ro = {.top = REPORT_DEFAULT_TOP};
	const char *arg;
	int c;
	opt_reset_permuting();
	while ((c = opt_next("report", argc, argv, report_options, &arg)) != -1) {
		switch (c) {
		case 'j': ro.json = 1; break;
		case 'n':
			if (opt_top("report", arg, &ro.top))
				return EXIT_USAGE;
			break;
		case OPT_HELP: report_usage(stdout); return 0;
		default: return EXIT_USAGE;
		}
	}
	int first = opt_index();
	if (argc - first != 1) {
		fprintf(stderr, "memlens: report: %s (usage: memlens report [options] FILE)\n",
		        argc - first < 1 ? "no snapshot file given" : "more than one file given");
		return EXIT_USAGE;
	}
	struct model m;
	int r = snapfile_load(argv[first], &m);
	if (r)
		return r;
	report_write(stdout, &m, NULL, &ro);
	model_done(&m);
	if (fflush(stdout) != 0 && errno != EPIPE) {
		fprintf(stderr, "memlens: report: cannot write the report: %s\n", strerror(errno));
		return EXIT_OS_ERROR;
	}
	return 0;
}
