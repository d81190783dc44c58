/* frontend.c — choose between the TUI and the headless report, and set up what they share (options, log, the command's
 * output). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/exitcodes.h"
#include "cli/frontend.h"
#include "core/log.h"
#include "core/util.h"

int frontend_option(const char *cmd, int key, const char *arg, struct frontend_opts *o)
{
	uint64_t ns;
	switch (key) {
	case FRONTEND_OPT_REFRESH:
		if (util_parse_duration(arg, &ns) != 0 || ns < 50000000u || ns > 3600000000000u)
			return usage_error(cmd, "--refresh", arg, "a duration from 50ms to 1h");
		o->tui.refresh_ns = ns;
		return 0;
	case FRONTEND_OPT_GRAPH:
		if (strcmp(arg, "braille") == 0)
			o->tui.graph = GRAPH_BRAILLE;
		else if (strcmp(arg, "block") == 0)
			o->tui.graph = GRAPH_BLOCK;
		else if (strcmp(arg, "ascii") == 0)
			o->tui.graph = GRAPH_ASCII;
		else
			return usage_error(cmd, "--graph", arg, "braille, block or ascii");
		return 0;
	case FRONTEND_OPT_NO_COLOR: o->tui.no_color = 1; return 0;
	case FRONTEND_OPT_OUTPUT_TO: o->output_to = arg; return 0;
	case FRONTEND_OPT_LOG: o->log_file = arg; return 0;
	case FRONTEND_OPT_VERBOSE: o->verbose = 1; return 0;
	case FRONTEND_OPT_NO_STDLIB: o->no_stdlib = 1; return 0;
	case FRONTEND_OPT_SCRIPT:
		if (o->nscripts == FRONTEND_MAX_SCRIPTS)
			return usage_error(cmd, "--script", arg, "at most 16 scripts");
		o->scripts[o->nscripts++] = arg;
		return 0;
	default: return -1;
	}
}

int frontend_start_log(const struct frontend_opts *o)
{
	log_set_verbose(o->verbose);
	if (!o->log_file)
		return 0;
	int e = log_open_file(o->log_file);
	if (e < 0) {
		fprintf(stderr, "memlens: cannot open the log file %s: %s\n", o->log_file, strerror(-e));
		return EXIT_CANT_CREATE;
	}
	return 0;
}

enum frontend frontend_choose(const struct frontend_opts *o, int report_on_stdout)
{
	char why[128];
	enum frontend fe = FRONTEND_HEADLESS;
	if (!o->headless && !report_on_stdout) {
		if (tui_possible(why, sizeof why))
			fe = FRONTEND_TUI;
		else if (isatty(STDOUT_FILENO))
			fprintf(stderr, "memlens: no TUI (%s): the report follows when the command ends\n", why);
	}
	log_to_stderr(fe == FRONTEND_HEADLESS);
	return fe;
}

static int create_private(char *out, size_t len)
{
	const char *dir = getenv("TMPDIR");
	if (!dir || !*dir)
		dir = "/tmp";
	snprintf(out, len, "%s/memlens-output.XXXXXX", dir);
	int fd = mkostemp(out, O_CLOEXEC | O_APPEND);
	if (fd < 0)
		fprintf(stderr,
		        "memlens: cannot create a file for the command's output in %s: %s (see --command-output)\n",
		        dir, strerror(errno));
	return fd;
}

int frontend_output_file(const struct frontend_opts *o, enum frontend fe, char *out, size_t len)
{
	if (!o->output_to) {
		out[0] = '\0';
		return fe == FRONTEND_TUI ? create_private(out, len) : -2;
	}
	snprintf(out, len, "%s", o->output_to);
	int fd = open(o->output_to, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
	if (fd < 0)
		fprintf(stderr, "memlens: cannot open %s for the command's output: %s\n", o->output_to,
		        strerror(errno));
	return fd;
}

void frontend_output_done(const struct frontend_opts *o, const char *path)
{
	struct stat st;
	if (!path || !*path || o->output_to || stat(path, &st) != 0)
		return;
	if (st.st_size == 0)
		unlink(path);
	else
		fprintf(stderr, "memlens: the command's output is in %s\n", path);
}
