/* budget.c — budgets: a limit on a metric of the model (or a script's own), checked on the sampling clock, with
 * `sustained`. */
#include "config.h"

#include <lauxlib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "lua/internal.h"

enum metric_kind {
	M_GAUGE,     /* a figure of the latest sample */
	M_RATE,      /* growth per second of a cumulative series over `window` */
	M_SLOPE,     /* regression slope of a series over `window` */
	M_COMPONENT, /* live bytes of the sites matching a pattern */
	M_CUSTOM,    /* the script's value function */
};

struct metric {
	const char *name;
	enum metric_kind kind;
	enum host_unit unit;
	const char *series; /* the series it reads */
	double every_s, window_s;
};

static const struct metric metrics[] = {
        {"heap.live", M_GAUGE, HOST_UNIT_BYTES, "heap.live", 0, 0},
        {"heap.blocks", M_GAUGE, HOST_UNIT_COUNT, NULL, 0, 0},
        {"heap.peak", M_GAUGE, HOST_UNIT_BYTES, NULL, 0, 0},
        {"mmap.live", M_GAUGE, HOST_UNIT_BYTES, "mmap.live", 0, 0},
        {"rss", M_GAUGE, HOST_UNIT_BYTES, "rss", 0, 0},
        {"rss.anon", M_GAUGE, HOST_UNIT_BYTES, "rss.anon", 0, 0},
        {"vm.size", M_GAUGE, HOST_UNIT_BYTES, "vm.size", 0, 0},
        {"threads", M_GAUGE, HOST_UNIT_COUNT, "threads", 0, 0},
        {"alloc.rate", M_RATE, HOST_UNIT_BYTES_PER_S, "heap.bytes", 0, 1},
        {"alloc.calls", M_RATE, HOST_UNIT_COUNT_PER_S, "heap.allocs", 0, 1},
        {"heap.growth", M_SLOPE, HOST_UNIT_BYTES_PER_S, "heap.live", 1, 60},
        {"component", M_COMPONENT, HOST_UNIT_BYTES, NULL, 1, 0},
};

#define NMETRICS (sizeof metrics / sizeof metrics[0])

static const char *const spec_keys[] = {"max",   "sustained", "every", "window",       "after",       "name",
                                        "match", "value",     "unit",  "on_violation", "description", NULL};

static const struct metric *find_metric(const char *name)
{
	for (size_t i = 0; i < NMETRICS; i++)
		if (strcmp(metrics[i].name, name) == 0)
			return &metrics[i];
	return NULL;
}

static void budget_clear(lua_State *L, struct budget *b)
{
	free(b->name);
	free(b->metric);
	free(b->where);
	free(b->match);
	if (L) {
		luaL_unref(L, LUA_REGISTRYINDEX, b->value_ref);
		luaL_unref(L, LUA_REGISTRYINDEX, b->on_violation);
	}
	memset(b, 0, sizeof *b);
}

void budget_free_all(struct host *h)
{
	for (size_t i = 0; i < h->nbudgets; i++)
		budget_clear(NULL, &h->budgets[i]);
	free(h->budgets);
	h->budgets = NULL;
	h->nbudgets = h->budgets_cap = 0;
}

/* A definition error: recorded with the definition's place, never raised (the rest of the
 * script still loads). */
static void bad_spec(struct host *h, const char *where, const char *name, const char *fmt, const char *arg,
                     const char *arg2)
{
	char cause[512], msg[1024];
	snprintf(cause, sizeof cause, fmt, arg, arg2);
	snprintf(msg, sizeof msg, "%s: budget '%s': %s", where, name, cause);
	host_error(h, msg, NULL);
}

