/* cmd_attach.c — `memlens attach` and `memlens threads`: inspect a process memlens did not start. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "attach/access.h"
#include "attach/inject.h"
#include "attach/threaddump.h"
#include "cli/commands.h"
#include "cli/exitcodes.h"
#include "cli/frontend.h"
#include "cli/launch.h"
#include "cli/luafront.h"
#include "cli/options.h"
#include "cli/outfile.h"
#include "core/procfs.h"
#include "core/report.h"
#include "core/session.h"
#include "core/threadreport.h"
#include "core/util.h"

enum { OPT_HEADLESS = 256, OPT_NO_INJECT, OPT_INTERVAL, OPT_DEPTH, OPT_UNWIND, OPT_REGION, OPT_HELP };

static const struct opt_spec attach_options[] = {
        {"no-inject", OPT_NO_INJECT, NULL, "do not load the agent: /proc figures over time and the threads' stacks"},
        {"headless", OPT_HEADLESS, NULL, "no TUI: print the report at the end (the default off a terminal)"},
        {"duration", 'd', "T", "detach and report after T (10s, 5m, 250ms); default: at Ctrl-C or when it ends"},
        {"json", 'j', NULL, "write the report as JSON (doc/report-json.md)"},
        {"report", 'r', "FILE", "write the report to FILE instead of standard output"},
        {"top", 'n', "N", "sites listed per table (default 10)"},
        {"interval", OPT_INTERVAL, "T", "sampling period of /proc and the heap figures (default 100ms)"},
        {"max-depth", OPT_DEPTH, "N", "frames kept per stack, 1..64 (default 64)"},
        {"unwind", OPT_UNWIND, "HOW", "the agent's unwinder: cfi (default), libunwind, or fp"},
        {"region-size", OPT_REGION, "SIZE", "size of the agent's shared region (default 4GiB, sparse)"},
        FRONTEND_WATCH_OPTION_SPECS,
        {"help", OPT_HELP, NULL, "show this help"},
        {NULL, 0, NULL, NULL},
};

static const struct opt_spec threads_options[] = {
        {"json", 'j', NULL, "write the thread dump as JSON (doc/report-json.md, \"thread_dump\")"},
        {"report", 'r', "FILE", "write the dump to FILE instead of standard output"},
        {"max-depth", OPT_DEPTH, "N", "frames kept per stack, 1..64 (default 64)"},
        {"help", OPT_HELP, NULL, "show this help"},
        {NULL, 0, NULL, NULL},
};

#define EXIT_STATUS_HELP                                                                                               \
	"Exit status: 0 when done, or memlens's own: 64 usage, 70 internal, 71 system error,\n"                        \
	"73 cannot create the output file, 81 no such process, 82 a kernel thread,\n"                                  \
	"83 already traced by another tracer, 84 another user's process, 85 Yama ptrace_scope,\n"                      \
	"86 CAP_SYS_PTRACE needed, 87 the process ended while attaching, 88 the process is\n"                          \
	"stopped (SIGSTOP), 89 the agent could not be loaded (the reason is printed).\n"

struct attach_opts {
	struct frontend_opts fe;
	int no_inject;
	int max_depth;
	uint32_t unwinder; /* enum mlr_unwinder */
	uint64_t region_size;
	uint64_t duration_ns, interval_ns;
	struct report_opts report;
	const char *output;
};

static void attach_usage(FILE *out)
{
	fputs("usage: memlens attach [options] PID\n\n"
	      "Watch a running process memlens did not start, without restarting it and\n"
	      "stopping it only for moments. memlens loads its agent into the process (at a\n"
	      "point where no thread is inside the allocator or the dynamic loader), which\n"
	      "records every allocation from then on. On a terminal the live TUI shows it (as\n"
	      "for `memlens run`; q asks before it detaches); headless, at the end (--duration,\n"
	      "Ctrl-C, or the process ends) the agent is detached, left dormant for a later\n"
	      "attach, and the report printed as `memlens run` prints it, with a thread dump.\n"
	      "Either way the process is never ended by memlens. --no-inject loads\n"
	      "nothing: /proc figures (RSS, anonymous RSS, VmHWM, VmSize, threads) over time and\n"
	      "every thread's stack. The process is left running as it was.\n" EXIT_STATUS_HELP "\noptions:\n",
	      out);
	opt_print_help(out, attach_options);
}

