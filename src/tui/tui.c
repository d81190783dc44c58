/* tui.c — the TUI's life: take the terminal, join the session's loop, dispatch keys through the key table, refresh on
 * the clock, give the terminal back. */
#include "config.h"

#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <term.h>
#include <unistd.h>

#include "core/log.h"
#include "core/util.h"
#include "tui/screen.h"
#include "tui/view.h"

static const struct {
	double seconds; /* 0: the whole run */
	const char *name;
} windows[] = {{60, "1 min"}, {600, "10 min"}, {3600, "1 h"}, {0, "whole run"}};

#define NWINDOWS ((int)(sizeof windows / sizeof windows[0]))

/* The terminal and the descriptors the TUI swaps while it owns it; static because the
 * fatal() and crash paths must reach them. */
static struct {
	int active;
	int winch_pipe[2];
	int saved_stderr;
	int stderr_pipe; /* read end: what anything writes to fd 2 meanwhile */
	struct sigaction old_winch;
} term = {.winch_pipe = {-1, -1}, .saved_stderr = -1, .stderr_pipe = -1};

double tui_window_s(const struct tui *t)
{
	return windows[t->window].seconds;
}

const char *tui_window_name(const struct tui *t)
{
	return windows[t->window].name;
}

const char *tui_arrow(const struct tui *t, int descending)
{
	if (t->unicode)
		return descending ? "\u25bc" : "\u25b2";
	return descending ? "v" : "^";
}

void tui_note(struct tui *t, enum role r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(t->note, sizeof t->note, fmt, ap);
	va_end(ap);
	t->note_role = r;
}

int tui_site_visible(struct tui *t, struct site *s)
{
	struct tui_filter *f = &t->filter[t->view];
	if (!f->re)
		return 1;
	if (s->id >= f->nsite) {
		size_t n = t->m->nsites > s->id ? t->m->nsites : (size_t)s->id + 1;
		f->site = xrealloc(f->site, n);
		memset(f->site + f->nsite, 0, n - f->nsite);
		f->nsite = n;
	}
	if (!f->site[s->id]) {
		int n;
		const struct sym_frame *fr = model_site_frames(t->m, t->r, s, &n);
		f->site[s->id] = fr && regex_match_frames(f->re, fr, n) ? 2 : 1;
	}
	return f->site[s->id] == 2;
}

void tui_want_blocks(struct tui *t)
{
	double now = model_now_s(t->m);
	double every = t->blocks_cost_s * 20 > 1 ? t->blocks_cost_s * 20 : 1;
	if (t->m->have_blocks && (t->m->target != TARGET_RUNNING || now - t->m->blocks_s < every))
		return;
	uint64_t t0 = util_now_ns();
	model_capture_blocks(t->m, t->r);
	t->blocks_cost_s = (double)(util_now_ns() - t0) / 1e9;
	log_msg(LOG_DEBUG, "captured %zu live blocks in %.1f ms", t->m->nblocks, t->blocks_cost_s * 1e3);
}

int tui_possible(char *why, size_t len)
{
	const char *term_name = getenv("TERM");
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		snprintf(why, len, "standard input or output is not a terminal");
		return 0;
	}
	if (!term_name || !*term_name || strcmp(term_name, "dumb") == 0) {
		snprintf(why, len, "TERM is %s", term_name && *term_name ? "dumb" : "not set");
		return 0;
	}
	int err = 0;
	if (setupterm(NULL, STDOUT_FILENO, &err) != OK) {
		snprintf(why, len, "TERM=%s is not a terminal type this system knows", term_name);
		return 0;
	}
	return 1;
}

void tui_print_keys(FILE *out)
{
	const char *names[TUI_MAX_VIEWS];
	for (int i = 0; i < tui_nviews; i++)
		names[i] = tui_views[i]->name;
	keys_print(out, names, tui_nviews);
}

/* ---- the terminal ---------------------------------------------------------------------- */

