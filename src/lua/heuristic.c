/* heuristic.c — heuristics: a script's check run over the sites (or the process) on a schedule, and the findings it
 * reports. */
#include "config.h"

#include <lauxlib.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/sitehist.h"
#include "core/util.h"
#include "lua/internal.h"

/* New findings logged per evaluation; the rest are counted in one line. */
#define LOG_PER_PASS 8
/* The time heuristics may take of one sample (every 100 ms): a pass over 10^5 sites is spread
 * over samples instead of stalling the loop (and the TUI) for a fraction of a second. */
#define HEURISTIC_SLICE_MS 20

static const char *const scope_names[] = {"active", "live", "all", "process", NULL};
static const char *const spec_keys[] = {"check", "every",  "threshold",   "scope",  "category",
                                        "unit",  "window", "description", "blocks", NULL};

static void findings_clear(struct heuristic *he)
{
	for (size_t i = 0; i < he->nfindings; i++)
		free(he->findings[i].reason);
	free(he->findings);
	free(he->index);
	he->findings = NULL;
	he->index = NULL;
	he->nfindings = he->findings_cap = he->index_cap = 0;
}

static void heuristic_clear(lua_State *L, struct heuristic *he)
{
	free(he->name);
	free(he->where);
	free(he->category);
	free(he->description);
	if (L)
		luaL_unref(L, LUA_REGISTRYINDEX, he->check_ref);
	findings_clear(he);
	memset(he, 0, sizeof *he);
}

void heuristic_free_all(struct host *h)
{
	for (size_t i = 0; i < h->nheuristics; i++)
		heuristic_clear(NULL, &h->heuristics[i]);
	free(h->heuristics);
	h->heuristics = NULL;
	h->nheuristics = h->heuristics_cap = 0;
}

/* ---- definition ------------------------------------------------------------------------ */

static void bad_spec(struct host *h, const char *where, const char *name, const char *cause)
{
	char msg[1024];
	snprintf(msg, sizeof msg, "%s: heuristic '%s': %s", where, name, cause);
	host_error(h, msg, NULL);
}

static int check_keys(lua_State *L, int spec, struct host *h, const char *where, const char *name)
{
	lua_pushnil(L);
	while (lua_next(L, spec)) {
		lua_pop(L, 1);
		int ok = 0;
		if (lua_type(L, -1) == LUA_TSTRING)
			for (int i = 0; spec_keys[i] && !ok; i++)
				ok = strcmp(lua_tostring(L, -1), spec_keys[i]) == 0;
		if (!ok) {
			char cause[256];
			snprintf(cause, sizeof cause,
			         "unknown field '%s' (check, every, threshold, scope, category, unit, window, blocks, "
			         "description)",
			         luaL_tolstring(L, -1, NULL));
			bad_spec(h, where, name, cause);
			lua_pop(L, 2);
			return -1;
		}
	}
	return 0;
}

static int spec_number(lua_State *L, int spec, const char *key, enum host_unit unit, double *out, struct host *h,
                       const char *where, const char *name)
{
	lua_getfield(L, spec, key);
	int r = 0;
	const char *why;
	if (!lua_isnil(L, -1) && api_parse_value(L, -1, unit, out, &why) != 0) {
		char cause[256];
		snprintf(cause, sizeof cause, "bad %s '%s' (expected %s)", key, luaL_tolstring(L, -1, NULL), why);
		lua_pop(L, 1);
		bad_spec(h, where, name, cause);
		r = -1;
	}
	lua_pop(L, 1);
	return r;
}

/* spec.key, one of names (default dflt): its index, or -1 after the error. */
static int spec_option(lua_State *L, int spec, const char *key, const char *const *names, int dflt, struct host *h,
                       const char *where, const char *name)
{
	lua_getfield(L, spec, key);
	int r = dflt;
	if (!lua_isnil(L, -1)) {
		const char *v = lua_tostring(L, -1);
		r = -1;
		for (int i = 0; v && names[i]; i++)
			if (strcmp(v, names[i]) == 0)
				r = i;
		if (r < 0) {
			char cause[256];
			snprintf(cause, sizeof cause, "bad %s '%s'", key, v ? v : luaL_typename(L, -1));
			bad_spec(h, where, name, cause);
		}
	}
	lua_pop(L, 1);
	return r;
}

