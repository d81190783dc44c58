/* cmd_diff.c — `memlens diff A B`: what grew and shrank between two snapshots, by site, function or module. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/exitcodes.h"
#include "cli/options.h"
#include "cli/snapfile.h"
#include "core/diff.h"
#include "core/report.h"
#include "core/util.h"

enum { OPT_HELP = 256, OPT_BY, OPT_FILTER, OPT_MIN };

static const struct opt_spec diff_options[] = {
        {"top", 'n', "N", "rows listed that grew, and that shrank (default 10)"},
        {"by", OPT_BY, "WHAT", "site (whole stack, the default), function (the allocating function) or module"},
        {"filter", OPT_FILTER, "REGEX", "only sites with a frame whose function, file or module matches (PCRE2)"},
        {"min", OPT_MIN, "BYTES", "only rows whose live bytes changed by at least BYTES"},
        {"json", 'j', NULL, "write the diff as JSON (doc/diff-json.md)"},
        {"help", OPT_HELP, NULL, "show this help"},
        {NULL, 0, NULL, NULL},
};

static void diff_usage(FILE *out)
{
	fputs("usage: memlens diff [options] A B\n\n"
	      "Compare two snapshots: what grew and what shrank from A to B, in live bytes\n"
	      "and blocks (not freed at the snapshot) and in allocated bytes and calls (every\n"
	      "allocation up to it). Call sites are matched by their symbolized frames, so\n"
	      "two runs (different address layouts) or two builds of the same code match.\n"
	      "Exit status: 0, or 64 usage (a bad --filter pattern too), 65 damaged snapshot,\n"
	      "66 unreadable file, 79 not a snapshot, 80 snapshot of a newer memlens.\n\noptions:\n",
	      out);
	opt_print_help(out, diff_options);
}

int cmd_diff(int argc, char **argv)
{
	struct diff_opts o = {.by = DIFF_BY_SITE};
	int top = REPORT_DEFAULT_TOP, json = 0;
	const char *arg;
	int c;
	opt_reset_permuting();
	while ((c = opt_next("diff", argc, argv, diff_options, &arg)) != -1) {
		uint64_t v;
		switch (c) {
		case 'j': json = 1; break;
		case 'n':
			if (opt_top("diff", arg, &top))
				return EXIT_USAGE;
			break;
		case OPT_BY:
			if (strcmp(arg, "site") == 0)
				o.by = DIFF_BY_SITE;
			else if (strcmp(arg, "function") == 0)
				o.by = DIFF_BY_FUNCTION;
			else if (strcmp(arg, "module") == 0)
				o.by = DIFF_BY_MODULE;
			else
				return usage_error("diff", "--by", arg, "site, function or module");
			break;
		case OPT_FILTER: o.filter = arg; break;
		case OPT_MIN:
			if (util_parse_size(arg, &v) != 0)
				return usage_error("diff", "--min", arg, "a size like 4096, 64k or 1MiB");
			o.min_bytes = v;
			break;
		case OPT_HELP: diff_usage(stdout); return 0;
		default: return EXIT_USAGE;
		}
	}
	int first = opt_index();
	if (argc - first != 2) {
		fprintf(stderr, "memlens: diff: %s (usage: memlens diff [options] A B)\n",
		        argc - first < 2 ? "two snapshot files needed" : "more than two files given");
		return EXIT_USAGE;
	}
	struct model a, b;
	int r = snapfile_load(argv[first], &a);
	if (r)
		return r;
	if ((r = snapfile_load(argv[first + 1], &b)) != 0) {
		model_done(&a);
		return r;
	}
	struct diff d;
	char err[512];
	if (diff_compute(&a, &b, &o, &d, err, sizeof err) != 0) {
		fprintf(stderr, "memlens: diff: bad --filter pattern '%s' %s\n", o.filter, err);
		r = EXIT_USAGE;
	} else {
		if (json)
			diff_write_json(stdout, &d, argv[first], argv[first + 1], top);
		else
			diff_write_text(stdout, &d, argv[first], argv[first + 1], top);
		diff_free(&d);
		if (fflush(stdout) != 0 && errno != EPIPE) {
			fprintf(stderr, "memlens: diff: cannot write: %s\n", strerror(errno));
			r = EXIT_OS_ERROR;
		}
	}
	model_done(&a);
	model_done(&b);
	return r;
}