static void threads_usage(FILE *out)
{
	fputs("usage: memlens threads [options] PID\n\n"
	      "Print a thread dump of a running process: every thread's tid, name, state,\n"
	      "CPU time and symbolized stack, threads with the same state and stack grouped\n"
	      "(\"3 threads [S, sleeping] @ function\"). Each thread is stopped only while its\n"
	      "own stack is read (well under a millisecond), and never left stopped.\n" EXIT_STATUS_HELP "\noptions:\n",
	      out);
	opt_print_help(out, threads_options);
}

static int parse_pid(const char *cmd, int argc, char **argv, int first, pid_t *pid)
{
	if (first >= argc) {
		fprintf(stderr, "memlens: %s: no PID given (usage: memlens %s [options] PID)\n", cmd, cmd);
		return EXIT_USAGE;
	}
	if (first + 1 < argc) {
		fprintf(stderr, "memlens: %s: unexpected argument '%s' after the PID\n", cmd, argv[first + 1]);
		return EXIT_USAGE;
	}
	char *end;
	errno = 0;
	long v = strtol(argv[first], &end, 10);
	if (errno || *end || end == argv[first] || v <= 0 || v > INT_MAX)
		return usage_error(cmd, "PID", argv[first], "a process id, a positive number");
	*pid = (pid_t)v;
	return -1;
}

/* Parse options shared by attach and threads; -1 to go on, else an exit status. */
static int parse_options(const char *cmd, const struct opt_spec *specs, int argc, char **argv, struct attach_opts *o,
                         pid_t *pid)
{
	memset(o, 0, sizeof *o);
	o->interval_ns = 100000000u;
	o->unwinder = MLR_UNWIND_CFI;
	o->report.top = REPORT_DEFAULT_TOP;
	const char *arg;
	int c;
	opt_reset();
	while ((c = opt_next(cmd, argc, argv, specs, &arg)) != -1) {
		int r = 0;
		switch (c) {
		case OPT_HEADLESS: o->fe.headless = 1; break;
		case OPT_NO_INJECT: o->no_inject = 1; break;
		case 'j': o->report.json = 1; break;
		case 'r': o->output = arg; break;
		case OPT_HELP:
			if (specs == threads_options)
				threads_usage(stdout);
			else
				attach_usage(stdout);
			return 0;
		case 'd': r = opt_duration(cmd, arg, &o->duration_ns); break;
		case OPT_INTERVAL: r = opt_interval(cmd, arg, &o->interval_ns); break;
		case 'n': r = opt_top(cmd, arg, &o->report.top); break;
		case OPT_DEPTH: r = opt_max_depth(cmd, arg, &o->max_depth); break;
		case OPT_UNWIND: r = opt_unwind(cmd, arg, &o->unwinder); break;
		case OPT_REGION: r = opt_region_size(cmd, arg, &o->region_size); break;
		default:
			if ((r = frontend_option(cmd, c, arg, &o->fe)) < 0)
				return EXIT_USAGE;
			break;
		}
		if (r)
			return r;
	}
	return parse_pid(cmd, argc, argv, opt_index(), pid);
}

static int verdict_exit(enum access_verdict v)
{
	switch (v) {
	case ACCESS_OK: return 0;
	case ACCESS_NO_PROCESS: return EXIT_NO_PROCESS;
	case ACCESS_SELF: return EXIT_USAGE;
	case ACCESS_KERNEL_THREAD: return EXIT_KERNEL_THREAD;
	case ACCESS_TRACED: return EXIT_TRACED;
	case ACCESS_OTHER_USER: return EXIT_OTHER_USER;
	case ACCESS_YAMA: return EXIT_YAMA;
	case ACCESS_NO_CAP: return EXIT_NO_CAP_PTRACE;
	}
	return EXIT_INTERNAL;
}

