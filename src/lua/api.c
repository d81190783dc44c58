/* api.c — the `memlens` Lua module: figures of the model, sizes and durations, formatting, log, exit, and the
 * declarative globals. */
#include "config.h"

#include <lauxlib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "lua/internal.h"

struct session *api_session(lua_State *L, const char *fn)
{
	struct host *h = host_of(L);
	if (!h->s)
		luaL_error(L, "%s: no target yet (call it from a callback: on_sample, a heuristic's check, on_exit)",
		           fn);
	return h->s;
}

/* ---- parsing sizes, durations, rates ---------------------------------------------- */

static const char *skip_space(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

static int parse_number(const char *s, double *out)
{
	char *end;
	s = skip_space(s);
	double v = strtod(s, &end);
	if (end == s || *skip_space(end) || !(v >= 0) || isinf(v))
		return -1;
	*out = v;
	return 0;
}

static int parse_seconds(const char *s, double *out)
{
	uint64_t ns;
	if (util_parse_duration(s, &ns) != 0)
		return -1;
	*out = (double)ns / 1e9;
	return 0;
}

/* "50KiB/min", "1MiB/s", "100/10s", or a bare amount (per second). */
static int parse_rate(const char *s, int bytes, double *out)
{
	char left[64];
	const char *slash = strchr(s, '/');
	size_t n = slash ? (size_t)(slash - s) : strlen(s);
	if (n >= sizeof left)
		return -1;
	memcpy(left, s, n);
	left[n] = '\0';
	double amount, per = 1;
	uint64_t b;
	if (bytes) {
		if (util_parse_size(left, &b) != 0)
			return -1;
		amount = (double)b;
	} else if (parse_number(left, &amount) != 0) {
		return -1;
	}
	if (slash) {
		const char *d = skip_space(slash + 1);
		char buf[64];
		if ((*d < '0' || *d > '9') && *d != '.') {
			snprintf(buf, sizeof buf, "1%s", d);
			d = buf;
		}
		if (parse_seconds(d, &per) != 0 || per <= 0)
			return -1;
	}
	*out = amount / per;
	return 0;
}

static const char *expected_text(enum host_unit unit)
{
	switch (unit) {
	case HOST_UNIT_BYTES: return "a size like 512MiB, 1.5GB or 4096";
	case HOST_UNIT_BYTES_PER_S: return "a rate like 50KiB/min or 1MiB/s";
	case HOST_UNIT_COUNT_PER_S: return "a rate like 10/s or 100/min";
	case HOST_UNIT_SECONDS: return "a duration like 10s, 5m or 250ms";
	case HOST_UNIT_COUNT:
	case HOST_UNIT_NUMBER: break;
	}
	return "a non-negative number";
}

int api_parse_value(lua_State *L, int idx, enum host_unit unit, double *out, const char **why)
{
	*why = expected_text(unit);
	if (lua_type(L, idx) == LUA_TNUMBER) {
		double v = lua_tonumber(L, idx);
		if (!(v >= 0) || isinf(v))
			return -1;
		*out = v;
		return 0;
	}
	if (lua_type(L, idx) != LUA_TSTRING)
		return -1;
	const char *s = lua_tostring(L, idx);
	uint64_t b;
	switch (unit) {
	case HOST_UNIT_BYTES:
		if (util_parse_size(s, &b) != 0)
			return -1;
		*out = (double)b;
		return 0;
	case HOST_UNIT_BYTES_PER_S: return parse_rate(s, 1, out);
	case HOST_UNIT_COUNT_PER_S: return parse_rate(s, 0, out);
	case HOST_UNIT_SECONDS: return parse_seconds(s, out);
	case HOST_UNIT_COUNT:
	case HOST_UNIT_NUMBER: return parse_number(s, out);
	}
	return -1;
}

static const char *const unit_names[] = {"number", "bytes", "count", "bytes/s", "count/s", "seconds", NULL};

const char *api_unit_name(enum host_unit unit)
{
	return unit_names[unit];
}

/* A value of `unit` at idx, or raise "fn: bad <kind> 'text' (expected ...)". */
static double check_value(lua_State *L, int idx, enum host_unit unit, const char *fn)
{
	double v;
	const char *why;
	if (api_parse_value(L, idx, unit, &v, &why) != 0)
		luaL_error(L, "%s: bad value '%s' (expected %s)", fn, luaL_tolstring(L, idx, NULL), why);
	return v;
}

static int l_size(lua_State *L)
{
	luaL_checkany(L, 1);
	lua_pushinteger(L, (lua_Integer)check_value(L, 1, HOST_UNIT_BYTES, "memlens.size"));
	return 1;
}

static int l_duration(lua_State *L)
{
	luaL_checkany(L, 1);
	lua_pushnumber(L, check_value(L, 1, HOST_UNIT_SECONDS, "memlens.duration"));
	return 1;
}

static int l_rate(lua_State *L)
{
	luaL_checkany(L, 1);
	lua_pushnumber(L, check_value(L, 1, HOST_UNIT_BYTES_PER_S, "memlens.rate"));
	return 1;
}

/* ---- formatting --------------------------------------------------------------------- */

char *api_fmt_duration(char *buf, size_t len, double s)
{
	if (!(s >= 0))
		snprintf(buf, len, "-");
	else if (s < 1)
		snprintf(buf, len, "%.0f ms", s * 1000);
	else if (s < 60)
		snprintf(buf, len, "%.1f s", s);
	else if (s < 3600)
		snprintf(buf, len, "%dm%02ds", (int)(s / 60), (int)fmod(s, 60));
	else
		snprintf(buf, len, "%dh%02dm", (int)(s / 3600), (int)fmod(s / 60, 60));
	return buf;
}

char *api_fmt_value(char *buf, size_t len, double v, enum host_unit unit)
{
	char tmp[48];
	switch (unit) {
	case HOST_UNIT_BYTES: return util_fmt_bytes(buf, len, v);
	case HOST_UNIT_BYTES_PER_S: snprintf(buf, len, "%s/s", util_fmt_bytes(tmp, sizeof tmp, v)); return buf;
	case HOST_UNIT_COUNT_PER_S: snprintf(buf, len, "%.3g/s", v); return buf;
	case HOST_UNIT_SECONDS: return api_fmt_duration(buf, len, v);
	case HOST_UNIT_COUNT:
		if (v >= 0 && v < 1e18 && v == floor(v))
			return util_fmt_count(buf, len, (uint64_t)v);
		break;
	case HOST_UNIT_NUMBER: break;
	}
	snprintf(buf, len, "%.4g", v);
	return buf;
}

static enum host_unit check_unit(lua_State *L, int idx)
{
	return (enum host_unit)luaL_checkoption(L, idx, "number", unit_names);
}

static int l_fmt_bytes(lua_State *L)
{
	char buf[48];
	lua_pushstring(L, util_fmt_bytes(buf, sizeof buf, luaL_checknumber(L, 1)));
	return 1;
}

static int l_fmt_count(lua_State *L)
{
	char buf[48];
	lua_pushstring(L, api_fmt_value(buf, sizeof buf, luaL_checknumber(L, 1), HOST_UNIT_COUNT));
	return 1;
}

static int l_fmt_duration(lua_State *L)
{
	char buf[48];
	lua_pushstring(L, api_fmt_duration(buf, sizeof buf, luaL_checknumber(L, 1)));
	return 1;
}

static int l_fmt_rate(lua_State *L)
{
	char buf[48];
	lua_pushstring(L, api_fmt_value(buf, sizeof buf, luaL_checknumber(L, 1), HOST_UNIT_BYTES_PER_S));
	return 1;
}

static int l_fmt_value(lua_State *L)
{
	char buf[48];
	double v = luaL_checknumber(L, 1);
	lua_pushstring(L, api_fmt_value(buf, sizeof buf, v, check_unit(L, 2)));
	return 1;
}

/* ---- the model ---------------------------------------------------------------------- */

static void set_number(lua_State *L, const char *k, double v)
{
	lua_pushnumber(L, v);
	lua_setfield(L, -2, k);
}

static void set_integer(lua_State *L, const char *k, int64_t v)
{
	lua_pushinteger(L, (lua_Integer)v);
	lua_setfield(L, -2, k);
}

/* Growth per second of a cumulative series over the last `window` seconds. */
static double series_rate(const struct model *m, const char *field, double window)
{
	size_t n = series_count(m->series);
	if (n < 2)
		return 0;
	const struct sample *last = series_get(m->series, n - 1), *first = NULL;
	for (size_t i = n - 1; i-- > 0;) {
		first = series_get(m->series, i);
		if (last->t - first->t >= window)
			break;
	}
	double dt = last->t - first->t;
	if (dt <= 0)
		return 0;
	double a = 0, b = 0;
	if (strcmp(field, "bytes") == 0)
		a = (double)first->heap_bytes, b = (double)last->heap_bytes;
	else if (strcmp(field, "calls") == 0)
		a = (double)first->heap_calls, b = (double)last->heap_calls;
	else
		a = (double)first->heap_frees, b = (double)last->heap_frees;
	return (b - a) / dt;
}

void api_push_sample(lua_State *L, struct host *h)
{
	struct model *m = &h->s->model;
	lua_createtable(L, 0, 12);
	set_number(L, "t", model_now_s(m));
	set_integer(L, "pid", m->pid);
	lua_createtable(L, 0, 9);
	set_integer(L, "live", m->heap.live_bytes);
	set_integer(L, "blocks", m->heap.live_blocks);
	set_integer(L, "peak", m->peak_live);
	set_integer(L, "allocs", (int64_t)m->heap.allocs);
	set_integer(L, "frees", (int64_t)m->heap.frees);
	set_integer(L, "bytes", (int64_t)m->heap.bytes_alloc);
	set_number(L, "alloc_rate", series_rate(m, "bytes", 1));
	set_number(L, "calls_rate", series_rate(m, "calls", 1));
	set_number(L, "free_rate", series_rate(m, "frees", 1));
	lua_setfield(L, -2, "heap");
	lua_createtable(L, 0, 3);
	set_integer(L, "live", m->mmap.live_bytes);
	set_integer(L, "maps", m->mmap.live_blocks);
	set_integer(L, "bytes", (int64_t)m->mmap.bytes_alloc);
	lua_setfield(L, -2, "mmap");
	set_integer(L, "rss", (int64_t)m->status.rss);
	set_integer(L, "rss_anon", (int64_t)m->status.rss_anon);
	set_integer(L, "hwm", (int64_t)m->vm_hwm);
	set_integer(L, "vm_size", (int64_t)m->status.vmsize);
	set_integer(L, "threads", m->status.threads);
	set_integer(L, "sites", (int64_t)m->nsites);
}

static const char *target_state(const struct model *m)
{
	switch (m->target) {
	case TARGET_RUNNING: return "running";
	case TARGET_EXITED: return "exited";
	case TARGET_KILLED: return "killed";
	case TARGET_GONE: return "gone";
	}
	return "gone";
}

void api_push_target(lua_State *L, struct host *h)
{
	struct model *m = &h->s->model;
	lua_createtable(L, 0, 8);
	set_integer(L, "pid", m->pid);
	lua_createtable(L, m->argc, 0);
	for (int i = 0; i < m->argc; i++) {
		lua_pushstring(L, m->argv[i]);
		lua_rawseti(L, -2, i + 1);
	}
	lua_setfield(L, -2, "command");
	lua_pushstring(L, target_state(m));
	lua_setfield(L, -2, "state");
	if (m->target == TARGET_EXITED)
		set_integer(L, "exit_code", m->exit_code);
	if (m->target == TARGET_KILLED)
		set_integer(L, "signal", m->signal);
	set_number(L, "duration", m->target == TARGET_RUNNING ? model_now_s(m) : m->duration_s);
	set_integer(L, "errors", (int64_t)h->nerrors);
	set_integer(L, "exit_status", host_exit_status(h));
	lua_pushboolean(L, h->exit_requested);
	lua_setfield(L, -2, "exit_requested");
	if (h->finished) {
		lua_pushstring(L, host_end_name(h));
		lua_setfield(L, -2, "reason");
	}
}

static int l_sample(lua_State *L)
{
	api_session(L, "memlens.sample");
	api_push_sample(L, host_of(L));
	return 1;
}

static int l_target(lua_State *L)
{
	api_session(L, "memlens.target");
	api_push_target(L, host_of(L));
	return 1;
}

static int l_now(lua_State *L)
{
	lua_pushnumber(L, model_now_s(&api_session(L, "memlens.now")->model));
	return 1;
}

/* memlens.series(field [, window]) */
static int l_series(lua_State *L)
{
	const char *field = luaL_checkstring(L, 1);
	double window = lua_isnoneornil(L, 2) ? 0 : check_value(L, 2, HOST_UNIT_SECONDS, "memlens.series");
	struct session *s = api_session(L, "memlens.series");
	if (objects_push_series(L, &s->model, field, window) != 0) {
		luaL_Buffer b;
		luaL_buffinit(L, &b);
		for (int i = 0; objects_series_names[i]; i++) {
			luaL_addstring(&b, i ? ", " : "");
			luaL_addstring(&b, objects_series_names[i]);
		}
		luaL_pushresult(&b);
		return luaL_error(L, "memlens.series: unknown series '%s' (one of %s)", field, lua_tostring(L, -1));
	}
	return 1;
}

/* memlens.site(id) */
static int l_site(lua_State *L)
{
	lua_Integer id = luaL_checkinteger(L, 1);
	struct session *s = api_session(L, "memlens.site");
	if (id < 0 || (size_t)id >= s->model.nsites || !s->model.sites[id].c.allocs) {
		lua_pushnil(L);
		return 1;
	}
	objects_push_site(L, (uint32_t)id);
	return 1;
}

enum site_sort { SORT_LIVE, SORT_PEAK, SORT_ALLOCS, SORT_BYTES, SORT_BLOCKS };
static const char *const sort_names[] = {"live", "peak", "allocs", "bytes", "blocks", NULL};

static double sort_key(const struct site *s, enum site_sort k)
{
	switch (k) {
	case SORT_LIVE: return (double)s->c.live_bytes;
	case SORT_PEAK: return (double)s->at_peak_bytes;
	case SORT_ALLOCS: return (double)s->c.allocs;
	case SORT_BYTES: return (double)s->c.bytes_alloc;
	case SORT_BLOCKS: return (double)s->c.live_blocks;
	}
	return 0;
}

struct keyed {
	double key;
	uint32_t id;
};

static int cmp_keyed(const void *a, const void *b)
{
	const struct keyed *x = a, *y = b;
	if (x->key != y->key)
		return x->key < y->key ? 1 : -1;
	return x->id < y->id ? -1 : x->id > y->id;
}

static const char *opt_string(lua_State *L, int t, const char *k)
{
	lua_getfield(L, t, k);
	const char *v = lua_isnil(L, -1) ? NULL : luaL_checkstring(L, -1);
	lua_pop(L, 1);
	return v;
}

/* memlens.sites{ sort =, top =, kind =, match =, min_live = } */
static int l_sites(lua_State *L)
{
	struct session *s = api_session(L, "memlens.sites");
	struct host *h = host_of(L);
	enum site_sort sort = SORT_LIVE;
	lua_Integer top = 20;
	int kind = -1; /* heap and mmap */
	int re = -1;
	double min_live = 0;
	if (!lua_isnoneornil(L, 1)) {
		luaL_checktype(L, 1, LUA_TTABLE);
		lua_getfield(L, 1, "sort");
		sort = (enum site_sort)luaL_checkoption(L, -1, "live", sort_names);
		lua_getfield(L, 1, "top");
		top = luaL_optinteger(L, -1, 20);
		lua_getfield(L, 1, "min_live");
		if (!lua_isnil(L, -1))
			min_live = check_value(L, -1, HOST_UNIT_BYTES, "memlens.sites: min_live");
		lua_pop(L, 3);
		const char *k = opt_string(L, 1, "kind");
		if (k && strcmp(k, "heap") == 0)
			kind = MLR_KIND_HEAP;
		else if (k && strcmp(k, "mmap") == 0)
			kind = MLR_KIND_MMAP;
		else if (k && strcmp(k, "any") != 0)
			return luaL_error(L, "memlens.sites: bad kind '%s' (heap, mmap or any)", k);
		const char *pat = opt_string(L, 1, "match");
		char err[256];
		if (pat && (re = patterns_get(h->patterns, pat, err, sizeof err)) < 0)
			return luaL_error(L, "memlens.sites: %s", err);
	}
	struct model *m = &s->model;
	/* scratch owned by Lua, so an error (or the instruction limit) frees it */
	struct keyed *v = lua_newuserdatauv(L, (m->nsites ? m->nsites : 1) * sizeof *v, 0);
	size_t n = 0;
	for (size_t i = 0; i < m->nsites; i++) {
		const struct site *x = &m->sites[i];
		if (!x->c.allocs || x->kind == MLR_KIND_THREAD || (kind >= 0 && x->kind != kind))
			continue;
		if ((double)x->c.live_bytes < min_live)
			continue;
		v[n++] = (struct keyed){sort_key(x, sort), (uint32_t)i};
	}
	qsort(v, n, sizeof *v, cmp_keyed);
	lua_newtable(L);
	lua_Integer out = 0;
	for (size_t i = 0; i < n && (top <= 0 || out < top); i++) {
		if (re >= 0 && !patterns_match_site(h->patterns, re, s, v[i].id))
			continue;
		objects_push_site(L, v[i].id);
		lua_rawseti(L, -2, ++out);
	}
	return 1;
}

static int l_threads(lua_State *L)
{
	struct session *s = api_session(L, "memlens.threads");
	struct model *m = &s->model;
	lua_createtable(L, (int)m->nthreads, 0);
	for (size_t i = 0; i < m->nthreads; i++) {
		const struct thread_stat *t = &m->threads[i];
		lua_createtable(L, 0, 14);
		set_integer(L, "tid", t->tid);
		lua_pushstring(L, t->name);
		lua_setfield(L, -2, "name");
		char st[2] = {t->os_state ? t->os_state : '?', 0};
		lua_pushstring(L, t->exited ? "exited" : st);
		lua_setfield(L, -2, "state");
		lua_pushboolean(L, t->exited);
		lua_setfield(L, -2, "exited"); /* the thread ended before the process */
		lua_pushboolean(L, !t->exited && m->target == TARGET_RUNNING);
		lua_setfield(L, -2, "running");
		set_number(L, "utime", t->utime_s);
		set_number(L, "stime", t->stime_s);
		set_integer(L, "allocs", (int64_t)t->c.allocs);
		set_integer(L, "frees", (int64_t)t->c.frees);
		set_integer(L, "bytes", (int64_t)t->c.bytes_alloc);
		set_integer(L, "live_bytes", t->c.live_bytes);
		set_integer(L, "live_blocks", t->c.live_blocks);
		set_number(L, "start", t->start_s);
		if (t->end_s >= 0)
			set_number(L, "finish", t->end_s);
		if (t->slot >= 0 && t->create_stack && t->create_stack < m->nsites) {
			objects_push_site(L, t->create_stack);
			lua_setfield(L, -2, "created_by");
		}
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	return 1;
}

/* The model's live blocks, captured again when the last capture is older than max_age. */
static struct model *fresh_blocks(lua_State *L, const char *fn, double max_age)
{
	struct session *s = api_session(L, fn);
	struct model *m = &s->model;
	if (m->target == TARGET_RUNNING && (!m->have_blocks || model_now_s(m) - m->blocks_s > max_age))
		model_capture_blocks(m, &s->region);
	return m;
}

static int cmp_block_size(const void *a, const void *b)
{
	const struct live_block *x = *(const struct live_block *const *)a, *y = *(const struct live_block *const *)b;
	if (x->size != y->size)
		return x->size < y->size ? 1 : -1;
	return x->birth_s < y->birth_s ? -1 : x->birth_s > y->birth_s;
}

/* memlens.blocks{ min_size =, site =, older_than =, max = } -> live blocks, largest first */
static int l_blocks(lua_State *L)
{
	double min_size = 0, older = -1;
	lua_Integer max = 1000;
	uint32_t site = UINT32_MAX;
	if (!lua_isnoneornil(L, 1)) {
		luaL_checktype(L, 1, LUA_TTABLE);
		if (lua_getfield(L, 1, "min_size") != LUA_TNIL)
			min_size = check_value(L, -1, HOST_UNIT_BYTES, "memlens.blocks: min_size");
		if (lua_getfield(L, 1, "older_than") != LUA_TNIL)
			older = check_value(L, -1, HOST_UNIT_SECONDS, "memlens.blocks: older_than");
		if (lua_getfield(L, 1, "site") != LUA_TNIL && !objects_is_site(L, -1, &site))
			return luaL_error(L, "memlens.blocks: site must be a site");
		if (lua_getfield(L, 1, "max") != LUA_TNIL)
			max = luaL_checkinteger(L, -1);
		lua_pop(L, 4);
	}
	struct model *m = fresh_blocks(L, "memlens.blocks", 1.0);
	double now = model_now_s(m);
	const struct live_block **v = lua_newuserdatauv(L, (m->nblocks ? m->nblocks : 1) * sizeof *v, 0);
	size_t n = 0;
	for (size_t i = 0; i < m->nblocks; i++) {
		const struct live_block *b = &m->blocks[i];
		if ((double)b->size >= min_size && (site == UINT32_MAX || b->stack == site) &&
		    (older < 0 || now - b->birth_s > older))
			v[n++] = b;
	}
	qsort(v, n, sizeof *v, cmp_block_size);
	if (max > 0 && (size_t)max < n)
		n = (size_t)max;
	lua_createtable(L, (int)n, 0);
	for (size_t i = 0; i < n; i++) {
		lua_createtable(L, 0, 6);
		set_integer(L, "size", (int64_t)v[i]->size);
		set_number(L, "birth", v[i]->birth_s);
		set_number(L, "age", now - v[i]->birth_s);
		set_integer(L, "tid", v[i]->tid);
		set_integer(L, "address", (int64_t)v[i]->ptr);
		if (v[i]->stack < m->nsites) {
			objects_push_site(L, v[i]->stack);
			lua_setfield(L, -2, "site");
		}
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	return 1;
}

/* memlens.match(site_or_string, pattern) */
static int l_match(lua_State *L)
{
	struct host *h = host_of(L);
	const char *pat = luaL_checkstring(L, 2);
	char err[256];
	int re = patterns_get(h->patterns, pat, err, sizeof err);
	if (re < 0)
		return luaL_error(L, "memlens.match: %s", err);
	uint32_t id;
	if (objects_is_site(L, 1, &id))
		lua_pushboolean(L, patterns_match_site(h->patterns, re, api_session(L, "memlens.match"), id));
	else
		lua_pushboolean(L, patterns_match_string(h->patterns, re, luaL_checkstring(L, 1)));
	return 1;
}

/* ---- log, exit ---------------------------------------------------------------------- */

static int l_log(lua_State *L)
{
	int n = lua_gettop(L); /* before luaL_buffinit, which may push a placeholder */
	luaL_Buffer b;
	luaL_buffinit(L, &b);
	for (int i = 1; i <= n; i++) {
		if (i > 1)
			luaL_addchar(&b, ' ');
		luaL_tolstring(L, i, NULL);
		luaL_addvalue(&b);
	}
	luaL_pushresult(&b);
	host_log(host_of(L), HOST_INFO, "%s", lua_tostring(L, -1));
	return 0;
}

/* memlens.exit([code]): ends the session; raises the exit token, which host_pcall knows. */
static int l_exit(lua_State *L)
{
	struct host *h = host_of(L);
	lua_Integer code = 0;
	if (lua_isboolean(L, 1))
		code = lua_toboolean(L, 1) ? 0 : 1;
	else
		code = luaL_optinteger(L, 1, 0);
	luaL_argcheck(L, code >= 0 && code <= 255, 1, "exit code must be 0..255");
	h->exit_requested = 1;
	h->exit_code = (int)code;
	if (h->s)
		session_stop(h->s);
	lua_pushlightuserdata(L, (void *)&host_key_exit);
	return lua_error(L);
}

static int l_errors(lua_State *L)
{
	struct host *h = host_of(L);
	lua_newtable(L);
	lua_Integer k = 0;
	for (size_t i = 0; i < h->nmessages; i++) {
		if (h->messages[i].level != HOST_ERROR)
			continue;
		lua_pushstring(L, h->messages[i].text);
		lua_rawseti(L, -2, ++k);
	}
	return 1;
}

static int l_findings(lua_State *L)
{
	heuristic_push_findings(L, host_of(L));
	return 1;
}

static int l_budgets(lua_State *L)
{
	budget_push_all(L, host_of(L));
	return 1;
}

/* ---- the declarative layer ------------------------------------------------------------ */

/* budget "name" { spec } and budget("name", spec): the second call form defines. */
static int define_with(lua_State *L, int is_budget)
{
	const char *name = lua_tostring(L, lua_upvalueindex(1));
	const char *where = lua_tostring(L, lua_upvalueindex(2));
	luaL_checktype(L, 1, LUA_TTABLE);
	if (is_budget)
		budget_define(L, name, 1, where);
	else
		heuristic_define(L, name, 1, where);
	return 0;
}

static int budget_spec(lua_State *L)
{
	return define_with(L, 1);
}

static int heuristic_spec(lua_State *L)
{
	return define_with(L, 0);
}

static int declare(lua_State *L, int is_budget)
{
	const char *name = luaL_checkstring(L, 1);
	char where[256];
	host_where(L, 1, where, sizeof where);
	if (!lua_isnoneornil(L, 2)) {
		luaL_checktype(L, 2, LUA_TTABLE);
		if (is_budget)
			budget_define(L, name, 2, where);
		else
			heuristic_define(L, name, 2, where);
		return 0;
	}
	lua_pushstring(L, name);
	lua_pushstring(L, where);
	lua_pushcclosure(L, is_budget ? budget_spec : heuristic_spec, 2);
	return 1;
}

static int l_budget(lua_State *L)
{
	return declare(L, 1);
}

static int l_heuristic(lua_State *L)
{
	return declare(L, 0);
}

static int add_callback(lua_State *L, int list_ref)
{
	luaL_checktype(L, 1, LUA_TFUNCTION);
	lua_rawgeti(L, LUA_REGISTRYINDEX, list_ref);
	lua_pushvalue(L, 1);
	lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
	return 0;
}

static int l_on_sample(lua_State *L)
{
	return add_callback(L, host_of(L)->on_sample_ref);
}

static int l_on_exit(lua_State *L)
{
	return add_callback(L, host_of(L)->on_exit_ref);
}

static int l_remove(lua_State *L)
{
	lua_pushboolean(L, heuristic_remove(L, host_of(L), luaL_checkstring(L, 1)));
	return 1;
}

static const luaL_Reg memlens_funcs[] = {
        {"sample", l_sample},
        {"target", l_target},
        {"now", l_now},
        {"series", l_series},
        {"site", l_site},
        {"sites", l_sites},
        {"threads", l_threads},
        {"blocks", l_blocks},
        {"match", l_match},
        {"log", l_log},
        {"exit", l_exit},
        {"errors", l_errors},
        {"findings", l_findings},
        {"budgets", l_budgets},
        {"size", l_size},
        {"duration", l_duration},
        {"rate", l_rate},
        {"budget", l_budget},
        {"heuristic", l_heuristic},
        {"on_sample", l_on_sample},
        {"on_exit", l_on_exit},
        {"remove", l_remove},
        {NULL, NULL},
};

static const luaL_Reg fmt_funcs[] = {
        {"bytes", l_fmt_bytes}, {"count", l_fmt_count}, {"duration", l_fmt_duration},
        {"rate", l_fmt_rate},   {"value", l_fmt_value}, {NULL, NULL},
};

/* os.exit would leave the target and the terminal behind: it means memlens.exit here. */
static int l_os_exit(lua_State *L)
{
	if (lua_isnoneornil(L, 1))
		lua_settop(L, 0);
	return l_exit(L);
}

void api_open(lua_State *L)
{
	luaL_newlib(L, memlens_funcs); /* memlens */
	luaL_newlib(L, fmt_funcs);
	lua_setfield(L, -2, "fmt");
	stats_open(L); /* pushes memlens.stats */
	lua_setfield(L, -2, "stats");
	lua_createtable(L, 0, 2);
	set_number(L, "period", SITEHIST_PERIOD_S);
	set_integer(L, "points", SITEHIST_POINTS);
	lua_setfield(L, -2, "history");
	lua_pushstring(L, PACKAGE_VERSION);
	lua_setfield(L, -2, "version");
	objects_open(L);
	snapshots_open(L);

	/* package.loaded.memlens, the global, and the declarative globals */
	lua_getglobal(L, "package");
	lua_getfield(L, -1, "loaded");
	lua_pushvalue(L, -3);
	lua_setfield(L, -2, "memlens");
	lua_pop(L, 2);
	static const char *const globals[] = {"budget", "heuristic", "on_sample", "on_exit"};
	for (size_t i = 0; i < sizeof globals / sizeof globals[0]; i++) {
		lua_getfield(L, -1, globals[i]);
		lua_setglobal(L, globals[i]);
	}
	lua_setglobal(L, "memlens");
	lua_getglobal(L, "os");
	lua_pushcfunction(L, l_os_exit);
	lua_setfield(L, -2, "exit");
	lua_pop(L, 1);
}
