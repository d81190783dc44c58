/* objects.c — Lua userdata classes over the model: sites, a site's history, and views (values over time). */
#include "config.h"

#include <inttypes.h>
#include <lauxlib.h>
#include <string.h>

#include "core/sitehist.h"
#include "lua/internal.h"

#define SITE_CLASS    "memlens.site"
#define HISTORY_CLASS "memlens.history"
#define VIEW_CLASS    "memlens.view"

struct lsite {
	uint32_t id;
};

/* A view owns its points: values then times, copied in when it is made, so it stays
 * valid (and unchanged) however long a script keeps it. */
struct view {
	size_t n;
	double v[]; /* n values, then n times */
};

/* ---- views ---------------------------------------------------------------------------- */

double *objects_new_view(lua_State *L, size_t n, double **times)
{
	struct view *w = lua_newuserdatauv(L, sizeof *w + 2 * (n ? n : 1) * sizeof(double), 0);
	w->n = n;
	luaL_setmetatable(L, VIEW_CLASS);
	*times = w->v + n;
	return w->v;
}

const double *objects_view(lua_State *L, int idx, size_t *n, const double **times)
{
	struct view *w = luaL_testudata(L, idx, VIEW_CLASS);
	if (!w)
		return NULL;
	*n = w->n;
	*times = w->v + w->n;
	return w->v;
}

static struct view *check_view(lua_State *L, int idx)
{
	return luaL_checkudata(L, idx, VIEW_CLASS);
}

static int view_len(lua_State *L)
{
	lua_pushinteger(L, (lua_Integer)check_view(L, 1)->n);
	return 1;
}