static void on_winch(int sig)
{
	(void)sig;
	int e = errno;
	if (term.winch_pipe[1] >= 0 && write(term.winch_pipe[1], "w", 1) < 0) {
		/* a full pipe already holds a wake-up */
	}
	errno = e;
}

/* Give the terminal back: leave curses, restore fd 2 and SIGWINCH. Safe to call twice, and
 * from fatal(). Whatever reached fd 2 meanwhile goes to the log. */
static void terminal_restore(void)
{
	if (!term.active)
		return;
	term.active = 0;
	if (!exit_ca_mode || !*exit_ca_mode) { /* no alternate screen (the Linux console): leave it blank */
		erase();
		refresh();
	}
	endwin();
	if (term.saved_stderr >= 0) {
		dup2(term.saved_stderr, STDERR_FILENO);
		close(term.saved_stderr);
		term.saved_stderr = -1;
	}
	sigaction(SIGWINCH, &term.old_winch, NULL);
}

/* A crash while curses owns the terminal: give it back, then die of the same signal. */
static void on_crash(int sig)
{
	terminal_restore();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void crash_handlers(void)
{
	static const int sigs[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
	struct sigaction sa = {.sa_handler = on_crash, .sa_flags = SA_RESETHAND};
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		sigaction(sigs[i], &sa, NULL);
}

/* fd 2 into a pipe the loop drains into the log: nothing may reach the terminal while
 * curses owns it. The write end never blocks (a flood loses lines, never hangs us). */
static void capture_stderr(void)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) != 0)
		return;
	term.saved_stderr = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
	if (term.saved_stderr < 0 || dup2(p[1], STDERR_FILENO) < 0) {
		close(p[0]);
		close(p[1]);
		return;
	}
	close(p[1]);
	term.stderr_pipe = p[0];
}

static int want_unicode(void)
{
	const char *name = getenv("TERM");
	if (name && strcmp(name, "linux") == 0)
		return 0; /* the console's font has no braille (htop #374, btop #139) */
	return strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
}

static void terminal_take(struct tui *t)
{
	setlocale(LC_ALL, "");
	setlocale(LC_NUMERIC, "C"); /* "1.5 MiB" whatever the locale */
	if (pipe2(term.winch_pipe, O_CLOEXEC | O_NONBLOCK) == 0) {
		/* ours before initscr: ncurses then leaves SIGWINCH alone and resizing happens in
		 * one place, on_resize */
		struct sigaction sa = {.sa_handler = on_winch, .sa_flags = SA_RESTART};
		sigemptyset(&sa.sa_mask);
		sigaction(SIGWINCH, &sa, &term.old_winch);
	}
	set_escdelay(25);
	initscr();
	term.active = 1;
	util_set_fatal_cleanup(terminal_restore);
	crash_handlers();
	capture_stderr();
	raw(); /* Ctrl-C is a key (quit), and reaches no process */
	noecho();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	curs_set(0);
	t->unicode = want_unicode();
	const char *nc = getenv("NO_COLOR");
	t->color = draw_init(t->o->no_color || (nc && *nc));
	getmaxyx(stdscr, t->rows, t->cols);
}

static void terminal_give_back(void)
{
	terminal_restore();
	util_set_fatal_cleanup(NULL);
	for (int i = 0; i < 2; i++)
		if (term.winch_pipe[i] >= 0) {
			close(term.winch_pipe[i]);
			term.winch_pipe[i] = -1;
		}
	if (term.stderr_pipe >= 0) {
		char buf[4096];
		ssize_t n;
		while ((n = read(term.stderr_pipe, buf, sizeof buf - 1)) > 0) {
			buf[n] = '\0';
			log_msg(LOG_WARN, "stderr: %s", buf);
		}
		close(term.stderr_pipe);
		term.stderr_pipe = -1;
	}
}

/* ---- drawing ----------------------------------------------------------------------------- */

