/* snapshots.c — memlens.snapshot / load / diff: snapshot files from scripts, as userdata owning a model read back. */
#include "config.h"

#include <lauxlib.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/diff.h"
#include "core/snapshot.h"
#include "lua/internal.h"

#define SNAPSHOT_CLASS "memlens.snapshotfile"

/* A snapshot read back: a model of its own (frames resolved, no region). */
struct lsnap {
	struct model m;
	int loaded;
	char name[256];
};

static struct lsnap *check_snap(lua_State *L, int idx)
{
	struct lsnap *s = luaL_checkudata(L, idx, SNAPSHOT_CLASS);
	if (!s->loaded)
		luaL_error(L, "snapshot already released");
	return s;
}

static int snap_gc(lua_State *L)
{
	struct lsnap *s = luaL_checkudata(L, 1, SNAPSHOT_CLASS);
	if (s->loaded)
		model_done(&s->m);
	s->loaded = 0;
	return 0;
}

/* memlens.snapshot(path) -> true, or nil and the reason */
static int l_snapshot(lua_State *L)
{
	const char *path = luaL_checkstring(L, 1);
	struct session *s = api_session(L, "memlens.snapshot");
	char err[512];
	if (snapshot_write(&s->model, &s->region, path, err, sizeof err) != SNAP_OK) {
		lua_pushnil(L);
		lua_pushstring(L, err);
		return 2;
	}
	host_log(host_of(L), HOST_INFO, "snapshot written to %s", path);
	lua_pushboolean(L, 1);
	return 1;
}

/* memlens.load(path) -> snapshot, or nil and the reason */
static int l_load(lua_State *L)
{
	const char *path = luaL_checkstring(L, 1);
	struct lsnap *s = lua_newuserdatauv(L, sizeof *s, 0);
	memset(s, 0, sizeof *s);
	char err[512];
	if (snapshot_read(path, &s->m, err, sizeof err) != SNAP_OK) {
		lua_pushnil(L);
		lua_pushstring(L, err);
		return 2;
	}
	s->loaded = 1;
	snprintf(s->name, sizeof s->name, "%s", path);
	luaL_setmetatable(L, SNAPSHOT_CLASS);
	return 1;
}

static void set_int(lua_State *L, const char *k, int64_t v)
{
	lua_pushinteger(L, (lua_Integer)v);
	lua_setfield(L, -2, k);
}

static void push_frames(lua_State *L, const struct site *x)
{
	lua_createtable(L, x->nframes, 0);
	for (int i = 0; i < x->nframes; i++) {
		const struct sym_frame *f = &x->frames[i];
		lua_createtable(L, 0, 5);
		lua_pushstring(L, f->function);
		lua_setfield(L, -2, "func");
		lua_pushstring(L, f->file);
		lua_setfield(L, -2, "file");
		set_int(L, "line", f->line);
		lua_pushstring(L, f->module);
		lua_setfield(L, -2, "module");
		lua_pushboolean(L, f->inlined);
		lua_setfield(L, -2, "inlined");
		lua_rawseti(L, -2, i + 1);
	}
}

/* A site of a snapshot as a plain table (it belongs to no live session). */
static void push_site_table(lua_State *L, const struct site *x)
{
	lua_createtable(L, 0, 12);
	set_int(L, "id", x->id);
	lua_pushstring(L, x->kind == MLR_KIND_MMAP ? "mmap" : "heap");
	lua_setfield(L, -2, "kind");
	set_int(L, "live_bytes", x->c.live_bytes);
	set_int(L, "live_blocks", x->c.live_blocks);
	set_int(L, "allocs", (int64_t)x->c.allocs);
	set_int(L, "frees", (int64_t)x->c.frees);
	set_int(L, "bytes", (int64_t)x->c.bytes_alloc);
	set_int(L, "peak_bytes", x->peak_live_bytes);
	set_int(L, "at_peak_bytes", x->at_peak_bytes);
	const struct sym_frame *f = x->nframes ? &x->frames[0] : NULL;
	if (f && f->function && f->file) {
		const char *base = strrchr(f->file, '/');
		lua_pushfstring(L, "%s (%s:%d)", f->function, base ? base + 1 : f->file, f->line);
	} else {
		lua_pushstring(L, f && f->function ? f->function : "??");
	}
	lua_setfield(L, -2, "label");
	push_frames(L, x);
	lua_setfield(L, -2, "frames");
}

