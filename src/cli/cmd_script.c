/* cmd_script.c — `memlens script`: run Lua budgets and heuristics headless against a command; the exit status says how
 * it went. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/exitcodes.h"
#include "cli/launch.h"
#include "cli/options.h"
#include "cli/outfile.h"
#include "core/session.h"
#include "core/snapshot.h"
#include "core/util.h"
#include "lua/host.h"

enum { OPT_NO_STDLIB = 256, OPT_LUA_DIR, OPT_INSTR, OPT_INTERVAL, OPT_UNWIND, OPT_DEPTH, OPT_REGION, OPT_HELP };

static const struct opt_spec script_options[] = {
        {"pid", 'p', "PID", "watch a running process: load the agent into it as attach does"},
        {"duration", 'd', "T", "stop after T (10s, 5m) and report; a command memlens started is ended"},
        {"json", 'j', NULL, "print the results as JSON (doc/lua-api.md)"},
        {"output", 'o', "FILE", "write a snapshot to FILE at the end (for memlens report, diff, export)"},
        {"report", 'r', "FILE", "write the results to FILE instead of standard output"},
        {"keep-going", 'k', NULL, "run the command even when a script fails to load"},
        {"no-stdlib", OPT_NO_STDLIB, NULL, "do not load the standard heuristics"},
        {"lua-dir", OPT_LUA_DIR, "DIR", "the Lua library directory (default: the installed one)"},
        {"max-instructions", OPT_INSTR, "N", "cancel a callback after N Lua instructions (default 10000000)"},
        {"interval", OPT_INTERVAL, "T", "sampling period (default 100ms)"},
        {"unwind", OPT_UNWIND, "HOW", "cfi (default), libunwind or fp"},
        {"max-depth", OPT_DEPTH, "N", "frames kept per stack, 1..64 (default 64)"},
        {"region-size", OPT_REGION, "SIZE", "size of the shared region (default 4GiB, sparse)"},
        {"help", OPT_HELP, NULL, "show this help"},
        {NULL, 0, NULL, NULL},
};

struct script_opts {
	const char *file, *report_file, *snapshot_file, *lua_dir;
	long pid;
	int json, keep_going, no_stdlib;
	uint64_t duration_ns, interval_ns, max_instructions;
	struct launch_opts launch;
};

static void script_usage(FILE *out)
{
	fputs("usage: memlens script [options] FILE.lua [options] -- CMD [ARGS...]\n"
	      "       memlens script [options] FILE.lua --pid PID\n\n"
	      "Run CMD under memlens (or attach to process PID, loading the agent into it as\n"
	      "`memlens attach` does) with the Lua script FILE.lua and the standard library of\n"
	      "heuristics watching it: budgets are checked on every sample, heuristics on\n"
	      "their schedule. When CMD ends (or after --duration, or on Ctrl-C) print the\n"
	      "findings and the budget table (text, or --json). An attached process is left\n"
	      "running, the agent dormant in it. The Lua API is in doc/lua-api.md.\n\n"
	      "exit status:\n"
	      "  0   every budget held and no heuristic fired above its threshold\n"
	      "  100 a budget was violated\n"
	      "  101 a heuristic fired above its threshold (and no budget was violated)\n"
	      "  102 a script failed: it did not load, or a callback raised an error or ran\n"
	      "      past --max-instructions (this wins over 100 and 101)\n"
	      "  N   the code the script gave memlens.exit(N) (this wins over everything)\n"
	      "  64 usage, 66 script not found, 69 agent not found, 70 internal,\n"
	      "  71 system error, 73 cannot create the output, 126/127 CMD not executable/found,\n"
	      "  81-89 --pid: memlens may not or could not attach (see memlens attach --help).\n"
	      "The command's own exit status is in the results, not in memlens's.\n\n"
	      "options:\n",
	      out);
	opt_print_help(out, script_options);
}

static int parse_one(int c, const char *arg, struct script_opts *o)
{
	uint64_t v;
	char *end;
	switch (c) {
	case 'p':
		errno = 0;
		o->pid = strtol(arg, &end, 10);
		if (errno || *end || o->pid <= 0 || o->pid > INT_MAX)
			return usage_error("script", "--pid", arg, "a process id");
		return -1;
	case 'd': return opt_duration("script", arg, &o->duration_ns) ? EXIT_USAGE : -1;
	case 'j': o->json = 1; return -1;
	case 'o': o->snapshot_file = arg; return -1;
	case 'r': o->report_file = arg; return -1;
	case 'k': o->keep_going = 1; return -1;
	case OPT_NO_STDLIB: o->no_stdlib = 1; return -1;
	case OPT_LUA_DIR: o->lua_dir = arg; return -1;
	case OPT_INSTR:
		if (util_parse_size(arg, &v) != 0 || v < 1000)
			return usage_error("script", "--max-instructions", arg, "a number of at least 1000");
		o->max_instructions = v;
		return -1;
	case OPT_INTERVAL: return opt_interval("script", arg, &o->interval_ns) ? EXIT_USAGE : -1;
	case OPT_UNWIND: {
		uint32_t unwinder;
		o->launch.unwind = arg;
		return opt_unwind("script", arg, &unwinder) ? EXIT_USAGE : -1;
	}
	case OPT_DEPTH: return opt_max_depth("script", arg, &o->launch.max_depth) ? EXIT_USAGE : -1;
	case OPT_REGION: return opt_region_size("script", arg, &o->launch.region_size) ? EXIT_USAGE : -1;
	case OPT_HELP: script_usage(stdout); return 0;
	default: return EXIT_USAGE;
	}
}

/* Options before and after FILE.lua; *first is then the index of CMD (argc if none). */
static int parse_script_options(int argc, char **argv, struct script_opts *o, int *first)
{
	memset(o, 0, sizeof *o);
	o->interval_ns = 100000000u;
	const char *arg;
	int c, r;
	opt_reset();
	while ((c = opt_next("script", argc, argv, script_options, &arg)) != -1)
		if ((r = parse_one(c, arg, o)) >= 0)
			return r;
	int i = opt_index();
	if (i >= argc || strcmp(argv[i - 1], "--") == 0) {
		fputs("memlens: script: no script given (usage: memlens script [options] FILE.lua -- CMD [ARGS...])\n",
		      stderr);
		return EXIT_USAGE;
	}
	o->file = argv[i];
	/* the options after FILE: parsed as a command line of their own */
	opt_reset();
	int rest = argc - i;
	while ((c = opt_next("script", rest, argv + i, script_options, &arg)) != -1)
		if ((r = parse_one(c, arg, o)) >= 0)
			return r;
	*first = i + opt_index();
	return -1;
}