static int view_table(lua_State *L, int times)
{
	struct view *w = check_view(L, 1);
	lua_createtable(L, (int)w->n, 0);
	for (size_t i = 0; i < w->n; i++) {
		lua_pushnumber(L, w->v[i + (times ? w->n : 0)]);
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	return 1;
}

static int view_values(lua_State *L)
{
	return view_table(L, 0);
}

static int view_times(lua_State *L)
{
	return view_table(L, 1);
}

static int view_time(lua_State *L)
{
	struct view *w = check_view(L, 1);
	lua_Integer i = luaL_checkinteger(L, 2);
	if (i < 1 || (size_t)i > w->n)
		lua_pushnil(L);
	else
		lua_pushnumber(L, w->v[w->n + (size_t)i - 1]);
	return 1;
}

static int view_last(lua_State *L)
{
	struct view *w = check_view(L, 1);
	if (!w->n)
		return 0;
	lua_pushnumber(L, w->v[w->n - 1]);
	lua_pushnumber(L, w->v[2 * w->n - 1]);
	return 2;
}

static int view_first(lua_State *L)
{
	struct view *w = check_view(L, 1);
	if (!w->n)
		return 0;
	lua_pushnumber(L, w->v[0]);
	lua_pushnumber(L, w->v[w->n]);
	return 2;
}

/* view[i] (1-based, nil outside), or a method */
static int view_index(lua_State *L)
{
	struct view *w = check_view(L, 1);
	if (lua_type(L, 2) == LUA_TNUMBER) {
		lua_Integer i = lua_tointeger(L, 2);
		if (i >= 1 && (size_t)i <= w->n)
			lua_pushnumber(L, w->v[i - 1]);
		else
			lua_pushnil(L);
		return 1;
	}
	luaL_getmetatable(L, VIEW_CLASS);
	lua_getfield(L, -1, "methods");
	lua_pushvalue(L, 2);
	lua_rawget(L, -2);
	return 1;
}

static int view_tostring(lua_State *L)
{
	struct view *w = check_view(L, 1);
	if (w->n)
		lua_pushfstring(L, "view(%I points, %f..%f s)", (lua_Integer)w->n, w->v[w->n], w->v[2 * w->n - 1]);
	else
		lua_pushliteral(L, "view(empty)");
	return 1;
}

static const luaL_Reg view_methods[] = {
        {"values", view_values}, {"times", view_times}, {"time", view_time},
        {"last", view_last},     {"first", view_first}, {NULL, NULL},
};

/* ---- process series ------------------------------------------------------------------- */

const char *const objects_series_names[] = {
        "heap.live", "heap.allocs", "heap.frees", "heap.bytes", "mmap.live", "rss",
        "rss.anon",  "hwm",         "vm.size",    "threads",    NULL,
};

int objects_series_field(const char *name)
{
	for (int i = 0; objects_series_names[i]; i++)
		if (strcmp(name, objects_series_names[i]) == 0)
			return i;
	return -1;
}

double objects_series_value(int field, const struct sample *x)
{
	switch (field) {
	case 0: return (double)x->heap_live;
	case 1: return (double)x->heap_calls;
	case 2: return (double)x->heap_frees;
	case 3: return (double)x->heap_bytes;
	case 4: return (double)x->mmap_live;
	case 5: return (double)x->rss;
	case 6: return (double)x->rss_anon;
	case 7: return (double)x->hwm;
	case 8: return (double)x->vmsize;
	default: return (double)x->threads;
	}
}

int objects_push_series(lua_State *L, struct model *m, const char *field, double window_s)
{
	int f = objects_series_field(field);
	if (f < 0)
		return -1;
	size_t total = series_count(m->series), first = 0;
	if (total && window_s > 0) {
		double from = series_get(m->series, total - 1)->t - window_s;
		first = total;
		while (first > 0 && series_get(m->series, first - 1)->t >= from)
			first--;
	}
	double *t, *v = objects_new_view(L, total - first, &t);
	for (size_t i = first; i < total; i++) {
		const struct sample *x = series_get(m->series, i);
		v[i - first] = objects_series_value(f, x);
		t[i - first] = x->t;
	}
	return 0;
}

/* ---- sites -------------------------------------------------------------------------- */

/* Field codes of site.<name>, looked up in a table (an upvalue of __index). */
enum site_field {
	SF_ID = 1,
	SF_KIND,
	SF_LIVE_BYTES,
	SF_LIVE_BLOCKS,
	SF_ALLOCS,
	SF_FREES,
	SF_BYTES,
	SF_PEAK,
	SF_AT_PEAK_BYTES,
	SF_AT_PEAK_BLOCKS,
	SF_DEPTH,
	SF_TRUNCATED,
	SF_FRAMES,
	SF_FUNC,
	SF_FILE,
	SF_LINE,
	SF_LABEL,
	SF_HISTORY,
	SF_IDLE,
	SF_ACTIVE,
	SF_OLDEST_AGE,
};

static const char *const site_field_names[] = {
        "id",         "kind",          "live_bytes",     "live_blocks", "allocs",    "frees",  "bytes",
        "peak_bytes", "at_peak_bytes", "at_peak_blocks", "depth",       "truncated", "frames", "func",
        "file",       "line",          "label",          "history",     "idle",      "active", "oldest_age",
        NULL,
};

static struct site *site_of(lua_State *L, uint32_t id)
{
	struct session *s = api_session(L, "site");
	if (id >= s->model.nsites)
		luaL_error(L, "site %d no longer exists", (int)id);
	return &s->model.sites[id];
}

int objects_is_site(lua_State *L, int idx, uint32_t *id)
{
	struct lsite *ls = luaL_testudata(L, idx, SITE_CLASS);
	if (ls)
		*id = ls->id;
	return ls != NULL;
}

int objects_check_site(lua_State *L, int idx)
{
	return (int)((struct lsite *)luaL_checkudata(L, idx, SITE_CLASS))->id;
}

void objects_push_site(lua_State *L, uint32_t id)
{
	struct host *h = host_of(L);
	lua_rawgeti(L, LUA_REGISTRYINDEX, h->sites_ref);
	if (lua_rawgeti(L, -1, (lua_Integer)id + 1) == LUA_TUSERDATA) {
		lua_remove(L, -2);
		return;
	}
	lua_pop(L, 1);
	struct lsite *ls = lua_newuserdatauv(L, sizeof *ls, 1);
	ls->id = id;
	luaL_setmetatable(L, SITE_CLASS);
	lua_pushvalue(L, -1);
	lua_rawseti(L, -3, (lua_Integer)id + 1);
	lua_remove(L, -2);
}

static const char *base_name(const char *path)
{
	const char *slash = path ? strrchr(path, '/') : NULL;
	return slash ? slash + 1 : path;
}

static void push_frames(lua_State *L, struct site *x)
{
	struct session *s = api_session(L, "site");
	int n;
	const struct sym_frame *f = model_site_frames(&s->model, &s->region, x, &n);
	lua_createtable(L, n, 0);
	for (int i = 0; i < n; i++) {
		lua_createtable(L, 0, 6);
		lua_pushstring(L, f[i].function);
		lua_setfield(L, -2, "func");
		lua_pushstring(L, f[i].file);
		lua_setfield(L, -2, "file");
		lua_pushinteger(L, f[i].line);
		lua_setfield(L, -2, "line");
		lua_pushstring(L, f[i].module);
		lua_setfield(L, -2, "module");
		lua_pushboolean(L, f[i].inlined);
		lua_setfield(L, -2, "inlined");
		lua_pushinteger(L, (lua_Integer)f[i].address);
		lua_setfield(L, -2, "address");
		lua_rawseti(L, -2, i + 1);
	}
}

/* Runtime libraries whose frames a label skips (the allocation is theirs on someone's behalf). */
static int runtime_frame(const struct sym_frame *f)
{
	static const char *const libs[] = {"libc.so",      "ld-linux",  "ld64.so",
	                                   "libstdc++.so", "libc++.so", "libgcc_s.so"};
	const char *base = base_name(f->module);
	for (size_t i = 0; base && i < sizeof libs / sizeof libs[0]; i++)
		if (strncmp(base, libs[i], strlen(libs[i])) == 0)
			return 1;
	return 0;
}

const struct sym_frame *objects_label_frame(struct session *s, struct site *x)
{
	int n;
	const struct sym_frame *f = model_site_frames(&s->model, &s->region, x, &n);
	for (int i = 0; i < n; i++)
		if (!runtime_frame(&f[i]))
			return &f[i];
	return n > 0 ? f : NULL;
}

static const struct sym_frame *label_frame(lua_State *L, struct site *x)
{
	return objects_label_frame(api_session(L, "site"), x);
}

void host_site_label(struct host *h, uint32_t id, char *buf, size_t len)
{
	if (!h->s || id >= h->s->model.nsites) {
		snprintf(buf, len, "site %u", id);
		return;
	}
	const struct sym_frame *f = objects_label_frame(h->s, &h->s->model.sites[id]);
	if (f && f->function && f->file)
		snprintf(buf, len, "%s (%s:%d)", f->function, base_name(f->file), f->line);
	else if (f && f->function)
		snprintf(buf, len, "%s", f->function);
	else if (f && f->module)
		snprintf(buf, len, "%s+0x%" PRIx64, base_name(f->module), f->offset);
	else
		snprintf(buf, len, "site %u", id);
}

/* "function (file.c:12)", or "function", or "module+0x1f", or "site 12". */
static void push_label(lua_State *L, struct site *x, uint32_t id)
{
	const struct sym_frame *f = label_frame(L, x);
	if (f && f->function && f->file)
		lua_pushfstring(L, "%s (%s:%d)", f->function, base_name(f->file), f->line);
	else if (f && f->function)
		lua_pushstring(L, f->function);
	else if (f && f->module)
		lua_pushfstring(L, "%s+0x%I", base_name(f->module), (lua_Integer)f->offset);
	else
		lua_pushfstring(L, "site %d", (int)id);
}

static const char *kind_text(int kind)
{
	return kind == MLR_KIND_MMAP ? "mmap" : kind == MLR_KIND_THREAD ? "thread" : "heap";
}

static int push_site_field(lua_State *L, uint32_t id, int code)
{
	struct site *x = site_of(L, id);
	const struct sym_frame *f;
	struct session *s;
	switch (code) {
	case SF_ID: lua_pushinteger(L, id); break;
	case SF_KIND: lua_pushstring(L, kind_text(x->kind)); break;
	case SF_LIVE_BYTES: lua_pushinteger(L, x->c.live_bytes); break;
	case SF_LIVE_BLOCKS: lua_pushinteger(L, x->c.live_blocks); break;
	case SF_ALLOCS: lua_pushinteger(L, (lua_Integer)x->c.allocs); break;
	case SF_FREES: lua_pushinteger(L, (lua_Integer)x->c.frees); break;
	case SF_BYTES: lua_pushinteger(L, (lua_Integer)x->c.bytes_alloc); break;
	case SF_PEAK: lua_pushinteger(L, x->peak_live_bytes); break;
	case SF_AT_PEAK_BYTES: lua_pushinteger(L, x->at_peak_bytes); break;
	case SF_AT_PEAK_BLOCKS: lua_pushinteger(L, x->at_peak_blocks); break;
	case SF_DEPTH: lua_pushinteger(L, x->depth); break;
	case SF_TRUNCATED: lua_pushboolean(L, x->truncated); break;
	case SF_FRAMES: push_frames(L, x); break;
	case SF_FUNC:
		f = label_frame(L, x);
		lua_pushstring(L, f && f->function ? f->function : "??");
		break;
	case SF_FILE:
		f = label_frame(L, x);
		lua_pushstring(L, f ? f->file : NULL);
		break;
	case SF_LINE:
		f = label_frame(L, x);
		lua_pushinteger(L, f ? f->line : 0);
		break;
	case SF_LABEL: push_label(L, x, id); break;
	case SF_HISTORY: objects_push_history(L, id); break;
	case SF_IDLE:
		s = api_session(L, "site");
		lua_pushnumber(L, sitehist_idle_s(s->model.hist, id));
		break;
	case SF_ACTIVE:
		s = api_session(L, "site");
		lua_pushboolean(L, sitehist_active(s->model.hist, id));
		break;
	case SF_OLDEST_AGE:
		s = api_session(L, "site");
		if (s->model.have_blocks && x->oldest_s >= 0) /* as of the capture: it may be freed since */
			lua_pushnumber(L, s->model.blocks_s - x->oldest_s);
		else
			lua_pushnil(L);
		break;
	default: lua_pushnil(L);
	}
	return 1;
}

/* site.<field>: upvalue 1 maps names to field codes (or methods to functions). */
static int site_index(lua_State *L)
{
	struct lsite *ls = luaL_checkudata(L, 1, SITE_CLASS);
	lua_pushvalue(L, 2);
	int t = lua_rawget(L, lua_upvalueindex(1));
	if (t == LUA_TNUMBER)
		return push_site_field(L, ls->id, (int)lua_tointeger(L, -1));
	return 1; /* a method, or nil */
}

static int site_tostring(lua_State *L)
{
	struct lsite *ls = luaL_checkudata(L, 1, SITE_CLASS);
	push_label(L, site_of(L, ls->id), ls->id);
	lua_pushfstring(L, "site %d: %s", (int)ls->id, lua_tostring(L, -1));
	return 1;
}

static int site_match(lua_State *L)
{
	struct host *h = host_of(L);
	uint32_t id = (uint32_t)objects_check_site(L, 1);
	const char *pat = luaL_checkstring(L, 2);
	char err[256];
	int re = patterns_get(h->patterns, pat, err, sizeof err);
	if (re < 0)
		return luaL_error(L, "site:match: %s", err);
	lua_pushboolean(L, patterns_match_site(h->patterns, re, api_session(L, "site:match"), id));
	return 1;
}

/* ---- a site's history ------------------------------------------------------------------ */

enum hist_col { HC_LIVE_BYTES, HC_LIVE_BLOCKS, HC_ALLOCS, HC_FREES, HC_BYTES };
static const char *const hist_col_names[] = {"live_bytes", "live_blocks", "allocs", "frees", "bytes", NULL};

void objects_push_history(lua_State *L, uint32_t id)
{
	objects_push_site(L, id);
	if (lua_getiuservalue(L, -1, 1) == LUA_TUSERDATA) {
		lua_remove(L, -2);
		return;
	}
	lua_pop(L, 1);
	struct lsite *hs = lua_newuserdatauv(L, sizeof *hs, 0);
	hs->id = id;
	luaL_setmetatable(L, HISTORY_CLASS);
	lua_pushvalue(L, -1);
	lua_setiuservalue(L, -3, 1);
	lua_remove(L, -2);
}

/* A column of the site's history as a view. Cumulative allocation counts are kept modulo
 * 2^32 in the history: unwrapped here from the site's current count. */
static void push_column(lua_State *L, uint32_t id, enum hist_col col)
{
	struct session *s = api_session(L, "history");
	struct hist_point pts[SITEHIST_POINTS > 256 ? 256 : SITEHIST_POINTS];
	double tt[sizeof pts / sizeof pts[0]];
	size_t n = sitehist_read(s->model.hist, id, pts, tt, sizeof pts / sizeof pts[0]);
	double *t, *v = objects_new_view(L, n, &t);
	uint64_t now = id < s->model.nsites ? s->model.sites[id].c.allocs : 0;
	for (size_t i = 0; i < n; i++) {
		/* allocs at point i: back from now by the (mod 2^32) difference */
		uint64_t allocs = now - (uint32_t)((uint32_t)now - pts[i].allocs);
		t[i] = tt[i];
		switch (col) {
		case HC_LIVE_BYTES: v[i] = (double)pts[i].live_bytes; break;
		case HC_LIVE_BLOCKS: v[i] = (double)pts[i].live_blocks; break;
		case HC_ALLOCS: v[i] = (double)allocs; break;
		case HC_FREES: v[i] = (double)allocs - (double)pts[i].live_blocks; break;
		case HC_BYTES: v[i] = (double)pts[i].bytes_alloc; break;
		}
	}
}

static int history_index(lua_State *L)
{
	struct lsite *hs = luaL_checkudata(L, 1, HISTORY_CLASS);
	const char *k = luaL_checkstring(L, 2);
	for (int i = 0; hist_col_names[i]; i++)
		if (strcmp(k, hist_col_names[i]) == 0) {
			push_column(L, hs->id, (enum hist_col)i);
			return 1;
		}
	struct session *s = api_session(L, "history");
	double span;
	size_t n = sitehist_count(s->model.hist, hs->id, &span);
	if (strcmp(k, "n") == 0)
		lua_pushinteger(L, (lua_Integer)n);
	else if (strcmp(k, "span") == 0)
		lua_pushnumber(L, span);
	else if (strcmp(k, "period") == 0)
		lua_pushnumber(L, sitehist_period(s->model.hist));
	else if (strcmp(k, "site") == 0)
		objects_push_site(L, hs->id);
	else
		lua_pushnil(L);
	return 1;
}

static int history_len(lua_State *L)
{
	struct lsite *hs = luaL_checkudata(L, 1, HISTORY_CLASS);
	double span;
	lua_pushinteger(L, (lua_Integer)sitehist_count(api_session(L, "history")->model.hist, hs->id, &span));
	return 1;
}

void objects_open(lua_State *L)
{
	luaL_newmetatable(L, VIEW_CLASS);
	lua_pushcfunction(L, view_index);
	lua_setfield(L, -2, "__index");
	lua_pushcfunction(L, view_len);
	lua_setfield(L, -2, "__len");
	lua_pushcfunction(L, view_tostring);
	lua_setfield(L, -2, "__tostring");
	luaL_newlib(L, view_methods);
	lua_setfield(L, -2, "methods");
	lua_pop(L, 1);

	luaL_newmetatable(L, SITE_CLASS);
	lua_newtable(L); /* name -> field code, or method */
	for (int i = 0; site_field_names[i]; i++) {
		lua_pushinteger(L, i + 1);
		lua_setfield(L, -2, site_field_names[i]);
	}
	lua_pushcfunction(L, site_match);
	lua_setfield(L, -2, "match");
	lua_pushcclosure(L, site_index, 1);
	lua_setfield(L, -2, "__index");
	lua_pushcfunction(L, site_tostring);
	lua_setfield(L, -2, "__tostring");
	lua_pop(L, 1);

	luaL_newmetatable(L, HISTORY_CLASS);
	lua_pushcfunction(L, history_index);
	lua_setfield(L, -2, "__index");
	lua_pushcfunction(L, history_len);
	lua_setfield(L, -2, "__len");
	lua_pop(L, 1);
}