/* spec.<key> parsed as unit into *out (left alone when absent). 0, or -1 after the error. */
static int spec_value(lua_State *L, int spec, const char *key, enum host_unit unit, double *out, struct host *h,
                      const char *where, const char *name)
{
	lua_getfield(L, spec, key);
	int r = 0;
	if (!lua_isnil(L, -1)) {
		const char *why;
		if (api_parse_value(L, -1, unit, out, &why) != 0) {
			char field[64];
			snprintf(field, sizeof field, "bad %s '%%s' (expected %%s)", key);
			bad_spec(h, where, name, field, luaL_tolstring(L, -1, NULL), why);
			lua_pop(L, 1);
			r = -1;
		}
	}
	lua_pop(L, 1);
	return r;
}

static int spec_keys_ok(lua_State *L, int spec, struct host *h, const char *where, const char *name)
{
	lua_pushnil(L);
	while (lua_next(L, spec)) {
		lua_pop(L, 1);
		int ok = 0;
		if (lua_type(L, -1) == LUA_TSTRING)
			for (int i = 0; spec_keys[i] && !ok; i++)
				ok = strcmp(lua_tostring(L, -1), spec_keys[i]) == 0;
		if (!ok) {
			bad_spec(h, where, name, "unknown field '%s'%s", luaL_tolstring(L, -1, NULL),
			         " (max, sustained, every, window, after, name, match, value, unit, on_violation, "
			         "description)");
			lua_pop(L, 2);
			return -1;
		}
	}
	return 0;
}

static int spec_function(lua_State *L, int spec, const char *key, int *ref, struct host *h, const char *where,
                         const char *name)
{
	*ref = LUA_NOREF;
	int t = lua_getfield(L, spec, key);
	if (t == LUA_TNIL) {
		lua_pop(L, 1);
		return 0;
	}
	if (t != LUA_TFUNCTION) {
		bad_spec(h, where, name, "%s must be a function, not a %s", key, luaL_typename(L, -1));
		lua_pop(L, 1);
		return -1;
	}
	*ref = luaL_ref(L, LUA_REGISTRYINDEX);
	return 0;
}

static struct budget *slot_for(struct host *h, const char *name)
{
	for (size_t i = 0; i < h->nbudgets; i++)
		if (strcmp(h->budgets[i].name, name) == 0) {
			budget_clear(h->L, &h->budgets[i]); /* redefined: the new one replaces it */
			return &h->budgets[i];
		}
	if (h->nbudgets == h->budgets_cap) {
		h->budgets_cap = h->budgets_cap ? h->budgets_cap * 2 : 8;
		h->budgets = xrealloc(h->budgets, h->budgets_cap * sizeof *h->budgets);
	}
	return &h->budgets[h->nbudgets++];
}

/* The unit and (component) pattern of a budget being defined; 0 or -1 after the error. */
static int define_kind(lua_State *L, int spec, struct host *h, const char *where, const char *metric,
                       const struct metric *mt, struct budget *b)
{
	if (!mt) {
		lua_getfield(L, spec, "unit");
		const char *u = lua_tostring(L, -1);
		b->unit = HOST_UNIT_NUMBER;
		if (u) {
			int k = -1;
			for (int i = 0; api_unit_name((enum host_unit)i) && i <= HOST_UNIT_SECONDS; i++)
				if (strcmp(u, api_unit_name((enum host_unit)i)) == 0)
					k = i;
			if (k < 0) {
				bad_spec(h, where, metric, "bad unit '%s'%s", u,
				         " (number, bytes, count, bytes/s, count/s or seconds)");
				lua_pop(L, 1);
				return -1;
			}
			b->unit = (enum host_unit)k;
		}
		lua_pop(L, 1);
		return 0;
	}
	b->unit = mt->unit;
	if (mt->kind != M_COMPONENT)
		return 0;
	lua_getfield(L, spec, "match");
	const char *pat = lua_tostring(L, -1);
	char err[256];
	if (!pat) {
		bad_spec(h, where, metric, "%s%s", "a component needs match = \"REGEX\"", "");
	} else if ((b->regex = patterns_get(h->patterns, pat, err, sizeof err)) < 0) {
		bad_spec(h, where, metric, "%s%s", err, "");
	} else {
		b->match = xstrdup(pat);
		b->regex_gen = patterns_generation(h->patterns);
	}
	lua_pop(L, 1);
	return b->match ? 0 : -1;
}

