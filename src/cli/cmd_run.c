/* cmd_run.c — `memlens run` and `memlens demo`: start a command under the agent, sample it, report at the end. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/exitcodes.h"
#include "cli/frontend.h"
#include "cli/launch.h"
#include "cli/luafront.h"
#include "cli/options.h"
#include "cli/outfile.h"
#include "core/model.h"
#include "core/report.h"
#include "core/session.h"
#include "core/snapshot.h"
#include "core/util.h"

enum { OPT_HEADLESS = 256, OPT_UNWIND, OPT_DEPTH, OPT_INTERVAL, OPT_REGION, OPT_HELP };

static const struct opt_spec run_options[] = {
        {"headless", OPT_HEADLESS, NULL,
         "no TUI: print the report when the command ends (the default when stdout is not a terminal)"},
        {"duration", 'd', "T", "report after T (10s, 5m, 250ms), then end the command"},
        {"json", 'j', NULL, "write the report as JSON (doc/report-json.md)"},
        {"output", 'o', "FILE", "write a snapshot to FILE when the run ends (for memlens report, diff, export)"},
        {"report", 'r', "FILE", "write the report to FILE instead of standard output"},
        {"top", 'n', "N", "sites listed per table (default 10)"},
        {"unwind", OPT_UNWIND, "HOW", "cfi (default: DWARF rules, cached), libunwind, or fp (frame pointers only)"},
        {"max-depth", OPT_DEPTH, "N", "frames kept per stack, 1..64 (default 64)"},
        {"interval", OPT_INTERVAL, "T", "sampling period of /proc and the heap figures (default 100ms)"},
        {"region-size", OPT_REGION, "SIZE", "size of the shared region (default 4GiB, sparse)"},
        FRONTEND_OPTION_SPECS,
        {"help", OPT_HELP, NULL, "show this help"},
        {NULL, 0, NULL, NULL},
};

struct run_opts {
	uint64_t duration_ns, interval_ns;
	struct report_opts report;
	const char *report_file, *snapshot_file;
	struct launch_opts launch;
	struct frontend_opts fe;
};

static void run_usage(FILE *out, const char *cmd)
{
	if (strcmp(cmd, "demo") == 0)
		fputs("usage: memlens demo [options]\n\nRun the bundled demo program (it leaks at a steady rate, grows "
		      "a bounded\n"
		      "cache, churns buffers and starts threads that never exit): in the TUI on a\n"
		      "terminal until you quit, else for 10 s (or --duration), then the report.\n\noptions:\n",
		      out);
	else
		fputs("usage: memlens run [options] -- CMD [ARGS...]\n\nRun CMD with the memlens agent preloaded; "
		      "record every heap allocation\n"
		      "with its call stack. On a terminal, watch it live in the TUI (? lists the\n"
		      "keys, q quits and ends CMD); otherwise, when CMD ends (or after\n"
		      "--duration, or on Ctrl-C) print a report: totals, the peak, top call sites,\n"
		      "threads.\n"
		      "The exit status is CMD's (128+N when a signal N ended it), or one of\n"
		      "memlens's own: 64 usage, 69 agent not found, 70 internal, 71 system error,\n"
		      "73 cannot create the output file, 126 not executable, 127 not found.\n\noptions:\n",
		      out);
	opt_print_help(out, run_options);
}

/* Parse options; returns -1 to go on, else an exit status. */
static int parse_run_options(const char *cmd, int argc, char **argv, struct run_opts *o, int *first_arg)
{
	memset(o, 0, sizeof *o);
	o->interval_ns = 100000000u;
	o->report.top = REPORT_DEFAULT_TOP;
	const char *arg;
	int c;
	opt_reset();
	while ((c = opt_next(cmd, argc, argv, run_options, &arg)) != -1) {
		int r = 0;
		uint32_t unwinder;
		switch (c) {
		case OPT_HEADLESS: o->fe.headless = 1; break;
		case 'j': o->report.json = 1; break;
		case 'o': o->snapshot_file = arg; break;
		case 'r': o->report_file = arg; break;
		case OPT_HELP: run_usage(stdout, cmd); return 0;
		case 'd': r = opt_duration(cmd, arg, &o->duration_ns); break;
		case OPT_INTERVAL: r = opt_interval(cmd, arg, &o->interval_ns); break;
		case 'n': r = opt_top(cmd, arg, &o->report.top); break;
		case OPT_UNWIND:
			r = opt_unwind(cmd, arg, &unwinder);
			o->launch.unwind = arg;
			break;
		case OPT_DEPTH: r = opt_max_depth(cmd, arg, &o->launch.max_depth); break;
		case OPT_REGION: r = opt_region_size(cmd, arg, &o->launch.region_size); break;
		default:
			if ((r = frontend_option(cmd, c, arg, &o->fe)) < 0)
				return EXIT_USAGE;
			break;
		}
		if (r)
			return r;
	}
	*first_arg = opt_index();
	return -1;
}

static int exit_status_of(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return EXIT_INTERNAL;
}

static int write_snapshot(struct session *s, const struct run_opts *o)
{
	char err[512];
	if (!o->snapshot_file || snapshot_write(&s->model, &s->region, o->snapshot_file, err, sizeof err) == SNAP_OK)
		return 0;
	fprintf(stderr, "memlens: %s\n", err);
	return EXIT_CANT_CREATE;
}

/* The headless front end: sample until the command ends (or --duration, or a signal), then
 * the snapshot and the report. With end_status_ok, a target memlens itself ended after
 * --duration counts as a success (memlens demo); otherwise the exit status is the target's. */