static int lua_dir_ok(const char *dir)
{
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s/memlens/report.lua", dir);
	return access(path, R_OK) == 0;
}

int script_find_lua_dir(const char *given, char *out, size_t len)
{
	const char *forced = given ? given : getenv("MEMLENS_LUA_DIR");
	if (forced && *forced) {
		if (!lua_dir_ok(forced)) {
			fprintf(stderr, "memlens: %s is not a memlens Lua library (no memlens/report.lua in it)\n",
			        forced);
			return EXIT_NO_INPUT;
		}
		snprintf(out, len, "%s", forced);
		return 0;
	}
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n > 0) {
		exe[n] = '\0';
		char *slash = strrchr(exe, '/');
		if (slash)
			*slash = '\0';
		const char *rel[] = {"lua", "../share/memlens/lua"};
		for (size_t i = 0; i < sizeof rel / sizeof rel[0]; i++) {
			snprintf(out, len, "%s/%s", exe, rel[i]);
			if (lua_dir_ok(out))
				return 0;
		}
	}
	snprintf(out, len, "%s/lua", PKGDATADIR);
	if (lua_dir_ok(out))
		return 0;
	fprintf(stderr,
	        "memlens: cannot find the Lua library (looked beside the memlens binary and in %s/lua; set "
	        "MEMLENS_LUA_DIR or --lua-dir)\n",
	        PKGDATADIR);
	return EXIT_NO_INPUT;
}

/* Headless log: every line to stderr, with the time into the run. */
static void log_stderr(void *arg, enum host_level level, double t, const char *msg)
{
	fprintf(stderr, "memlens: [%6.1fs] %s%s\n", t, level == HOST_ERROR ? "error: " : "", msg);
}

/* Watch the session with the host as its client until it ends; then the last checks and
 * on_exit, a snapshot (-o) and the results to out. 0, or an exit status. */
static int watch(struct host *h, struct session *s, const struct script_opts *o, FILE *out,
                 struct inject_info *attached)
{
	if (o->duration_ns)
		s->deadline_ns = util_now_ns() + o->duration_ns;
	host_bind(h, s);
	struct session_client c;
	host_client(h, &c);
	session_add_client(s, &c);
	enum session_end why = session_loop(s);
	if (attached)
		attach_end(s, attached); /* the process goes on, the agent dormant in it */
	session_finish(s);
	host_finish(h, why);
	int r = 0;
	if (o->snapshot_file) {
		char err[512];
		if (snapshot_write(&s->model, &s->region, o->snapshot_file, err, sizeof err) != SNAP_OK) {
			fprintf(stderr, "memlens: %s\n", err);
			r = EXIT_CANT_CREATE;
		}
	}
	if (o->json)
		host_report_json(h, out, o->file);
	else
		host_report_text(h, out);
	if (!s->ended && !attached)
		session_end_target(s); /* a command memlens started; never a process it attached to */
	host_bind(h, NULL);
	return r;
}