static char *spec_string(lua_State *L, int spec, const char *key, const char *dflt)
{
	lua_getfield(L, spec, key);
	const char *v = lua_tostring(L, -1);
	char *r = v ? xstrdup(v) : dflt ? xstrdup(dflt) : NULL;
	lua_pop(L, 1);
	return r;
}

static const char *const unit_names[] = {"number", "bytes", "count", "bytes/s", "count/s", "seconds", NULL};

static struct heuristic *find(struct host *h, const char *name)
{
	for (size_t i = 0; i < h->nheuristics; i++)
		if (strcmp(h->heuristics[i].name, name) == 0)
			return &h->heuristics[i];
	return NULL;
}

static void refuse_while_evaluating(lua_State *L, const char *what)
{
	struct host *h = host_of(L);
	if (h->evaluating)
		luaL_error(L, "%s: not allowed inside a heuristic's check, a budget's value or on_violation", what);
}

void heuristic_define(lua_State *L, const char *name, int spec, const char *where)
{
	struct host *h = host_of(L);
	refuse_while_evaluating(L, "heuristic");
	struct heuristic he = {.every_s = 5, .window_s = 60, .check_ref = LUA_NOREF};
	if (check_keys(L, spec, h, where, name) != 0)
		return;
	if (lua_getfield(L, spec, "check") != LUA_TFUNCTION) {
		char cause[128];
		snprintf(cause, sizeof cause, "check must be a function(site, history), not %s", luaL_typename(L, -1));
		lua_pop(L, 1);
		bad_spec(h, where, name, cause);
		return;
	}
	lua_pop(L, 1);
	int scope = spec_option(L, spec, "scope", scope_names, SCOPE_ACTIVE, h, where, name);
	int unit = spec_option(L, spec, "unit", unit_names, HOST_UNIT_NUMBER, h, where, name);
	if (scope < 0 || unit < 0 ||
	    spec_number(L, spec, "every", HOST_UNIT_SECONDS, &he.every_s, h, where, name) != 0 ||
	    spec_number(L, spec, "window", HOST_UNIT_SECONDS, &he.window_s, h, where, name) != 0)
		return;
	lua_getfield(L, spec, "threshold");
	if (!lua_isnil(L, -1) && !lua_isnumber(L, -1)) {
		lua_pop(L, 1);
		bad_spec(h, where, name, "threshold must be a number");
		return;
	}
	he.threshold = lua_tonumber(L, -1);
	lua_pop(L, 1);
	if (he.every_s <= 0) {
		bad_spec(h, where, name, "every must be more than 0");
		return;
	}
	he.scope = (enum heuristic_scope)scope;
	he.unit = (enum host_unit)unit;
	lua_getfield(L, spec, "check");
	he.check_ref = luaL_ref(L, LUA_REGISTRYINDEX);
	he.name = xstrdup(name);
	he.where = xstrdup(where);
	lua_getfield(L, spec, "blocks");
	he.blocks = lua_toboolean(L, -1);
	lua_pop(L, 1);
	he.category = spec_string(L, spec, "category", "leak");
	he.description = spec_string(L, spec, "description", NULL);
	he.next_eval = he.every_s;
	struct heuristic *old = find(h, name);
	if (old) { /* redefined (a script replacing a standard one): the new one takes its place */
		heuristic_clear(L, old);
		*old = he;
		return;
	}
	if (h->nheuristics == h->heuristics_cap) {
		h->heuristics_cap = h->heuristics_cap ? h->heuristics_cap * 2 : 8;
		h->heuristics = xrealloc(h->heuristics, h->heuristics_cap * sizeof *h->heuristics);
	}
	h->heuristics[h->nheuristics++] = he;
}

