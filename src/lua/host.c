/* host.c — the Lua state memlens runs scripts in: memory and instruction limits, protected calls, loading, the session
 * client. */
#include "config.h"

#include <lauxlib.h>
#include <lualib.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli/exitcodes.h"
#include "core/util.h"
#include "lua/internal.h"

/* The instruction hook runs every HOOK_STEP VM instructions. */
#define HOOK_STEP 1000

const char host_key_exit = 0;

struct host *host_of(lua_State *L)
{
	return *(struct host **)lua_getextraspace(L);
}

/* Lua's allocator, with a ceiling: past it Lua sees a failed allocation and raises
 * "not enough memory" in the script, which then fails like any other error. */
static void *host_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
	struct host *h = ud;
	size_t old = ptr ? osize : 0;
	if (nsize == 0) {
		free(ptr);
		h->mem_used -= old;
		return NULL;
	}
	if (nsize > old && h->mem_used - old + nsize > h->mem_limit)
		return NULL;
	void *p = realloc(ptr, nsize);
	if (p)
		h->mem_used = h->mem_used - old + nsize;
	return p;
}

/* Counts instructions; past the limit of the running callback, cancels it with an
 * error that names the line it was executing. */
static void count_hook(lua_State *L, lua_Debug *ar)
{
	struct host *h = host_of(L);
	h->steps += HOOK_STEP;
	if (!h->step_limit || h->steps <= h->step_limit) {
		if (lua_gethookcount(L) != HOOK_STEP) /* back to normal after a cancellation */
			lua_sethook(L, count_hook, LUA_MASKCOUNT, HOOK_STEP);
		return;
	}
	/* From now on at every instruction: a loop that catches the error with pcall gets
	 * it again at its very next instruction, so the error reaches memlens's own call. */
	lua_sethook(L, count_hook, LUA_MASKCOUNT, 1);
	if (L != h->L)
		lua_sethook(h->L, count_hook, LUA_MASKCOUNT, 1);
	lua_getinfo(L, "Sl", ar);
	lua_pushfstring(L, "%s:%d: cancelled after %I instructions without returning (an endless loop?)", ar->short_src,
	                ar->currentline, (lua_Integer)h->step_limit);
	lua_error(L);
}

void host_arm_limit(struct host *h)
{
	h->steps = 0;
	h->step_limit = h->opts.max_instructions;
}

/* Message handler of every protected call: the message and a traceback, joined by
 * "\nstack traceback:" (host_pcall splits them). memlens.exit's token passes unchanged. */
static int msghandler(lua_State *L)
{
	if (lua_touserdata(L, 1) == &host_key_exit)
		return 1;
	const char *msg = lua_tostring(L, 1);
	if (!msg) {
		if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING)
			msg = lua_tostring(L, -1);
		else
			msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
	}
	luaL_traceback(L, L, msg, 1);
	return 1;
}

static void add_message(struct host *h, enum host_level level, const char *text)
{
	double t = h->s ? model_now_s(&h->s->model) : 0;
	if (h->nmessages == HOST_MAX_MESSAGES) {
		free(h->messages[0].text);
		memmove(h->messages, h->messages + 1, (h->nmessages - 1) * sizeof *h->messages);
		h->nmessages--;
	}
	if (h->nmessages == h->messages_cap) {
		h->messages_cap = h->messages_cap ? h->messages_cap * 2 : 16;
		h->messages = xrealloc(h->messages, h->messages_cap * sizeof *h->messages);
	}
	h->messages[h->nmessages++] = (struct host_message){level, t, xstrdup(text)};
	if (h->opts.log)
		h->opts.log(h->opts.log_arg, level, t, text);
}

void host_log(struct host *h, enum host_level level, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	add_message(h, level, buf);
}

void host_error(struct host *h, const char *msg, const char *traceback)
{
	h->nerrors++;
	add_message(h, HOST_ERROR, msg);
	if (traceback && *traceback)
		add_message(h, HOST_INFO, traceback);
}