static void draw_all(struct tui *t)
{
	erase();
	if (t->rows < SCREEN_MIN_ROWS || t->cols < SCREEN_MIN_COLS) {
		screen_too_small(t);
	} else {
		screen_header(t);
		struct rect area = screen_view_area(t);
		if (t->help)
			screen_help(t, area);
		else
			tui_views[t->view]->draw(t, t->state[t->view], area);
		screen_footer(t);
	}
	refresh();
	t->stats_draws++;
}

/* Fresh figures for the header and the current view. */
static void rebuild(struct tui *t)
{
	struct model *m = t->m;
	const struct sample *last = series_last(m->series);
	t->hdr = (struct tui_header){
	        .now_s = m->target == TARGET_RUNNING ? model_now_s(m) : m->duration_s,
	        .rss = last ? last->rss : m->status.rss,
	        .heap_live = m->heap.live_bytes,
	        .peak_live = m->peak_live,
	        .peak_s = m->peak_time_s,
	        .allocs_s = m->rate.allocs,
	        .frees_s = m->rate.frees,
	        .bytes_s = m->rate.bytes,
	        .threads = m->status.threads,
	};
	const struct tui_view *v = tui_views[t->view];
	if (v->rebuild)
		v->rebuild(t, t->state[t->view]);
}

static void refresh_now(struct tui *t)
{
	uint64_t t0 = util_now_ns();
	rebuild(t);
	draw_all(t);
	screen_note_timing(t, util_now_ns() - t0, 0);
	/* the tests' way to reach the internal-error path (fatal() while curses owns the terminal) */
	const char *fault = getenv("MEMLENS_FAULT");
	if (fault && strcmp(fault, "tui-fatal") == 0 && ++t->refreshes >= 2)
		fatal("internal error injected by MEMLENS_FAULT=tui-fatal");
}

/* ---- keys -------------------------------------------------------------------------------- */

static int available(const struct tui *t, int i)
{
	return i >= 0 && i < tui_nviews && (!tui_views[i]->available || tui_views[i]->available(t));
}

static int switch_view(struct tui *t, int i)
{
	if (!available(t, i) || i == t->view)
		return available(t, i) ? TUI_REDRAW : 0;
	t->view = i;
	return TUI_REBUILD | TUI_REDRAW;
}

static int step_view(struct tui *t, int dir)
{
	for (int k = 1; k <= tui_nviews; k++) {
		int i = ((t->view + dir * k) % tui_nviews + tui_nviews) % tui_nviews;
		if (available(t, i))
			return switch_view(t, i);
	}
	return 0;
}

static int quit(struct tui *t)
{
	if (t->s->own_child || t->s->ended)
		return TUI_QUIT;
	t->prompting = PROMPT_QUIT; /* attached: leaving means detaching; ask */
	return TUI_REDRAW;
}

static int start_filter(struct tui *t)
{
	if (!tui_views[t->view]->filterable) {
		tui_note(t, ROLE_WARN, "the %s view has nothing to filter", tui_views[t->view]->name);
		return TUI_REDRAW;
	}
	snprintf(t->input, sizeof t->input, "%s", t->filter[t->view].source);
	t->input_len = strlen(t->input);
	t->prompting = PROMPT_FILTER;
	return TUI_REDRAW;
}

static int snapshot_key(struct tui *t)
{
	for (int i = 0; i < tui_nviews; i++)
		if (strcmp(tui_views[i]->name, "Snapshots") == 0 && tui_views[i]->action)
			return tui_views[i]->action(t, t->state[i], ACT_SNAPSHOT, 0) | TUI_REDRAW;
	tui_note(t, ROLE_WARN, "snapshots are not available in this build");
	return TUI_REDRAW;
}