int heuristic_remove(lua_State *L, struct host *h, const char *name)
{
	refuse_while_evaluating(L, "memlens.remove");
	struct heuristic *he = find(h, name);
	if (!he)
		return 0;
	heuristic_clear(h->L, he);
	size_t i = (size_t)(he - h->heuristics);
	memmove(he, he + 1, (h->nheuristics - i - 1) * sizeof *he);
	h->nheuristics--;
	return 1;
}

/* ---- findings -------------------------------------------------------------------------- */

static size_t hash_id(uint32_t id, size_t cap)
{
	return (size_t)((id * 2654435761u) & (cap - 1));
}

static void index_rebuild(struct heuristic *he, size_t cap)
{
	free(he->index);
	he->index = xcalloc(cap, sizeof *he->index);
	he->index_cap = cap;
	for (size_t i = 0; i < he->nfindings; i++) {
		size_t k = hash_id(he->findings[i].site, cap);
		while (he->index[k])
			k = (k + 1) & (cap - 1);
		he->index[k] = (uint32_t)i + 1;
	}
}

static struct finding *finding_of(struct heuristic *he, uint32_t site)
{
	if (!he->index_cap)
		return NULL;
	for (size_t k = hash_id(site, he->index_cap); he->index[k]; k = (k + 1) & (he->index_cap - 1))
		if (he->findings[he->index[k] - 1].site == site)
			return &he->findings[he->index[k] - 1];
	return NULL;
}

static struct finding *finding_add(struct heuristic *he, uint32_t site, double now)
{
	if (he->nfindings == he->findings_cap) {
		he->findings_cap = he->findings_cap ? he->findings_cap * 2 : 16;
		he->findings = xrealloc(he->findings, he->findings_cap * sizeof *he->findings);
	}
	struct finding *f = &he->findings[he->nfindings++];
	*f = (struct finding){.site = site, .first_s = now};
	if (he->nfindings * 2 > he->index_cap)
		index_rebuild(he, he->index_cap ? he->index_cap * 2 : 32);
	else {
		size_t k = hash_id(site, he->index_cap);
		while (he->index[k])
			k = (k + 1) & (he->index_cap - 1);
		he->index[k] = (uint32_t)he->nfindings;
	}
	return f;
}

/* ---- evaluation ------------------------------------------------------------------------ */

/* One slice of a pass (the pass's state lives in the heuristic). */
struct pass {
	struct host *h;
	size_t hi; /* heuristic index (the array does not move during a pass: definitions are refused) */
	double now;
	uint64_t seq;
	uint64_t deadline_ns; /* stop the slice then (CLOCK_MONOTONIC); 0: run the pass to its end */
	int done;             /* the pass reached its end */
};

static void log_fired(struct pass *p, struct heuristic *he, struct finding *f)
{
	lua_State *L = p->h->L;
	if (he->logged >= LOG_PER_PASS) {
		he->unlogged++;
		return;
	}
	he->logged++;
	const char *label = "the process";
	if (f->site != FINDING_PROCESS) {
		objects_push_site(L, f->site);
		lua_getfield(L, -1, "label");
		label = lua_tostring(L, -1);
	}
	host_log(p->h, HOST_WARN, "heuristic '%s': %s: %s", he->name, label ? label : "?", f->reason);
	if (f->site != FINDING_PROCESS)
		lua_pop(L, 2);
}