static int watch_headless(struct session *s, const struct run_opts *o, FILE *out, const char *tmp, int end_status_ok,
                          enum session_end *why, struct host *lua)
{
	/* Symbols are read only after sampling ends: debug information (tens of MiB
	 * decompressed for libc) then never adds to the target's peak memory. */
	*why = session_loop(s);
	session_finish(s);
	luafront_done(lua, *why); /* on_exit callbacks before the report */
	int code = s->ended ? exit_status_of(s->status) : 0;
	int w = write_snapshot(s, o);
	report_write(out, &s->model, &s->region, &o->report);
	int w2 = outfile_finish(o->report_file, tmp, out);
	if (!s->ended) {
		/* --duration or a signal: the report holds what was recorded; now end the target */
		int status = session_end_target(s);
		code = session_signal() || !end_status_ok ? exit_status_of(status) : 0;
	}
	return w ? w : w2 ? w2 : code;
}

/* The TUI: until the user quits (the target's end and --duration leave it open on the final
 * state). Quitting ends a target still running (SIGTERM, then SIGKILL) and exits 0; a target
 * that ended by itself gives its exit status, a signal to memlens the status it ends with.
 * A snapshot (-o) and report (-r) asked for are written after the target ended. */
static int watch_tui(struct session *s, const struct run_opts *o, FILE *out, const char *tmp, const char *output,
                     enum session_end *why)
{
	struct tui_opts to = o->fe.tui;
	to.target_output = output[0] ? output : NULL;
	to.duration_ns = o->duration_ns;
	enum session_end e = tui_run(s, &to);
	*why = e;
	int by_itself = s->ended && !s->terminated;
	if (!s->ended)
		session_end_target(s);
	session_finish(s);
	int w = write_snapshot(s, o), w2 = 0;
	if (out) {
		report_write(out, &s->model, &s->region, &o->report);
		w2 = outfile_finish(o->report_file, tmp, out);
	}
	int code = e == SESSION_SIGNAL || by_itself ? exit_status_of(s->status) : 0;
	return w ? w : w2 ? w2 : code;
}

static int run_session(char **argv, int argc, const char *agent, struct run_opts *o, enum frontend fe,
                       int end_status_ok)
{
	char tmp[PATH_MAX] = "", output[PATH_MAX];
	FILE *out = NULL;
	int r = frontend_start_log(&o->fe);
	if (r || (o->snapshot_file && (r = outfile_check_writable(o->snapshot_file)) != 0))
		return r;
	struct host *lua;
	if ((r = luafront_load(&o->fe, fe, &lua)) != 0)
		return r;
	/* with the TUI, a report only when one is asked for in a file */
	if ((fe == FRONTEND_HEADLESS || o->report_file) && (r = outfile_open(o->report_file, tmp, sizeof tmp, &out)))
		return r;
	int ofd = frontend_output_file(&o->fe, fe, output, sizeof output);
	o->launch.output_fd = ofd;
	session_install_signals();
	pid_t pid;
	struct region region;
	r = ofd == -1 ? EXIT_CANT_CREATE : launch_start(argv, agent, &o->launch, &pid, &region);
	if (ofd >= 0)
		close(ofd);
	if (r) {
		if (o->report_file && out && tmp[0])
			unlink(tmp);
		frontend_output_done(&o->fe, output);
		luafront_done(lua, SESSION_STOPPED);
		return r;
	}
	/* Handlers are reset by exec, but an ignored signal would stay ignored in
	 * the target: SIGPIPE (a report written to a closed pipe) only from now on. */
	signal(SIGPIPE, SIG_IGN);
	struct session s;
	session_begin(&s, pid, 1, &region, argc, argv, o->interval_ns);
	if (o->duration_ns)
		s.deadline_ns = util_now_ns() + o->duration_ns;
	luafront_attach(lua, &s, &o->fe.tui);
	enum session_end why;
	if (fe == FRONTEND_TUI)
		r = watch_tui(&s, o, out, tmp, output, &why);
	else
		r = watch_headless(&s, o, out, tmp, end_status_ok, &why, lua);
	if (fe == FRONTEND_TUI)
		luafront_done(lua, why);
	session_done(&s);
	frontend_output_done(&o->fe, output);
	return r;
}

int cmd_run(int argc, char **argv)
{
	struct run_opts o;
	int first;
	int r = parse_run_options("run", argc, argv, &o, &first);
	if (r >= 0)
		return r;
	if (first >= argc) {
		fputs("memlens: run: no command given (usage: memlens run [options] -- CMD [ARGS...])\n", stderr);
		return EXIT_USAGE;
	}
	char agent[PATH_MAX];
	if ((r = launch_find_agent(agent, sizeof agent)) != 0)
		return r;
	enum frontend fe = frontend_choose(&o.fe, o.report.json && !o.report_file);
	return run_session(argv + first, argc - first, agent, &o, fe, 0);
}

int cmd_demo(int argc, char **argv)
{
	struct run_opts o;
	int first;
	int r = parse_run_options("demo", argc, argv, &o, &first);
	if (r >= 0)
		return r;
	if (first < argc) {
		fprintf(stderr, "memlens: demo: unexpected argument '%s'\n", argv[first]);
		return EXIT_USAGE;
	}
	enum frontend fe = frontend_choose(&o.fe, o.report.json && !o.report_file);
	if (!o.duration_ns && fe == FRONTEND_HEADLESS)
		o.duration_ns = 10ull * 1000000000u; /* the TUI runs it until the user quits */
	char agent[PATH_MAX], demo[PATH_MAX];
	if ((r = launch_find_agent(agent, sizeof agent)) != 0)
		return r;
	if ((r = launch_find_file("MEMLENS_DEMO", "memlens-demo", PKGLIBEXECDIR, demo, sizeof demo)) != 0)
		return r;
	char *dargv[] = {demo, NULL};
	return run_session(dargv, 1, agent, &o, fe, 1);
}