void budget_define(lua_State *L, const char *metric, int spec, const char *where)
{
	struct host *h = host_of(L);
	if (h->evaluating)
		luaL_error(L, "budget: not allowed inside a heuristic's check, a budget's value or on_violation");
	const struct metric *mt = find_metric(metric);
	struct budget b = {.regex = -1, .value_ref = LUA_NOREF, .on_violation = LUA_NOREF, .over_since = -1};
	if (spec_keys_ok(L, spec, h, where, metric) != 0)
		return;
	if (spec_function(L, spec, "value", &b.value_ref, h, where, metric) != 0)
		return;
	if (!mt && b.value_ref == LUA_NOREF) {
		char known[512] = "";
		for (size_t i = 0; i < NMETRICS; i++)
			snprintf(known + strlen(known), sizeof known - strlen(known), "%s%s", i ? ", " : "",
			         metrics[i].name);
		bad_spec(h, where, metric, "unknown metric (one of %s; or give value = function() ... end)%s", known,
		         "");
		return;
	}
	if (mt && b.value_ref != LUA_NOREF) {
		luaL_unref(L, LUA_REGISTRYINDEX, b.value_ref);
		bad_spec(h, where, metric, "%s%s", "value = function is for metrics of your own: this one is built in",
		         "");
		return;
	}
	int bad = define_kind(L, spec, h, where, metric, mt, &b);
	lua_getfield(L, spec, "max");
	int has_max = !lua_isnil(L, -1);
	lua_pop(L, 1);
	if (!bad && !has_max) {
		bad_spec(h, where, metric, "%s%s", "no max = LIMIT given", "");
		bad = 1;
	}
	b.every_s = mt ? mt->every_s : 0;
	b.window_s = mt ? mt->window_s : 0;
	bad = bad || spec_value(L, spec, "max", b.unit, &b.max, h, where, metric) != 0;
	bad = bad || spec_value(L, spec, "sustained", HOST_UNIT_SECONDS, &b.sustained_s, h, where, metric) != 0;
	bad = bad || spec_value(L, spec, "every", HOST_UNIT_SECONDS, &b.every_s, h, where, metric) != 0;
	bad = bad || spec_value(L, spec, "window", HOST_UNIT_SECONDS, &b.window_s, h, where, metric) != 0;
	bad = bad || spec_value(L, spec, "after", HOST_UNIT_SECONDS, &b.after_s, h, where, metric) != 0;
	bad = bad || spec_function(L, spec, "on_violation", &b.on_violation, h, where, metric) != 0;
	const char *shown = metric;
	lua_getfield(L, spec, "name");
	if (!bad && mt && mt->kind == M_COMPONENT) {
		shown = lua_tostring(L, -1);
		if (!shown) {
			bad_spec(h, where, metric, "%s%s", "a component needs name = \"NAME\"", "");
			bad = 1;
		}
	}
	if (bad) {
		lua_pop(L, 1);
		luaL_unref(L, LUA_REGISTRYINDEX, b.value_ref);
		luaL_unref(L, LUA_REGISTRYINDEX, b.on_violation);
		free(b.match);
		return;
	}
	b.name = xstrdup(shown);
	lua_pop(L, 1);
	b.metric = xstrdup(metric);
	b.where = xstrdup(where);
	*slot_for(h, b.name) = b;
}

/* ---- evaluation ------------------------------------------------------------------------ */

/* Points of a series within window seconds of the last (after `after`), into x/y. */
static size_t series_points(struct model *m, int field, double window, double after, double *x, double *y, size_t max)
{
	size_t total = series_count(m->series);
	if (!total)
		return 0;
	double from = series_get(m->series, total - 1)->t - window;
	if (from < after)
		from = after;
	size_t first = total;
	while (first > 0 && series_get(m->series, first - 1)->t >= from && total - first < max)
		first--;
	for (size_t i = first; i < total; i++) {
		const struct sample *s = series_get(m->series, i);
		x[i - first] = s->t;
		y[i - first] = objects_series_value(field, s);
	}
	return total - first;
}