/* Actions every view shares; the view had its chance first. */
static int global_action(struct tui *t, enum tui_action a, int arg)
{
	switch (a) {
	case ACT_QUIT: return quit(t);
	case ACT_HELP: t->help = !t->help; return TUI_REDRAW;
	case ACT_VIEW: return switch_view(t, arg);
	case ACT_VIEW_NEXT: return step_view(t, 1);
	case ACT_VIEW_PREV: return step_view(t, -1);
	case ACT_PAUSE: t->paused = !t->paused; return TUI_REDRAW | (t->paused ? 0 : TUI_REBUILD);
	case ACT_FILTER: return start_filter(t);
	case ACT_WINDOW: t->window = (t->window + 1) % NWINDOWS; return TUI_REDRAW;
	case ACT_GRAPH:
		if (t->unicode)
			t->graph = t->graph == GRAPH_BRAILLE ? GRAPH_BLOCK
			           : t->graph == GRAPH_BLOCK ? GRAPH_ASCII
			                                     : GRAPH_BRAILLE;
		else
			tui_note(t, ROLE_WARN,
			         "only ASCII graphs in this terminal (TERM=linux or a locale without UTF-8)");
		return TUI_REDRAW;
	case ACT_REDRAW: clearok(curscr, TRUE); return TUI_REDRAW;
	case ACT_SNAPSHOT: return snapshot_key(t);
	default: return 0;
	}
}

static int dispatch(struct tui *t, int code)
{
	if (t->prompting)
		return screen_prompt_key(t, code);
	if (t->help) { /* any key closes the help; its own key does nothing more */
		t->help = 0;
		const struct tui_key *k = keys_lookup(code, NULL);
		return TUI_REDRAW | (k && k->action == ACT_QUIT ? quit(t) : 0);
	}
	t->note[0] = '\0';
	const struct tui_view *v = tui_views[t->view];
	const struct tui_key *k = keys_lookup(code, v->name);
	if (!k)
		return TUI_REDRAW;
	int r = v->action ? v->action(t, t->state[t->view], k->action, k->arg) : 0;
	if (!(r & TUI_HANDLED))
		r |= global_action(t, k->action, k->arg);
	return r;
}

/* ---- the session's callbacks ---------------------------------------------------------- */

static void apply(struct tui *t, int flags)
{
	if (flags & TUI_QUIT) {
		session_stop(t->s);
		return;
	}
	uint64_t t0 = util_now_ns();
	int rebuilt = flags & TUI_REBUILD && !t->paused;
	if (rebuilt)
		rebuild(t);
	if (flags & (TUI_REDRAW | TUI_REBUILD))
		draw_all(t);
	if (rebuilt)
		screen_note_timing(t, util_now_ns() - t0, 1);
}

static void on_keys(struct session *s, void *arg)
{
	struct tui *t = arg;
	int flags = 0, got = 0, ch;
	while ((ch = getch()) != ERR) {
		got = 1;
		flags |= dispatch(t, ch);
		if (flags & TUI_QUIT)
			break;
	}
	/* readable yet nothing to read, again and again: the terminal is gone */
	t->empty_reads = got ? 0 : t->empty_reads + 1;
	if (t->empty_reads > 50) {
		log_msg(LOG_WARN, "the terminal went away; quitting");
		flags |= TUI_QUIT;
	}
	apply(t, flags);
	(void)s;
}

static void on_resize(struct session *s, void *arg)
{
	struct tui *t = arg;
	char buf[64];
	while (read(term.winch_pipe[0], buf, sizeof buf) > 0)
		;
	struct winsize ws;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0)
		resizeterm(ws.ws_row, ws.ws_col);
	getmaxyx(stdscr, t->rows, t->cols);
	clearok(curscr, TRUE);
	draw_all(t);
	(void)s;
}

static void on_stderr(struct session *s, void *arg)
{
	char buf[4096];
	ssize_t n = read(term.stderr_pipe, buf, sizeof buf - 1);
	if (n <= 0)
		return;
	buf[n] = '\0';
	for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"))
		log_msg(LOG_WARN, "stderr: %s", line);
	(void)s;
	(void)arg;
}