static int refuse(const char *cmd, enum access_verdict v, const struct access_facts *f)
{
	char why[512];
	fprintf(stderr, "memlens: %s: %s\n", cmd, access_explain(v, f, why, sizeof why));
	return verdict_exit(v);
}

/* ptrace refused or the process went away after the checks passed: say why. */
static int explain_failure(const char *cmd, pid_t pid, int err)
{
	struct access_facts f;
	access_gather(pid, &f);
	if (err == -ESRCH || !f.exists || f.zombie) {
		fprintf(stderr, "memlens: %s: process %d ended while memlens was attaching\n", cmd, (int)pid);
		return EXIT_TARGET_GONE;
	}
	if (err == -EPERM)
		return refuse(cmd, access_after_eperm(&f), &f);
	fprintf(stderr, "memlens: %s: cannot stop the threads of process %d: %s\n", cmd, (int)pid, strerror(-err));
	return EXIT_OS_ERROR;
}

/* Before touching the process: may we? 0, or the exit status after a one-line explanation.
 * Opening /proc/PID/mem asks the kernel the very question ptrace will (Yama included),
 * without stopping anything: an undumpable process is caught here, not at the end. */
static int check_access(const char *cmd, pid_t pid)
{
	struct access_facts f;
	access_gather(pid, &f);
	enum access_verdict v = access_decide(&f);
	if (v != ACCESS_OK)
		return refuse(cmd, v, &f);
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/mem", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		close(fd);
		return 0;
	}
	if (errno == EACCES || errno == EPERM)
		return refuse(cmd, access_after_eperm(&f), &f);
	return explain_failure(cmd, pid, -errno);
}

static int begin_model(struct model *m, pid_t pid)
{
	int argc;
	char **argv;
	if (procfs_cmdline(pid, &argc, &argv) != 0)
		return -ESRCH;
	model_init(m, pid, argc, argv);
	m->attached = 1;
	for (int i = 0; i < argc; i++)
		free(argv[i]);
	free(argv);
	return 0;
}

int cmd_threads(int argc, char **argv)
{
	struct attach_opts o;
	pid_t pid;
	int r = parse_options("threads", threads_options, argc, argv, &o, &pid);
	if (r >= 0)
		return r;
	if ((r = check_access("threads", pid)) != 0)
		return r;
	char tmp[PATH_MAX];
	FILE *out;
	if ((r = outfile_open(o.output, tmp, sizeof tmp, &out)) != 0)
		return r;
	signal(SIGPIPE, SIG_IGN);
	struct model m;
	memset(&m, 0, sizeof m);
	int err = begin_model(&m, pid);
	if (err == 0) {
		model_sample(&m, NULL);
		err = threaddump_take(&m, pid, o.max_depth);
	}
	if (err == 0)
		threaddump_heap_figures(&m, pid); /* when an agent records there */
	if (err) {
		if (o.output)
			unlink(tmp);
		if (m.argv) /* else begin_model failed */
			model_done(&m);
		return explain_failure("threads", pid, err);
	}
	if (o.report.json)
		threadreport_json_document(out, &m, NULL);
	else
		threadreport_text(out, &m, NULL);
	model_done(&m);
	return outfile_finish(o.output, tmp, out);
}

/* The report goes to -r FILE, else to standard output when headless; the TUI writes one
 * only when asked for a file. 0 or the exit status. */
static int open_output(const struct attach_opts *o, enum frontend fe, char *tmp, size_t len, FILE **out)
{
	*out = NULL;
	tmp[0] = '\0';
	int r = frontend_start_log(&o->fe);
	if (r == 0 && (fe == FRONTEND_HEADLESS || o->output))
		r = outfile_open(o->output, tmp, len, out);
	return r;
}

static void drop_output(const struct attach_opts *o, const char *tmp)
{
	if (o->output && tmp[0])
		unlink(tmp);
}

/* Until the end: --duration, Ctrl-C, the process ends, or (TUI) the user quits, which
 * detaches. Either way the process goes on: memlens never ends a process it attached to. */