/* Record the check's results (the two values on top of the stack, popped) for site. */
static void take_result(lua_State *L, struct pass *p, uint32_t site)
{
	struct heuristic *he = &p->h->heuristics[p->hi];
	double score;
	const char *reason = NULL;
	if (lua_istable(L, -2)) {
		lua_getfield(L, -2, "score");
		lua_getfield(L, -3, "reason");
		lua_replace(L, -3);
		lua_replace(L, -3);
	}
	struct finding *f = finding_of(he, site);
	if (lua_isnil(L, -2) || (lua_isboolean(L, -2) && !lua_toboolean(L, -2))) {
		if (f) {
			f->current = 0;
			f->fired = 0;
			f->seen = p->seq;
		}
		lua_pop(L, 2);
		return;
	}
	if (!lua_isnumber(L, -2)) {
		lua_pushfstring(L,
		                "%s: heuristic '%s': check returned %s as the score (expected nil, a number and a "
		                "reason, or {score = N, reason = \"...\"})",
		                he->where, he->name, luaL_typename(L, -2));
		lua_error(L);
	}
	score = lua_tonumber(L, -2);
	reason = lua_tostring(L, -1);
	if (!f)
		f = finding_add(he, site, p->now);
	if (!f->reason || strcmp(f->reason, reason ? reason : "") != 0) {
		free(f->reason);
		f->reason = xstrdup(reason ? reason : "");
	}
	int was = f->fired;
	f->score = score;
	f->last_s = p->now;
	f->current = 1;
	f->seen = p->seq;
	f->fired = score > he->threshold;
	if (f->fired && !was && !f->ever_fired)
		log_fired(p, he, f);
	f->ever_fired |= f->fired;
	lua_pop(L, 2);
}

static int site_selected(struct host *h, enum heuristic_scope scope, uint32_t id)
{
	const struct site *x = &h->s->model.sites[id];
	if (!x->c.allocs || x->kind == MLR_KIND_THREAD)
		return 0;
	switch (scope) {
	case SCOPE_ACTIVE: return sitehist_active(h->s->model.hist, id);
	case SCOPE_LIVE: return x->c.live_blocks > 0;
	default: return 1;
	}
}

static void check_site(lua_State *L, struct pass *p, uint32_t id)
{
	lua_pushvalue(L, 1); /* check */
	objects_push_site(L, id);
	objects_push_history(L, id);
	host_arm_limit(p->h);
	lua_call(L, 2, 2);
	take_result(L, p, id);
}

/* Protected: the sites in scope from the heuristic's cursor on, then the sites of earlier
 * findings not in scope now (so that a finding clears when its site goes quiet). Returns at
 * the slice's deadline (checked every 64 sites) with the cursor saved. Stack: 1 check, 2 pass. */
static int eval_sites(lua_State *L)
{
	struct pass *p = lua_touserdata(L, 2);
	struct host *h = p->h;
	struct heuristic *he = &h->heuristics[p->hi];
	size_t n = h->s->model.nsites;
	for (uint32_t id = he->cursor; id < n; id++) {
		if (p->deadline_ns && (id & 63) == 0 && id != he->cursor && util_now_ns() >= p->deadline_ns) {
			he->cursor = id;
			return 0;
		}
		if (site_selected(h, he->scope, id))
			check_site(L, p, id);
	}
	he->cursor = (uint32_t)n;
	for (size_t i = 0; i < he->nfindings; i++) {
		struct finding *f = &he->findings[i];
		if (f->seen != p->seq && f->current)
			check_site(L, p, f->site);
	}
	p->done = 1;
	return 0;
}

/* __index of the process history: h.threads, h.heap_live or h["heap.live"] as views over
 * the heuristic's window (upvalue 1). */
static int process_history_index(lua_State *L)
{
	const char *k = luaL_checkstring(L, 2);
	char name[32];
	snprintf(name, sizeof name, "%s", k);
	for (char *c = name; *c; c++) /* no series name has an underscore */
		if (*c == '_')
			*c = '.';
	struct session *s = api_session(L, "history");
	if (objects_push_series(L, &s->model, name, lua_tonumber(L, lua_upvalueindex(1))) != 0)
		lua_pushnil(L);
	return 1;
}

/* One element of a list of findings (at the top of the stack, left there). */
static void take_list_item(lua_State *L, struct pass *p, lua_Integer i)
{
	struct heuristic *he = &p->h->heuristics[p->hi];
	uint32_t site = FINDING_PROCESS;
	if (!lua_istable(L, -1)) {
		lua_pushfstring(L, "%s: heuristic '%s': check returned a list whose element %d is a %s, not a table",
		                he->where, he->name, (int)i, luaL_typename(L, -1));
		lua_error(L);
	}
	lua_getfield(L, -1, "site");
	if (!lua_isnil(L, -1) && !objects_is_site(L, -1, &site)) {
		lua_pushfstring(L, "%s: heuristic '%s': element %d of the list: site is a %s, not a site", he->where,
		                he->name, (int)i, luaL_typename(L, -1));
		lua_error(L);
	}
	lua_pop(L, 1);
	lua_getfield(L, -1, "score");
	lua_getfield(L, -2, "reason");
	take_result(L, p, site);
}

