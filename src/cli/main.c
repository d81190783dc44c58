/* main.c — memlens's entry point: the command table, global options, dispatch. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/exitcodes.h"
#include "tui/tui.h"

struct command {
	const char *name;
	const char *args;
	const char *summary;
	int (*run)(int argc, char **argv);
};

/* The one list of commands: dispatch and --help both read it. */
static const struct command commands[] = {
        {"run", "[options] -- CMD [ARGS]", "run CMD under the agent: the live TUI, or a report when it ends", cmd_run},
        {"attach", "[options] PID", "watch a running process; --no-inject: /proc and stacks only", cmd_attach},
        {"threads", "[options] PID", "thread dump: every thread's state and stack, grouped", cmd_threads},
        {"demo", "[options]", "run the bundled demo workload under memlens", cmd_demo},
        {"snapshot", "PID -o FILE", "write a snapshot of a process memlens is watching", cmd_snapshot},
        {"report", "[options] FILE", "print the report of a snapshot file", cmd_report},
        {"diff", "[options] A B", "what grew and shrank between two snapshots", cmd_diff},
        {"export", "FILE --format F", "a snapshot as pprof, folded stacks or JSON", cmd_export},
        {"script", "FILE.lua -- CMD [ARGS]", "check Lua budgets and leak heuristics on CMD, headless", cmd_script},
};

#define NCOMMANDS (sizeof commands / sizeof commands[0])

int usage_error(const char *cmd, const char *option, const char *value, const char *expected)
{
	fprintf(stderr, "memlens: %s: bad value '%s' for %s (expected %s)\n", cmd, value, option, expected);
	return EXIT_USAGE;
}

static void usage(FILE *out)
{
	fputs("usage: memlens COMMAND [options] [ARGS]\n\n"
	      "memlens shows where a Linux process's memory goes: every heap allocation\n"
	      "with its call stack, live and peak figures per call site and per thread.\n\n"
	      "commands:\n",
	      out);
	for (size_t i = 0; i < NCOMMANDS; i++) {
		char left[48];
		snprintf(left, sizeof left, "%s %s", commands[i].name, commands[i].args);
		fprintf(out, "  %-32s %s\n", left, commands[i].summary);
	}
	fputs("\noptions:\n"
	      "  -h, --help                       show this help\n"
	      "  -V, --version                    show the version\n"
	      "      --keys                       list the TUI's key bindings\n"
	      "\n'memlens COMMAND --help' shows a command's options; 'man memlens' the rest.\n",
	      out);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	const char *name = argv[1];
	if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 || strcmp(name, "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(name, "--version") == 0 || strcmp(name, "-V") == 0) {
		printf("memlens %s\n", PACKAGE_VERSION);
		return 0;
	}
	if (strcmp(name, "--keys") == 0) {
		tui_print_keys(stdout);
		return 0;
	}
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (strcmp(name, commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "memlens: unknown command '%s' (see 'memlens --help')\n", name);
	return EXIT_USAGE;
}