int host_pcall(struct host *h, int nargs, int nresults, const char *what)
{
	lua_State *L = h->L;
	int base = lua_gettop(L) - nargs;
	lua_pushcfunction(L, msghandler);
	lua_insert(L, base);
	const char *prev = h->running;
	h->running = what;
	host_arm_limit(h);
	int r = lua_pcall(L, nargs, nresults, base);
	h->step_limit = 0;
	lua_sethook(L, count_hook, LUA_MASKCOUNT, HOOK_STEP);
	h->running = prev;
	lua_remove(L, base);
	if (r == LUA_OK)
		return 0;
	if (lua_touserdata(L, -1) == &host_key_exit) {
		lua_pop(L, 1);
		return 1;
	}
	/* stack: message (with traceback unless out of memory) */
	const char *full = lua_tostring(L, -1);
	char *msg = xstrdup(full ? full : "(no message)");
	char *tb = strstr(msg, "\nstack traceback:");
	if (tb)
		*tb++ = '\0';
	char line[2048];
	snprintf(line, sizeof line, "%s%s%s%s", msg, what ? " (in " : "", what ? what : "", what ? ")" : "");
	host_error(h, line, tb);
	free(msg);
	lua_pop(L, 1);
	return -1;
}

void host_where(lua_State *L, int level, char *buf, size_t len)
{
	lua_Debug ar;
	if (lua_getstack(L, level, &ar) && lua_getinfo(L, "Sl", &ar) && ar.currentline > 0)
		snprintf(buf, len, "%s:%d", ar.short_src, ar.currentline);
	else
		snprintf(buf, len, "?");
}

/* print() in the TUI: to the log, never to the terminal curses owns. */
static int print_to_log(lua_State *L)
{
	int n = lua_gettop(L); /* before luaL_buffinit, which may push a placeholder */
	luaL_Buffer b;
	luaL_buffinit(L, &b);
	for (int i = 1; i <= n; i++) {
		if (i > 1)
			luaL_addchar(&b, '\t');
		luaL_tolstring(L, i, NULL);
		luaL_addvalue(&b);
	}
	luaL_pushresult(&b);
	host_log(host_of(L), HOST_INFO, "%s", lua_tostring(L, -1));
	return 0;
}

/* package.path: the library directory first, then Lua's default. */
static void set_path(struct host *h)
{
	lua_State *L = h->L;
	lua_getglobal(L, "package");
	lua_getfield(L, -1, "path");
	const char *dflt = lua_tostring(L, -1);
	const char *dir = h->opts.lua_dir ? h->opts.lua_dir : ".";
	lua_pushfstring(L, "%s/?.lua;%s/?/init.lua;%s", dir, dir, dflt ? dflt : "");
	lua_setfield(L, -3, "path");
	lua_pop(L, 2);
}

struct host *host_new(const struct host_opts *o)
{
	struct host *h = xcalloc(1, sizeof *h);
	h->opts = *o;
	if (!h->opts.max_instructions)
		h->opts.max_instructions = HOST_DEFAULT_INSTRUCTIONS;
	h->mem_limit = h->opts.max_memory ? h->opts.max_memory : HOST_DEFAULT_MEMORY;
	h->last_eval_s = -1;
	h->L = lua_newstate(host_alloc, h);
	if (!h->L)
		fatal("cannot create a Lua state");
	*(struct host **)lua_getextraspace(h->L) = h;
	h->patterns = patterns_new();
	lua_State *L = h->L;
	luaL_openlibs(L);
	lua_sethook(L, count_hook, LUA_MASKCOUNT, HOOK_STEP);
	if (h->opts.print_to_log) {
		lua_pushcfunction(L, print_to_log);
		lua_setglobal(L, "print");
	}
	lua_newtable(L);
	h->on_sample_ref = luaL_ref(L, LUA_REGISTRYINDEX);
	lua_newtable(L);
	h->on_exit_ref = luaL_ref(L, LUA_REGISTRYINDEX);
	lua_newtable(L);
	h->sites_ref = luaL_ref(L, LUA_REGISTRYINDEX);
	set_path(h);
	api_open(L);
	return h;
}

void host_free(struct host *h)
{
	if (!h)
		return;
	budget_free_all(h);
	heuristic_free_all(h);
	lua_close(h->L);
	patterns_free(h->patterns);
	for (size_t i = 0; i < h->nmessages; i++)
		free(h->messages[i].text);
	free(h->messages);
	free(h);
}