/* Protected: check(sample, history) once; it returns nil, one finding (about the process),
 * or a list of findings {site =, score =, reason =}. Stack: 1 check, 2 pass. */
static int eval_process(lua_State *L)
{
	struct pass *p = lua_touserdata(L, 2);
	struct host *h = p->h;
	lua_pushvalue(L, 1);
	api_push_sample(L, h);
	lua_newtable(L);
	lua_createtable(L, 0, 1);
	lua_pushnumber(L, h->heuristics[p->hi].window_s);
	lua_pushcclosure(L, process_history_index, 1);
	lua_setfield(L, -2, "__index");
	lua_setmetatable(L, -2);
	host_arm_limit(h);
	lua_call(L, 2, 2);
	if (lua_istable(L, -2) && lua_rawlen(L, -2) > 0) {
		lua_Integer n = (lua_Integer)lua_rawlen(L, -2);
		for (lua_Integer i = 1; i <= n; i++) {
			lua_rawgeti(L, -2, i);
			take_list_item(L, p, i);
			lua_pop(L, 1);
		}
		lua_pop(L, 2);
	} else if (lua_istable(L, -2)) { /* one finding, perhaps naming a site */
		lua_pushvalue(L, -2);
		take_list_item(L, p, 1);
		lua_pop(L, 3);
	} else {
		take_result(L, p, FINDING_PROCESS);
	}
	struct heuristic *he = &h->heuristics[p->hi];
	for (size_t i = 0; i < he->nfindings; i++) /* what it no longer reports has cleared */
		if (he->findings[i].seen != p->seq) {
			he->findings[i].current = 0;
			he->findings[i].fired = 0;
		}
	p->done = 1;
	return 0;
}

static double thread_cpu_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A pass starts when the heuristic is due: the cursor goes back to the first site. */
static void start_pass(struct host *h, struct heuristic *he, double now)
{
	struct model *m = &h->s->model;
	he->in_pass = 1;
	he->cursor = 0;
	he->pass_seq = ++h->eval_seq;
	he->logged = he->unlogged = 0;
	he->next_eval = now + he->every_s;
	if (he->blocks && (!m->have_blocks || now - m->blocks_s >= he->every_s / 2))
		model_capture_blocks(m, &h->s->region);
}

/* One slice of the heuristic's pass, until deadline_ns (0: to the end of the pass). */
static void eval_slice(struct host *h, size_t hi, double now, uint64_t deadline_ns)
{
	lua_State *L = h->L;
	struct heuristic *he = &h->heuristics[hi];
	struct pass p = {.h = h, .hi = hi, .now = now, .seq = he->pass_seq, .deadline_ns = deadline_ns};
	char what[300];
	snprintf(what, sizeof what, "heuristic '%s', defined at %s", he->name, he->where);
	double t0 = thread_cpu_s();
	lua_pushcfunction(L, he->scope == SCOPE_PROCESS ? eval_process : eval_sites);
	lua_rawgeti(L, LUA_REGISTRYINDEX, he->check_ref);
	lua_pushlightuserdata(L, &p);
	h->evaluating = 1;
	int r = host_pcall(h, 2, 0, what);
	h->evaluating = 0;
	he = &h->heuristics[hi];
	he->cpu_s += thread_cpu_s() - t0;
	if (r < 0) {
		he->disabled = 1;
		he->in_pass = 0;
		host_log(h, HOST_WARN, "heuristic '%s' disabled after the error", he->name);
		return;
	}
	if (!p.done)
		return;
	he->in_pass = 0;
	he->evals++;
	h->last_eval_s = model_now_s(&h->s->model);
	if (he->unlogged)
		host_log(h, HOST_WARN, "heuristic '%s': %d more findings", he->name, he->unlogged);
}