static void watch(struct session *s, const struct attach_opts *o, enum frontend fe, struct host *lua)
{
	struct tui_opts to = o->fe.tui;
	luafront_attach(lua, s, &to);
	enum session_end why;
	if (fe == FRONTEND_TUI) {
		to.duration_ns = o->duration_ns;
		why = tui_run(s, &to);
	} else {
		why = session_loop(s);
	}
	luafront_done(lua, why); /* the scripts' on_exit while the process is still watched */
}

static int write_report(struct session *s, const struct attach_opts *o, const struct report_opts *ro, FILE *out,
                        const char *tmp)
{
	if (!out)
		return 0;
	report_write(out, &s->model, &s->region, ro);
	return outfile_finish(o->output, tmp, out);
}

/* attach --no-inject: sample /proc until the end, then take the thread dump and report. */
static int attach_procfs(pid_t pid, const struct attach_opts *o, enum frontend fe)
{
	char tmp[PATH_MAX];
	FILE *out;
	struct host *lua = NULL;
	int r = open_output(o, fe, tmp, sizeof tmp, &out);
	if (r || (r = luafront_load(&o->fe, fe, &lua)) != 0) {
		drop_output(o, tmp);
		return r;
	}
	session_install_signals();
	signal(SIGPIPE, SIG_IGN);
	int argc;
	char **argv;
	if (procfs_cmdline(pid, &argc, &argv) != 0) {
		drop_output(o, tmp);
		luafront_done(lua, SESSION_STOPPED);
		return explain_failure("attach", pid, -ESRCH);
	}
	struct region none = {.fd = -1};
	struct session s;
	session_begin(&s, pid, 0, &none, argc, argv, o->interval_ns);
	for (int i = 0; i < argc; i++)
		free(argv[i]);
	free(argv);
	s.model.attached = 1;
	if (o->duration_ns)
		s.deadline_ns = util_now_ns() + o->duration_ns;
	watch(&s, o, fe, lua);
	session_finish(&s);
	if (!s.ended) {
		int err = threaddump_take(&s.model, pid, o->max_depth);
		if (err && err != -ESRCH)
			fprintf(stderr, "memlens: attach: no thread dump of process %d: %s\n", (int)pid,
			        strerror(-err));
	}
	struct report_opts ro = o->report;
	ro.procfs_only = 1;
	r = write_report(&s, o, &ro, out, tmp);
	session_done(&s);
	return r;
}

/* Why the agent could not be loaded, on one line; the exit status. */
static int inject_failure(pid_t pid, enum inject_status st, const struct inject_info *info)
{
	switch (st) {
	case INJECT_OK: return 0;
	case INJECT_GONE: return explain_failure("attach", pid, -ESRCH);
	case INJECT_EPERM: return explain_failure("attach", pid, -EPERM);
	case INJECT_STOPPED:
		fprintf(stderr,
		        "memlens: attach: process %d is stopped (SIGSTOP or Ctrl-Z): nothing can run in it to load the "
		        "agent; continue it (kill -CONT %d) and attach again, or use --no-inject\n",
		        (int)pid, (int)pid);
		return EXIT_TARGET_STOPPED;
	case INJECT_FAILED: break;
	}
	/* a process that exited (or is exiting) meanwhile fails whatever was read of it last:
	 * its end is the cause to report, not that read */
	struct proc_task main_task;
	if (procfs_task(pid, pid, &main_task) != 0 || main_task.state == 'Z' || main_task.state == 'X')
		return explain_failure("attach", pid, -ESRCH);
	fprintf(stderr, "memlens: attach: %s\n", info->error);
	return EXIT_INJECT_FAILED;
}

struct first_sample {
	uint64_t start_ns;
	double *ms;
};

static void note_first_sample(struct session *s, void *arg)
{
	struct first_sample *f = arg;
	if (*f->ms == 0)
		*f->ms = (double)(util_now_ns() - f->start_ns) / 1e6;
	(void)s;
}