static int unwinder_of(const char *name)
{
	if (!name || strcmp(name, "cfi") == 0)
		return MLR_UNWIND_CFI;
	return strcmp(name, "fp") == 0 ? MLR_UNWIND_FP : MLR_UNWIND_LIBUNWIND;
}

/* Start the command, or attach to --pid, and watch it. *started: the session began. */
static int run(struct host *h, char **argv, int argc, const struct script_opts *o, FILE *out, int *started)
{
	session_install_signals();
	struct session s;
	struct inject_info info;
	int r;
	if (o->pid) {
		struct inject_opts io = {NULL, o->launch.region_size, unwinder_of(o->launch.unwind),
		                         o->launch.max_depth};
		if ((r = attach_begin("script", (pid_t)o->pid, &io, o->interval_ns, &s, &info)) != 0)
			return r;
	} else {
		char agent[PATH_MAX];
		pid_t pid;
		struct region region;
		if ((r = launch_find_agent(agent, sizeof agent)) != 0 ||
		    (r = launch_start(argv, agent, &o->launch, &pid, &region)) != 0)
			return r;
		session_begin(&s, pid, 1, &region, argc, argv, o->interval_ns);
	}
	signal(SIGPIPE, SIG_IGN); /* only now: a command memlens starts must not inherit it ignored */
	*started = 1;
	r = watch(h, &s, o, out, o->pid ? &info : NULL);
	session_done(&s);
	return r;
}

static int check_script(const char *file)
{
	struct stat st;
	const char *why = NULL;
	if (stat(file, &st) != 0 || access(file, R_OK) != 0)
		why = strerror(errno);
	else if (!S_ISREG(st.st_mode))
		why = "not a regular file";
	if (why)
		fprintf(stderr, "memlens: script: cannot read %s: %s\n", file, why);
	return why ? EXIT_NO_INPUT : 0;
}

int cmd_script(int argc, char **argv)
{
	struct script_opts o;
	int first = argc;
	int r = parse_script_options(argc, argv, &o, &first);
	if (r >= 0)
		return r;
	if (o.pid && first < argc) {
		fputs("memlens: script: give either --pid PID or -- CMD, not both\n", stderr);
		return EXIT_USAGE;
	}
	if (!o.pid && first >= argc) {
		fputs("memlens: script: no command given (usage: memlens script FILE.lua -- CMD [ARGS...])\n", stderr);
		return EXIT_USAGE;
	}
	if ((r = check_script(o.file)) != 0)
		return r;
	char dir[PATH_MAX];
	if ((r = script_find_lua_dir(o.lua_dir, dir, sizeof dir)) != 0)
		return r;
	struct host_opts ho = {
	        .lua_dir = dir,
	        .no_stdlib = o.no_stdlib,
	        .max_instructions = o.max_instructions,
	        .log = log_stderr,
	};
	struct host *h = host_new(&ho);
	host_load_stdlib(h);
	host_load(h, o.file);
	if (host_exit_requested(h)) {
		r = host_exit_status(h);
		host_free(h);
		return r;
	}
	if (host_error_count(h) && !o.keep_going) {
		fprintf(stderr,
		        "memlens: script: %zu error%s while loading %s; the command was not started "
		        "(--keep-going runs it anyway)\n",
		        host_error_count(h), host_error_count(h) == 1 ? "" : "s", o.file);
		host_free(h);
		return EXIT_SCRIPT_ERROR;
	}
	char tmp[PATH_MAX];
	FILE *out;
	r = o.snapshot_file ? outfile_check_writable(o.snapshot_file) : 0;
	if (r || (r = outfile_open(o.report_file, tmp, sizeof tmp, &out)) != 0) {
		host_free(h);
		return r;
	}
	int started = 0;
	r = run(h, argv + first, argc - first, &o, out, &started);
	if (!started && o.report_file && tmp[0]) { /* no results: leave no file */
		fclose(out);
		unlink(tmp);
	} else {
		int w = outfile_finish(o.report_file, tmp, out);
		if (!r)
			r = w ? w : host_exit_status(h);
	}
	host_free(h);
	return r;
}