void heuristic_eval_all(struct host *h, int final)
{
	if (!h->s)
		return;
	double now = model_now_s(&h->s->model);
	/* a sample gives heuristics HEURISTIC_SLICE_MS of its time; a pass takes as many samples
	 * as it needs (the final evaluation runs every pass to its end) */
	uint64_t deadline = final ? 0 : util_now_ns() + HEURISTIC_SLICE_MS * 1000000ull;
	for (size_t i = 0; i < h->nheuristics && !h->exit_requested; i++) {
		struct heuristic *he = &h->heuristics[i];
		if (he->disabled)
			continue;
		if (!he->in_pass && (final || now >= he->next_eval))
			start_pass(h, he, now);
		if (!he->in_pass)
			continue;
		if (deadline && util_now_ns() >= deadline)
			break;
		eval_slice(h, i, now, deadline);
	}
}

/* ---- for scripts and reports -------------------------------------------------------------- */

static int cmp_ranked(const void *a, const void *b)
{
	const struct host_finding_ref *x = a, *y = b;
	if (x->f->ever_fired != y->f->ever_fired)
		return y->f->ever_fired - x->f->ever_fired;
	if (x->f->score != y->f->score)
		return x->f->score < y->f->score ? 1 : -1;
	return x->f->site < y->f->site ? -1 : x->f->site > y->f->site;
}

static void push_finding(lua_State *L, const struct heuristic *he, const struct finding *f)
{
	lua_createtable(L, 0, 12);
	lua_pushstring(L, he->name);
	lua_setfield(L, -2, "heuristic");
	lua_pushstring(L, he->category);
	lua_setfield(L, -2, "category");
	if (f->site != FINDING_PROCESS) {
		objects_push_site(L, f->site);
		lua_setfield(L, -2, "site");
	}
	lua_pushnumber(L, f->score);
	lua_setfield(L, -2, "score");
	lua_pushstring(L, api_unit_name(he->unit));
	lua_setfield(L, -2, "unit");
	lua_pushnumber(L, he->threshold);
	lua_setfield(L, -2, "threshold");
	lua_pushstring(L, f->reason);
	lua_setfield(L, -2, "reason");
	lua_pushboolean(L, f->fired);
	lua_setfield(L, -2, "fired");
	lua_pushboolean(L, f->ever_fired);
	lua_setfield(L, -2, "ever_fired");
	lua_pushboolean(L, f->current);
	lua_setfield(L, -2, "current");
	lua_pushnumber(L, f->first_s);
	lua_setfield(L, -2, "first");
	lua_pushnumber(L, f->last_s);
	lua_setfield(L, -2, "last");
}

struct host_finding_ref *host_findings_ranked(const struct host *h, size_t *n)
{
	size_t total = 0;
	for (size_t i = 0; i < h->nheuristics; i++)
		total += h->heuristics[i].nfindings;
	struct host_finding_ref *v = xmalloc((total ? total : 1) * sizeof *v);
	size_t k = 0;
	for (size_t i = 0; i < h->nheuristics; i++)
		for (size_t j = 0; j < h->heuristics[i].nfindings; j++)
			v[k++] = (struct host_finding_ref){&h->heuristics[i], &h->heuristics[i].findings[j]};
	qsort(v, k, sizeof *v, cmp_ranked);
	*n = k;
	return v;
}

void heuristic_push_findings(lua_State *L, struct host *h)
{
	size_t n;
	struct host_finding_ref *v = host_findings_ranked(h, &n);
	/* pushing may raise (out of memory): the array must not leak then */
	struct host_finding_ref *copy = lua_newuserdatauv(L, (n ? n : 1) * sizeof *copy, 0);
	memcpy(copy, v, n * sizeof *v);
	free(v);
	lua_createtable(L, (int)n, 0);
	for (size_t i = 0; i < n; i++) {
		push_finding(L, copy[i].he, copy[i].f);
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	lua_remove(L, -2);
}