static void on_sample(struct session *s, void *arg)
{
	struct tui *t = arg;
	uint64_t now = util_now_ns();
	if (t->paused || now < t->next_refresh_ns)
		return;
	t->next_refresh_ns += t->refresh_ns;
	if (t->next_refresh_ns <= now)
		t->next_refresh_ns = now + t->refresh_ns;
	refresh_now(t);
	(void)s;
}

static void on_target_end(struct session *s, void *arg)
{
	struct tui *t = arg;
	char how[128];
	screen_target_state(t, how, sizeof how, NULL);
	log_msg(t->m->target == TARGET_EXITED && t->m->exit_code == 0 ? LOG_INFO : LOG_WARN, "pid %d %s after %.1f s",
	        (int)s->pid, how, t->m->duration_s);
	tui_note(t, ROLE_WARN, "the target %s; the screen shows its final state (q quits)", how);
	if (!t->paused)
		refresh_now(t);
	else
		draw_all(t);
}

/* ---- life -------------------------------------------------------------------------------- */

static void tui_init(struct tui *t, struct session *s, const struct tui_opts *o)
{
	memset(t, 0, sizeof *t);
	t->s = s;
	t->m = &s->model;
	t->r = &s->region;
	t->o = o;
	t->refresh_ns = o->refresh_ns ? o->refresh_ns : 1000000000u;
	for (int i = 0; i < tui_nviews; i++)
		t->state[i] = tui_views[i]->init ? tui_views[i]->init(t) : NULL;
}

static void tui_done(struct tui *t)
{
	for (int i = 0; i < tui_nviews; i++) {
		if (tui_views[i]->done)
			tui_views[i]->done(t->state[i]);
		regex_free(t->filter[i].re);
		free(t->filter[i].site);
	}
}

static void join_session(struct tui *t)
{
	struct session *s = t->s;
	session_add_client(s, &(struct session_client){.arg = t,
	                                               .fd = STDIN_FILENO,
	                                               .on_input = on_keys,
	                                               .on_sample = on_sample,
	                                               .on_target_end = on_target_end});
	if (term.winch_pipe[0] >= 0)
		session_add_client(s,
		                   &(struct session_client){.arg = t, .fd = term.winch_pipe[0], .on_input = on_resize});
	if (term.stderr_pipe >= 0)
		session_add_client(s,
		                   &(struct session_client){.arg = t, .fd = term.stderr_pipe, .on_input = on_stderr});
	s->linger = 1;
}

/* --duration passed: end the target as the headless run does, and stay on its final state. */
static void end_for_duration(struct tui *t)
{
	tui_note(t, ROLE_WARN, "--duration passed: ending the target (SIGTERM, SIGKILL after 5 s)");
	draw_all(t);
	log_msg(LOG_INFO, "--duration passed: ending pid %d", (int)t->s->pid);
	session_end_target(t->s);
	t->s->deadline_ns = 0;
}

enum session_end tui_run(struct session *s, const struct tui_opts *o)
{
	struct tui t;
	tui_init(&t, s, o);
	terminal_take(&t);
	t.graph = o->graph != GRAPH_AUTO && t.unicode ? o->graph : t.unicode ? GRAPH_BRAILLE : GRAPH_ASCII;
	int nclients = s->nclients;
	join_session(&t);
	log_msg(LOG_INFO, "watching pid %d%s%s", (int)s->pid, o->target_output ? "; its output goes to " : "",
	        o->target_output ? o->target_output : "");
	t.next_refresh_ns = util_now_ns() + t.refresh_ns;
	refresh_now(&t);
	enum session_end e;
	for (;;) {
		e = session_loop(s);
		if (e == SESSION_DURATION && s->own_child)
			end_for_duration(&t);
		else if (e == SESSION_DURATION)
			break; /* attached: the duration ends the attach, never the process */
		else if (e != SESSION_TARGET_ENDED)
			break;
	}
	s->nclients = nclients;
	s->linger = 0;
	terminal_give_back();
	screen_log_timing(&t);
	tui_done(&t);
	return e;
}
