/* cmd_export.c — `memlens export FILE --format pprof|collapsed|json`: a snapshot for other tools. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/exitcodes.h"
#include "cli/options.h"
#include "cli/outfile.h"
#include "cli/snapfile.h"
#include "core/export.h"

enum { OPT_HELP = 256, OPT_FORMAT, OPT_VALUE };

static const struct opt_spec export_options[] = {
        {"format", OPT_FORMAT, "FMT", "pprof (gzipped profile.proto), collapsed (folded stacks) or json"},
        {"value", OPT_VALUE, "WHAT",
         "collapsed only: inuse_space (live bytes, the default), inuse_objects, alloc_space, alloc_objects"},
        {"output", 'o', "OUT", "write to OUT instead of standard output"},
        {"help", OPT_HELP, NULL, "show this help"},
        {NULL, 0, NULL, NULL},
};

static void export_usage(FILE *out)
{
	fputs("usage: memlens export FILE --format pprof|collapsed|json [-o OUT]\n\n"
	      "Write a snapshot in another tool's format:\n"
	      "  pprof      gzipped profile.proto with alloc_objects, alloc_space, inuse_objects\n"
	      "             and inuse_space per heap call site: go tool pprof -top OUT\n"
	      "  collapsed  'outermost;...;innermost VALUE' lines for flame-graph tools\n"
	      "  json       everything in the snapshot (doc/export-json.md)\n"
	      "Exit status: 0, or 64 usage, 65 damaged snapshot, 66 unreadable file,\n"
	      "73 OUT cannot be written, 79 not a snapshot, 80 snapshot of a newer memlens.\n\noptions:\n",
	      out);
	opt_print_help(out, export_options);
}

int cmd_export(int argc, char **argv)
{
	const char *format = NULL, *output = NULL, *arg;
	enum export_value value = EXPORT_INUSE_SPACE;
	int value_given = 0, c;
	opt_reset_permuting();
	while ((c = opt_next("export", argc, argv, export_options, &arg)) != -1) {
		switch (c) {
		case OPT_FORMAT:
			if (strcmp(arg, "pprof") != 0 && strcmp(arg, "collapsed") != 0 && strcmp(arg, "json") != 0)
				return usage_error("export", "--format", arg, "pprof, collapsed or json");
			format = arg;
			break;
		case OPT_VALUE:
			value_given = 1;
			if (strcmp(arg, "inuse_space") == 0)
				value = EXPORT_INUSE_SPACE;
			else if (strcmp(arg, "inuse_objects") == 0)
				value = EXPORT_INUSE_OBJECTS;
			else if (strcmp(arg, "alloc_space") == 0)
				value = EXPORT_ALLOC_SPACE;
			else if (strcmp(arg, "alloc_objects") == 0)
				value = EXPORT_ALLOC_OBJECTS;
			else
				return usage_error("export", "--value", arg,
				                   "inuse_space, inuse_objects, alloc_space or alloc_objects");
			break;
		case 'o': output = arg; break;
		case OPT_HELP: export_usage(stdout); return 0;
		default: return EXIT_USAGE;
		}
	}
	int first = opt_index();
	if (argc - first != 1 || !format) {
		fprintf(stderr, "memlens: export: %s (usage: memlens export FILE --format pprof|collapsed|json)\n",
		        !format            ? "no --format given"
		        : argc - first < 1 ? "no snapshot file given"
		                           : "more than one file given");
		return EXIT_USAGE;
	}
	if (value_given && strcmp(format, "collapsed") != 0) {
		fputs("memlens: export: --value is for --format collapsed (pprof carries all four values)\n", stderr);
		return EXIT_USAGE;
	}
	if (strcmp(format, "pprof") == 0 && !output && isatty(STDOUT_FILENO)) {
		fputs("memlens: export: pprof output is gzipped binary: give -o OUT or redirect it\n", stderr);
		return EXIT_USAGE;
	}
	struct model m;
	int r = snapfile_load(argv[first], &m);
	if (r)
		return r;
	char tmp[4096];
	FILE *out;
	if ((r = outfile_open(output, tmp, sizeof tmp, &out)) != 0) {
		model_done(&m);
		return r;
	}
	int rc = strcmp(format, "pprof") == 0       ? export_pprof(out, &m)
	         : strcmp(format, "collapsed") == 0 ? export_collapsed(out, &m, value)
	                                            : export_json(out, &m);
	model_done(&m);
	if (rc != 0) {
		fprintf(stderr, "memlens: export: cannot write %s\n", output ? output : "to standard output");
		if (output) {
			fclose(out);
			unlink(tmp);
		}
		return output ? EXIT_CANT_CREATE : EXIT_OS_ERROR;
	}
	return outfile_finish(output, tmp, out);
}