/* snap:sites{ top = 20, sort = "live"|"peak" } */
static int snap_sites(lua_State *L)
{
	struct lsnap *s = check_snap(L, 1);
	lua_Integer top = 20;
	enum site_order order = SITES_BY_LIVE;
	if (!lua_isnoneornil(L, 2)) {
		luaL_checktype(L, 2, LUA_TTABLE);
		lua_getfield(L, 2, "top");
		top = luaL_optinteger(L, -1, 20);
		lua_getfield(L, 2, "sort");
		const char *sort = luaL_optstring(L, -1, "live");
		if (strcmp(sort, "peak") == 0)
			order = SITES_BY_PEAK;
		else if (strcmp(sort, "live") != 0)
			return luaL_error(L, "snapshot:sites: bad sort '%s' (live or peak)", sort);
		lua_pop(L, 2);
	}
	size_t n;
	struct site **v = model_top_sites(&s->m, order, top > 0 ? (int)top : INT32_MAX, &n);
	/* v must not leak if a push raises: copy it into Lua memory first */
	struct site **copy = lua_newuserdatauv(L, (n ? n : 1) * sizeof *copy, 0);
	memcpy(copy, v, n * sizeof *v);
	free(v);
	lua_createtable(L, (int)n, 0);
	for (size_t i = 0; i < n; i++) {
		push_site_table(L, copy[i]);
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	return 1;
}

static int snap_index(lua_State *L)
{
	struct lsnap *s = check_snap(L, 1);
	const char *k = luaL_checkstring(L, 2);
	struct model *m = &s->m;
	if (strcmp(k, "pid") == 0) {
		lua_pushinteger(L, m->pid);
	} else if (strcmp(k, "path") == 0) {
		lua_pushstring(L, s->name);
	} else if (strcmp(k, "host") == 0) {
		lua_pushstring(L, m->host);
	} else if (strcmp(k, "time") == 0) {
		lua_pushnumber(L, m->snapshot_s);
	} else if (strcmp(k, "wall") == 0) {
		lua_pushnumber(L, (double)m->snapshot_wall_ns / 1e9);
	} else if (strcmp(k, "command") == 0) {
		lua_createtable(L, m->argc, 0);
		for (int i = 0; i < m->argc; i++) {
			lua_pushstring(L, m->argv[i]);
			lua_rawseti(L, -2, i + 1);
		}
	} else if (strcmp(k, "heap") == 0) {
		lua_createtable(L, 0, 6);
		set_int(L, "live", m->heap.live_bytes);
		set_int(L, "blocks", m->heap.live_blocks);
		set_int(L, "peak", m->peak_live);
		set_int(L, "allocs", (int64_t)m->heap.allocs);
		set_int(L, "frees", (int64_t)m->heap.frees);
		set_int(L, "bytes", (int64_t)m->heap.bytes_alloc);
	} else if (strcmp(k, "rss") == 0) {
		lua_pushinteger(L, (lua_Integer)m->status.rss);
	} else if (strcmp(k, "hwm") == 0) {
		lua_pushinteger(L, (lua_Integer)m->vm_hwm);
	} else if (strcmp(k, "sites") == 0) {
		lua_pushcfunction(L, snap_sites);
	} else {
		lua_pushnil(L);
	}
	return 1;
}

static int snap_tostring(lua_State *L)
{
	struct lsnap *s = luaL_checkudata(L, 1, SNAPSHOT_CLASS);
	lua_pushfstring(L, "snapshot %s (pid %d)", s->name, s->loaded ? (int)s->m.pid : 0);
	return 1;
}

static void push_side(lua_State *L, const char *key, const struct diff_side *d)
{
	lua_createtable(L, 0, 5);
	set_int(L, "live_bytes", d->live_bytes);
	set_int(L, "live_blocks", d->live_blocks);
	set_int(L, "allocs", (int64_t)d->allocs);
	set_int(L, "bytes", (int64_t)d->bytes_alloc);
	set_int(L, "sites", d->sites);
	lua_setfield(L, -2, key);
}

static void push_diff(lua_State *L, const struct diff *d)
{
	lua_createtable(L, 0, 5);
	push_side(L, "total_a", &d->total_a);
	push_side(L, "total_b", &d->total_b);
	set_int(L, "new", (int64_t)d->new_rows);
	set_int(L, "gone", (int64_t)d->gone_rows);
	lua_createtable(L, (int)d->nrows, 0);
	for (size_t i = 0; i < d->nrows; i++) {
		const struct diff_row *r = &d->rows[i];
		lua_createtable(L, 0, 5);
		lua_pushstring(L, r->label);
		lua_setfield(L, -2, "label");
		lua_pushstring(L, r->kind == MLR_KIND_MMAP ? "mmap" : "heap");
		lua_setfield(L, -2, "kind");
		push_side(L, "a", &r->a);
		push_side(L, "b", &r->b);
		set_int(L, "delta", diff_live_delta(r));
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	lua_setfield(L, -2, "rows");
}

static int push_diff_protected(lua_State *L)
{
	push_diff(L, lua_touserdata(L, 1));
	return 1;
}

/* memlens.diff(a [, b] [, { by =, filter =, min = }]): b (or the live session when absent)
 * against a, by site, function or module. */
static int l_diff(lua_State *L)
{
	struct lsnap *a = check_snap(L, 1);
	struct model *mb;
	int opts = 2;
	if (luaL_testudata(L, 2, SNAPSHOT_CLASS)) {
		mb = &check_snap(L, 2)->m;
		opts = 3;
	} else {
		struct session *s = api_session(L, "memlens.diff");
		model_update(&s->model, &s->region);
		model_symbolize_all(&s->model, &s->region);
		mb = &s->model;
	}
	struct diff_opts o = {.by = DIFF_BY_SITE};
	if (!lua_isnoneornil(L, opts)) {
		luaL_checktype(L, opts, LUA_TTABLE);
		static const char *const by[] = {"site", "function", "module", NULL};
		lua_getfield(L, opts, "by");
		o.by = (enum diff_by)luaL_checkoption(L, -1, "site", by);
		lua_getfield(L, opts, "filter");
		o.filter = luaL_optstring(L, -1, NULL);
		lua_getfield(L, opts, "min");
		if (!lua_isnil(L, -1)) {
			double v;
			const char *why;
			if (api_parse_value(L, -1, HOST_UNIT_BYTES, &v, &why) != 0)
				return luaL_error(L, "memlens.diff: bad min (expected %s)", why);
			o.min_bytes = (uint64_t)v;
		}
		/* the filter string stays on the stack while the diff is made */
	}
	struct diff d;
	char err[512];
	if (diff_compute(&a->m, mb, &o, &d, err, sizeof err) != 0)
		return luaL_error(L, "memlens.diff: %s", err);
	/* pushing may raise (the Lua memory limit): protected, so the diff is freed either way */
	lua_pushcfunction(L, push_diff_protected);
	lua_pushlightuserdata(L, &d);
	int r = lua_pcall(L, 1, 1, 0);
	diff_free(&d);
	if (r != LUA_OK)
		return lua_error(L);
	return 1;
}

void snapshots_open(lua_State *L)
{
	luaL_newmetatable(L, SNAPSHOT_CLASS);
	lua_pushcfunction(L, snap_index);
	lua_setfield(L, -2, "__index");
	lua_pushcfunction(L, snap_gc);
	lua_setfield(L, -2, "__gc");
	lua_pushcfunction(L, snap_tostring);
	lua_setfield(L, -2, "__tostring");
	lua_pop(L, 1);
	/* the memlens table is on top */
	lua_pushcfunction(L, l_snapshot);
	lua_setfield(L, -2, "snapshot");
	lua_pushcfunction(L, l_load);
	lua_setfield(L, -2, "load");
	lua_pushcfunction(L, l_diff);
	lua_setfield(L, -2, "diff");
}