#define MAX_POINTS 4096

static int slope_or_rate(struct host *h, struct budget *b, const struct metric *mt, double *out)
{
	static double x[MAX_POINTS], y[MAX_POINTS];
	struct model *m = &h->s->model;
	size_t n = series_points(m, objects_series_field(mt->series), b->window_s, b->after_s, x, y, MAX_POINTS);
	if (n < 2 || x[n - 1] - x[0] < b->window_s / 2) /* too little history to judge yet */
		return -1;
	if (mt->kind == M_RATE) {
		*out = (y[n - 1] - y[0]) / (x[n - 1] - x[0]);
		return 0;
	}
	double r2, icept;
	return stats_linreg(x, y, n, out, &r2, &icept);
}

static int component_value(struct host *h, struct budget *b, double *out)
{
	if (b->regex_gen != patterns_generation(h->patterns)) {
		char err[256];
		b->regex = patterns_get(h->patterns, b->match, err, sizeof err);
		b->regex_gen = patterns_generation(h->patterns);
	}
	struct model *m = &h->s->model;
	double sum = 0;
	for (size_t i = 0; i < m->nsites; i++) {
		const struct site *x = &m->sites[i];
		if (x->c.live_bytes > 0 && x->kind != MLR_KIND_THREAD &&
		    patterns_match_site(h->patterns, b->regex, h->s, (uint32_t)i))
			sum += (double)x->c.live_bytes;
	}
	*out = sum;
	return 0;
}

static int custom_value(struct host *h, struct budget *b, double *out)
{
	lua_State *L = h->L;
	char what[300];
	snprintf(what, sizeof what, "budget '%s' value, defined at %s", b->name, b->where);
	lua_rawgeti(L, LUA_REGISTRYINDEX, b->value_ref);
	if (host_pcall(h, 0, 1, what) != 0) {
		b->disabled = 1;
		return -1;
	}
	int ok;
	*out = lua_tonumberx(L, -1, &ok);
	if (!ok && !lua_isnil(L, -1)) {
		char msg[400];
		snprintf(msg, sizeof msg, "%s: budget '%s': value returned a %s, not a number", b->where, b->name,
		         luaL_typename(L, -1));
		host_error(h, msg, NULL);
		b->disabled = 1;
	}
	lua_pop(L, 1);
	return ok ? 0 : -1;
}

/* The model's latest figure (updated once more when the target ends). */
static int gauge_value(const struct model *m, const struct metric *mt, double *out)
{
	if (!m->nsamples)
		return -1;
	if (strcmp(mt->name, "heap.live") == 0)
		*out = (double)m->heap.live_bytes;
	else if (strcmp(mt->name, "heap.blocks") == 0)
		*out = (double)m->heap.live_blocks;
	else if (strcmp(mt->name, "heap.peak") == 0)
		*out = (double)m->peak_live;
	else if (strcmp(mt->name, "mmap.live") == 0)
		*out = (double)m->mmap.live_bytes;
	else
		*out = objects_series_value(objects_series_field(mt->series), series_last(m->series));
	return 0;
}

static int metric_value(struct host *h, struct budget *b, double *out)
{
	const struct metric *mt = find_metric(b->metric);
	struct model *m = &h->s->model;
	if (!mt)
		return custom_value(h, b, out);
	switch (mt->kind) {
	case M_GAUGE: return gauge_value(m, mt, out);
	case M_RATE:
	case M_SLOPE: return slope_or_rate(h, b, mt, out);
	case M_COMPONENT: return component_value(h, b, out);
	case M_CUSTOM: break;
	}
	return custom_value(h, b, out);
}

static void push_budget(lua_State *L, const struct budget *b);

