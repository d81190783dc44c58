/* luafront.c — load Lua scripts for run, demo and attach, hand the TUI the runtime's views, and finish it with the
 * session. */
#include "config.h"

#include <limits.h>
#include <stdio.h>

#include "cli/commands.h"
#include "cli/exitcodes.h"
#include "cli/luafront.h"
#include "core/log.h"

/* The runtime's messages go to memlens's log: the TUI's Log view, or stderr headless. */
static void to_log(void *arg, enum host_level level, double t, const char *msg)
{
	(void)arg;
	(void)t;
	log_msg(level == HOST_ERROR ? LOG_ERROR : level == HOST_WARN ? LOG_WARN : LOG_INFO, "lua: %s", msg);
}

int luafront_load(const struct frontend_opts *o, enum frontend fe, struct host **out)
{
	*out = NULL;
	if (fe == FRONTEND_HEADLESS && !o->nscripts)
		return 0;
	char dir[PATH_MAX];
	if (script_find_lua_dir(NULL, dir, sizeof dir) != 0) {
		if (o->nscripts)
			return EXIT_NO_INPUT;
		log_msg(LOG_WARN, "no Lua library found: the Leaks and Budgets views are off");
		return 0;
	}
	struct host_opts ho = {
	        .lua_dir = dir,
	        .no_stdlib = o->no_stdlib,
	        .print_to_log = fe == FRONTEND_TUI,
	        .log = to_log,
	};
	struct host *h = host_new(&ho);
	host_load_stdlib(h);
	for (int i = 0; i < o->nscripts && !host_exit_requested(h); i++)
		host_load(h, o->scripts[i]);
	if (host_error_count(h) && fe == FRONTEND_HEADLESS) {
		fprintf(stderr, "memlens: %zu error%s while loading the scripts; the command was not started\n",
		        host_error_count(h), host_error_count(h) == 1 ? "" : "s");
		host_free(h);
		return EXIT_SCRIPT_ERROR;
	}
	*out = h;
	return 0;
}

void luafront_attach(struct host *h, struct session *s, struct tui_opts *to)
{
	if (!h)
		return;
	host_bind(h, s);
	struct session_client c;
	host_client(h, &c);
	session_add_client(s, &c);
	to->lua = h;
	if (to->noverlays < TUI_MAX_OVERLAYS)
		to->overlays[to->noverlays++] = tui_lua_overlay(h);
}

void luafront_done(struct host *h, enum session_end why)
{
	if (!h)
		return;
	host_finish(h, why);
	host_bind(h, NULL);
	host_free(h);
}
