/* frontend.h — which front end watches a live target (the TUI or the headless report), and the options they share; one
 * rule for run, demo and attach. */
#ifndef MEMLENS_CLI_FRONTEND_H
#define MEMLENS_CLI_FRONTEND_H

#include <stddef.h>

#include "tui/tui.h"

enum frontend {
	FRONTEND_HEADLESS,
	FRONTEND_TUI,
};

/* Option keys of the shared options (above those of any command's own table). */
enum {
	FRONTEND_OPT_REFRESH = 512,
	FRONTEND_OPT_GRAPH,
	FRONTEND_OPT_NO_COLOR,
	FRONTEND_OPT_LOG,
	FRONTEND_OPT_OUTPUT_TO,
	FRONTEND_OPT_NO_STDLIB,
	FRONTEND_OPT_VERBOSE = 'v',
	FRONTEND_OPT_SCRIPT = 's',
};

/* Entries for a command's option table (struct opt_spec), so that every command that
 * watches a live target offers them alike. FRONTEND_WATCH_OPTION_SPECS are those of any
 * watched process; --command-output only applies to a command memlens starts. */
#define FRONTEND_WATCH_OPTION_SPECS                                                                                    \
	{"refresh", FRONTEND_OPT_REFRESH, "T", "TUI: redraw every T (default 1s; sampling keeps its own --interval)"}, \
	        {"graph", FRONTEND_OPT_GRAPH, "STYLE",                                                                 \
	         "TUI graphs: braille, block or ascii (default: braille on a UTF-8 terminal, else ascii)"},            \
	        {"no-color", FRONTEND_OPT_NO_COLOR, NULL,                                                              \
	         "TUI without colours (as does NO_COLOR in the environment)"},                                         \
	        {"log", FRONTEND_OPT_LOG, "FILE", "append memlens's own messages (the TUI's Log view) to FILE"},       \
	        {"script", FRONTEND_OPT_SCRIPT, "FILE",                                                                \
	         "load a Lua script: budgets, heuristics, callbacks (repeatable; doc/lua-api.md)"},                    \
	        {"no-stdlib", FRONTEND_OPT_NO_STDLIB, NULL, "without the standard Lua heuristics (Leaks view)"},       \
	{                                                                                                              \
		"verbose", FRONTEND_OPT_VERBOSE, NULL, "more messages in the log (timings, captures)"                  \
	}

#define FRONTEND_OPTION_SPECS                                                                                          \
	FRONTEND_WATCH_OPTION_SPECS,                                                                                   \
	{                                                                                                              \
		"command-output", FRONTEND_OPT_OUTPUT_TO, "FILE",                                                      \
		        "send the command's stdout and stderr to FILE (the TUI's default: a new file in $TMPDIR)"      \
	}

#define FRONTEND_MAX_SCRIPTS 16

struct frontend_opts {
	int headless;
	struct tui_opts tui;
	const char *output_to; /* --command-output */
	const char *log_file;
	int verbose;
	const char *scripts[FRONTEND_MAX_SCRIPTS]; /* -s */
	int nscripts;
	int no_stdlib;
};

/* Handle one of the shared options for command cmd: 0 when taken, an exit status after a
 * bad value, -1 when key is not one of them. */
int frontend_option(const char *cmd, int key, const char *arg, struct frontend_opts *o);

/* Open --log and set -v; 0 or an exit status (73) after saying why. */
int frontend_start_log(const struct frontend_opts *o);

/* The TUI unless --headless, unless the report goes to standard output (report_on_stdout:
 * --json without a report file), unless the terminal cannot show it. A user at a terminal
 * who asked for nothing is told on stderr why there is no TUI (TERM=dumb, ...). Headless
 * front ends print memlens's messages on stderr; the TUI keeps them in its Log view. */
enum frontend frontend_choose(const struct frontend_opts *o, int report_on_stdout);

/* Where the command's stdout and stderr go: --command-output, or with the TUI a new file
 * in $TMPDIR (0600, never an existing name). Returns an open descriptor with the path in
 * out, -2 when the command keeps memlens's own stdout and stderr, or -1 after printing why
 * it cannot be created. */
int frontend_output_file(const struct frontend_opts *o, enum frontend fe, char *out, size_t len);

/* After the TUI: remove an unused default output file, or say where the command's output is. */
void frontend_output_done(const struct frontend_opts *o, const char *path);

#endif