static void violated(struct host *h, struct budget *b, double now)
{
	char v[48], lim[48];
	api_fmt_value(v, sizeof v, b->value, b->unit);
	api_fmt_value(lim, sizeof lim, b->max, b->unit);
	if (strcmp(v, lim) == 0) { /* over by less than the rounding: say by how much */
		snprintf(v, sizeof v, "%.0f", b->value);
		snprintf(lim, sizeof lim, "%.0f", b->max);
	}
	if (!b->violated) {
		b->violated = 1;
		b->first_violation = now;
	}
	host_log(h, HOST_WARN, "budget '%s' violated: %s > %s%s", b->name, v, lim,
	         b->sustained_s > 0 ? " (sustained)" : "");
	if (b->on_violation == LUA_NOREF)
		return;
	char what[300];
	snprintf(what, sizeof what, "budget '%s' on_violation, defined at %s", b->name, b->where);
	lua_rawgeti(h->L, LUA_REGISTRYINDEX, b->on_violation);
	push_budget(h->L, b);
	if (host_pcall(h, 1, 0, what) < 0) {
		luaL_unref(h->L, LUA_REGISTRYINDEX, b->on_violation);
		b->on_violation = LUA_NOREF;
	}
}

static void eval_one(struct host *h, struct budget *b, double now)
{
	double v;
	if (metric_value(h, b, &v) != 0)
		return;
	b->value = v;
	if (!b->has_value || v > b->peak)
		b->peak = v;
	b->has_value = 1;
	if (v <= b->max) {
		b->over_since = -1;
		b->over_now = 0;
		return;
	}
	if (b->over_since < 0)
		b->over_since = now;
	if (!b->over_now && now - b->over_since >= b->sustained_s) {
		b->over_now = 1;
		violated(h, b, now);
	}
}

void budget_eval_all(struct host *h, int final)
{
	if (!h->s)
		return;
	double now = model_now_s(&h->s->model);
	/* by index: a callback may define more budgets (the array may move) */
	for (size_t i = 0; i < h->nbudgets && !h->exit_requested; i++) {
		struct budget *b = &h->budgets[i];
		if (b->disabled || now < b->after_s || (!final && now < b->next_eval))
			continue;
		b->next_eval = now + b->every_s;
		h->evaluating = 1;
		eval_one(h, b, now);
		h->evaluating = 0;
	}
}

const char *budget_status(const struct budget *b)
{
	if (b->disabled)
		return "error";
	if (b->violated)
		return "violated";
	return b->has_value ? "ok" : "no-data";
}

static void push_budget(lua_State *L, const struct budget *b)
{
	lua_createtable(L, 0, 14);
	lua_pushstring(L, b->name);
	lua_setfield(L, -2, "name");
	lua_pushstring(L, b->metric);
	lua_setfield(L, -2, "metric");
	lua_pushstring(L, api_unit_name(b->unit));
	lua_setfield(L, -2, "unit");
	lua_pushnumber(L, b->max);
	lua_setfield(L, -2, "max");
	if (b->has_value) {
		lua_pushnumber(L, b->value);
		lua_setfield(L, -2, "value");
		lua_pushnumber(L, b->peak);
		lua_setfield(L, -2, "peak");
	}
	lua_pushstring(L, budget_status(b));
	lua_setfield(L, -2, "status");
	lua_pushboolean(L, b->over_now);
	lua_setfield(L, -2, "over");
	if (b->violated) {
		lua_pushnumber(L, b->first_violation);
		lua_setfield(L, -2, "violated_at");
	}
	if (b->over_since >= 0) {
		lua_pushnumber(L, b->over_since);
		lua_setfield(L, -2, "over_since");
	}
	lua_pushnumber(L, b->sustained_s);
	lua_setfield(L, -2, "sustained");
	lua_pushstring(L, b->where);
	lua_setfield(L, -2, "where");
	if (b->match) {
		lua_pushstring(L, b->match);
		lua_setfield(L, -2, "match");
	}
}

void budget_push_all(lua_State *L, struct host *h)
{
	lua_createtable(L, (int)h->nbudgets, 0);
	for (size_t i = 0; i < h->nbudgets; i++) {
		push_budget(L, &h->budgets[i]);
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
}