/* require(name) as a protected call. */
static int require_module(struct host *h, const char *name)
{
	lua_State *L = h->L;
	lua_getglobal(L, "require");
	lua_pushstring(L, name);
	char what[128];
	snprintf(what, sizeof what, "loading %s", name);
	int r = host_pcall(h, 1, 0, what);
	if (r < 0)
		h->load_failed = 1;
	return r < 0 ? -1 : 0;
}

int host_load_stdlib(struct host *h)
{
	int r = require_module(h, "memlens.report");
	if (!h->opts.no_stdlib && require_module(h, "memlens.std") != 0)
		r = -1;
	return r;
}

/* Scripts may require modules that sit beside them. */
static void add_script_dir(struct host *h, const char *path)
{
	lua_State *L = h->L;
	const char *slash = strrchr(path, '/');
	lua_getglobal(L, "package");
	lua_getfield(L, -1, "path");
	if (slash)
		lua_pushlstring(L, path, (size_t)(slash - path));
	else
		lua_pushliteral(L, ".");
	const char *dir = lua_tostring(L, -1);
	lua_pushfstring(L, "%s/?.lua;%s/?/init.lua;", dir, dir);
	const char *add = lua_tostring(L, -1);
	const char *cur = lua_tostring(L, -3);
	if (cur && !strstr(cur, add)) {
		lua_pushfstring(L, "%s%s", cur, add);
		lua_setfield(L, -5, "path");
	}
	lua_pop(L, 4);
}

int host_load(struct host *h, const char *path)
{
	lua_State *L = h->L;
	add_script_dir(h, path);
	if (luaL_loadfilex(L, path, "t") != LUA_OK) {
		host_error(h, lua_tostring(L, -1), NULL);
		lua_pop(L, 1);
		h->load_failed = 1;
		return -1;
	}
	char what[128];
	snprintf(what, sizeof what, "running %s", path);
	int r = host_pcall(h, 0, 0, what);
	if (r < 0)
		h->load_failed = 1;
	return r < 0 ? -1 : 0;
}

int host_load_failed(const struct host *h)
{
	return h->load_failed;
}

void host_bind(struct host *h, struct session *s)
{
	h->s = s;
}

/* Call every callback of a list (on_sample, on_exit) with the table on top of the stack as
 * argument; a callback that fails is dropped from the list. Pops the table. */
static void run_callbacks(struct host *h, int list_ref, const char *kind)
{
	lua_State *L = h->L;
	lua_rawgeti(L, LUA_REGISTRYINDEX, list_ref);
	lua_Integer n = (lua_Integer)lua_rawlen(L, -1);
	for (lua_Integer i = 1; i <= n && !h->exit_requested; i++) {
		if (lua_rawgeti(L, -1, i) != LUA_TFUNCTION) {
			lua_pop(L, 1);
			continue;
		}
		lua_Debug ar;
		lua_pushvalue(L, -1);
		lua_getinfo(L, ">S", &ar);
		char what[160];
		snprintf(what, sizeof what, "%s callback defined at %s:%d", kind, ar.short_src, ar.linedefined);
		lua_pushvalue(L, -3); /* the argument */
		int r = host_pcall(h, 1, 0, what);
		if (r < 0) {
			lua_pushboolean(L, 0);
			lua_rawseti(L, -2, i);
			host_log(h, HOST_WARN, "%s: disabled after the error", what);
		}
	}
	lua_pop(L, 2);
}

static void client_sample(struct session *s, void *arg)
{
	struct host *h = arg;
	if (h->exit_requested)
		return;
	budget_eval_all(h, 0);
	heuristic_eval_all(h, 0);
	if (h->exit_requested)
		return;
	api_push_sample(h->L, h);
	run_callbacks(h, h->on_sample_ref, "on_sample");
	if (h->exit_requested)
		session_stop(s);
}

static void client_target_end(struct session *s, void *arg)
{
	struct host *h = arg;
	const struct model *m = &s->model;
	if (m->target == TARGET_EXITED)
		host_log(h, HOST_INFO, "target exited with status %d", m->exit_code);
	else if (m->target == TARGET_KILLED)
		host_log(h, HOST_INFO, "target killed by signal %d", m->signal);
	else
		host_log(h, HOST_INFO, "target ended");
}