/* After the session: stop the agent and put the GOT entries back (the agent stays, dormant). */
static void detach_agent(struct session *s, struct inject_info *info)
{
	struct attach_stats *a = &s->model.attach;
	enum inject_status st = inject_detach(info);
	a->detach_held_ms = (double)info->held_ns / 1e6;
	if (st == INJECT_OK) {
		a->detached = 1;
		a->restored = info->restored;
	} else if (st != INJECT_GONE) {
		fprintf(stderr, "memlens: attach: %s; the agent goes on recording into a region no one reads\n",
		        st == INJECT_STOPPED ? "the process was stopped at the end: the agent could not be detached"
		                             : info->error);
	}
}

int attach_begin(const char *cmd, pid_t pid, const struct inject_opts *agent_opts, uint64_t interval_ns,
                 struct session *s, struct inject_info *info)
{
	char agent[PATH_MAX];
	int r = launch_find_agent(agent, sizeof agent);
	if (r || (r = check_access(cmd, pid)) != 0)
		return r;
	int argc;
	char **argv;
	struct region region = {.fd = -1};
	struct inject_opts io = *agent_opts;
	io.agent = agent;
	if (procfs_cmdline(pid, &argc, &argv) != 0)
		return inject_failure(pid, INJECT_GONE, info);
	enum inject_status st = inject_attach(pid, &io, &region, info);
	if (st == INJECT_OK)
		session_begin(s, pid, 0, &region, argc, argv, interval_ns);
	for (int i = 0; i < argc; i++)
		free(argv[i]);
	free(argv);
	if (st != INJECT_OK)
		return inject_failure(pid, st, info);
	s->model.attached = 1;
	return 0;
}

/* attach: load the agent, sample its region until the end, detach it, report. */
static int attach_injected(pid_t pid, const struct attach_opts *o, enum frontend fe)
{
	uint64_t start = util_now_ns();
	char tmp[PATH_MAX];
	FILE *out = NULL;
	struct host *lua = NULL;
	int r = open_output(o, fe, tmp, sizeof tmp, &out);
	if (r || (r = luafront_load(&o->fe, fe, &lua)) != 0) {
		drop_output(o, tmp);
		return r;
	}
	session_install_signals();
	signal(SIGPIPE, SIG_IGN);
	struct inject_info info;
	struct inject_opts io = {NULL, o->region_size, o->unwinder, o->max_depth};
	struct session s;
	if ((r = attach_begin("attach", pid, &io, o->interval_ns, &s, &info)) != 0) {
		drop_output(o, tmp);
		luafront_done(lua, SESSION_STOPPED);
		return r;
	}
	struct attach_stats *a = &s.model.attach;
	*a = (struct attach_stats){.injected = 1,
	                           .reused = info.reused,
	                           .tid = info.tid,
	                           .tries = info.tries,
	                           .took_ms = (double)info.took_ns / 1e6,
	                           .held_ms = (double)info.held_ns / 1e6};
	struct first_sample fs = {start, &a->first_ms};
	session_add_client(&s, &(struct session_client){.arg = &fs, .fd = -1, .on_sample = note_first_sample});
	if (o->duration_ns)
		s.deadline_ns = util_now_ns() + o->duration_ns;
	watch(&s, o, fe, lua);
	attach_end(&s, &info);
	session_finish(&s);
	if (!s.ended && threaddump_take(&s.model, pid, o->max_depth) == -ESRCH)
		model_target_vanished(&s.model);
	r = write_report(&s, o, &o->report, out, tmp);
	session_done(&s);
	return r;
}

void attach_end(struct session *s, struct inject_info *info)
{
	if (!s->ended)
		detach_agent(s, info);
}

int cmd_attach(int argc, char **argv)
{
	struct attach_opts o;
	pid_t pid;
	int r = parse_options("attach", attach_options, argc, argv, &o, &pid);
	if (r >= 0)
		return r;
	/* (attach_begin checks access for the injecting path: once, right before it attaches) */
	if (o.no_inject && (r = check_access("attach", pid)) != 0)
		return r;
	/* the same rule as run: the TUI on a terminal unless --headless or a report to stdout */
	enum frontend fe = frontend_choose(&o.fe, o.report.json && !o.output);
	return o.no_inject ? attach_procfs(pid, &o, fe) : attach_injected(pid, &o, fe);
}