void host_client(struct host *h, struct session_client *c)
{
	*c = (struct session_client){
	        .arg = h,
	        .fd = -1,
	        .on_sample = client_sample,
	        .on_target_end = client_target_end,
	};
}

const char *host_end_name(const struct host *h)
{
	if (h->exit_requested)
		return "exit";
	switch (h->end_reason) {
	case SESSION_TARGET_ENDED: return "target-ended";
	case SESSION_DURATION: return "duration";
	case SESSION_SIGNAL: return "signal";
	case SESSION_STOPPED: return "stopped";
	}
	return "stopped";
}

void host_finish(struct host *h, enum session_end why)
{
	if (h->finished || !h->s)
		return;
	h->end_reason = why;
	int exiting = h->exit_requested;
	if (!exiting) {
		budget_eval_all(h, 1);
		heuristic_eval_all(h, 1);
	}
	lua_State *L = h->L;
	api_push_target(L, h);
	lua_pushstring(L, host_end_name(h));
	lua_setfield(L, -2, "reason");
	h->exit_requested = 0; /* on_exit callbacks run even after memlens.exit */
	run_callbacks(h, h->on_exit_ref, "on_exit");
	h->exit_requested = h->exit_requested || exiting;
	h->finished = 1;
}

int host_report_text(struct host *h, FILE *out)
{
	lua_State *L = h->L;
	lua_getglobal(L, "memlens");
	if (lua_getfield(L, -1, "report") != LUA_TFUNCTION) {
		lua_pop(L, 2);
		host_error(
		        h,
		        "memlens.report is not a function: no text report (is the library's memlens/report.lua there?)",
		        NULL);
		return -1;
	}
	lua_remove(L, -2);
	api_push_target(L, h);
	if (host_pcall(h, 1, 1, "memlens.report") != 0)
		return -1;
	size_t len;
	const char *text = lua_tolstring(L, -1, &len);
	if (text)
		fwrite(text, 1, len, out);
	else
		host_error(h, "memlens.report returned no string", NULL);
	lua_pop(L, 1);
	return text ? 0 : -1;
}

int host_exit_requested(const struct host *h)
{
	return h->exit_requested;
}

int host_exit_status(const struct host *h)
{
	if (h->exit_requested)
		return h->exit_code;
	if (h->nerrors)
		return EXIT_SCRIPT_ERROR;
	for (size_t i = 0; i < h->nbudgets; i++)
		if (h->budgets[i].violated)
			return EXIT_BUDGET;
	for (size_t i = 0; i < h->nheuristics; i++)
		for (size_t k = 0; k < h->heuristics[i].nfindings; k++)
			if (h->heuristics[i].findings[k].ever_fired)
				return EXIT_HEURISTIC;
	return 0;
}

const struct budget *host_budgets(const struct host *h, size_t *n)
{
	*n = h->nbudgets;
	return h->budgets;
}

const struct heuristic *host_heuristics(const struct host *h, size_t *n)
{
	*n = h->nheuristics;
	return h->heuristics;
}

const struct host_message *host_messages(const struct host *h, size_t *n)
{
	*n = h->nmessages;
	return h->messages;
}

char *host_fmt_value(char *buf, size_t len, double v, enum host_unit unit)
{
	return api_fmt_value(buf, len, v, unit);
}

double host_last_evaluation_age(const struct host *h)
{
	if (!h->s || h->last_eval_s < 0)
		return -1;
	return model_now_s(&h->s->model) - h->last_eval_s;
}

size_t host_lua_memory(const struct host *h)
{
	return h->mem_used;
}

size_t host_error_count(const struct host *h)
{
	return h->nerrors;
}

int host_budgets_violated(const struct host *h)
{
	int n = 0;
	for (size_t i = 0; i < h->nbudgets; i++)
		n += h->budgets[i].over_now;
	return n;
}

int host_findings_fired(const struct host *h)
{
	int n = 0;
	for (size_t i = 0; i < h->nheuristics; i++)
		for (size_t k = 0; k < h->heuristics[i].nfindings; k++)
			n += h->heuristics[i].findings[k].current && h->heuristics[i].findings[k].fired;
	return n;
}
