/* stats.c — memlens.stats: regression, percentiles, rates and summaries over views or Lua arrays. */
#include "config.h"

#include <lauxlib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lua/internal.h"

int stats_linreg(const double *x, const double *y, size_t n, double *slope, double *r2, double *intercept)
{
	if (n < 2)
		return -1;
	double mx = 0, my = 0;
	for (size_t i = 0; i < n; i++) {
		mx += x[i];
		my += y[i];
	}
	mx /= (double)n;
	my /= (double)n;
	double sxx = 0, sxy = 0, syy = 0;
	for (size_t i = 0; i < n; i++) {
		double dx = x[i] - mx, dy = y[i] - my;
		sxx += dx * dx;
		sxy += dx * dy;
		syy += dy * dy;
	}
	if (sxx <= 0)
		return -1;
	*slope = sxy / sxx;
	*intercept = my - *slope * mx;
	/* a flat series is fitted exactly by a flat line */
	*r2 = syy > 0 ? (sxy * sxy) / (sxx * syy) : 1;
	return 0;
}

/* Values (and x: times of a view, or 1..n, or the array given as xs) of the argument at idx.
 * Arrays are copied into scratch userdata left on the stack (so Lua frees them, even when
 * an error unwinds): positive argument indexes stay valid. */
struct data {
	size_t n;
	const double *x, *y;
};

static struct data get_data(lua_State *L, int idx, int xs_idx)
{
	struct data d = {0};
	if (lua_gettop(L) < 3) /* scratch goes above the (at most 3) arguments, absent ones nil */
		lua_settop(L, 3);
	const double *t;
	const double *v = objects_view(L, idx, &d.n, &t);
	if (v) {
		d.y = v;
		d.x = t;
	} else {
		luaL_checktype(L, idx, LUA_TTABLE);
		size_t len = lua_rawlen(L, idx);
		double *y = lua_newuserdatauv(L, 2 * (len ? len : 1) * sizeof *y, 0);
		double *x = y + len;
		for (size_t i = 0; i < len; i++) {
			lua_rawgeti(L, idx, (lua_Integer)i + 1);
			int ok;
			y[i] = lua_tonumberx(L, -1, &ok);
			lua_pop(L, 1);
			if (!ok)
				luaL_error(L, "memlens.stats: element %d is not a number", (int)i + 1);
			x[i] = (double)(i + 1);
		}
		d.n = len;
		d.y = y;
		d.x = x;
	}
	if (xs_idx && !lua_isnoneornil(L, xs_idx) && lua_type(L, xs_idx) != LUA_TNUMBER &&
	    lua_type(L, xs_idx) != LUA_TSTRING) {
		size_t nx;
		const double *xv = objects_view(L, xs_idx, &nx, &t);
		double *x = NULL;
		if (!xv) {
			nx = lua_rawlen(L, xs_idx);
			luaL_checktype(L, xs_idx, LUA_TTABLE);
			x = lua_newuserdatauv(L, (nx ? nx : 1) * sizeof *x, 0);
			for (size_t i = 0; i < nx; i++) {
				lua_rawgeti(L, xs_idx, (lua_Integer)i + 1);
				x[i] = lua_tonumber(L, -1);
				lua_pop(L, 1);
			}
			xv = x;
		}
		if (nx != d.n)
			luaL_error(L, "memlens.stats: %d values but %d xs", (int)d.n, (int)nx);
		d.x = xv;
	}
	return d;
}

/* Keep the points of d whose x is within window of the last x. */
static void apply_window(struct data *d, double window)
{
	if (window <= 0 || d->n == 0)
		return;
	double from = d->x[d->n - 1] - window;
	size_t first = 0;
	while (first < d->n && d->x[first] < from)
		first++;
	d->x += first;
	d->y += first;
	d->n -= first;
}

static double opt_window(lua_State *L, int idx)
{
	if (lua_isnoneornil(L, idx))
		return 0;
	double w;
	const char *why;
	if (api_parse_value(L, idx, HOST_UNIT_SECONDS, &w, &why) != 0)
		luaL_error(L, "memlens.stats: bad window '%s' (expected %s)", luaL_tolstring(L, idx, NULL), why);
	return w;
}

/* The index of the optional window argument: after xs when xs is given. */
static int window_arg(lua_State *L, int after)
{
	int t = lua_type(L, after);
	return t == LUA_TTABLE || t == LUA_TUSERDATA ? after + 1 : after;
}

/* linreg(ys [, xs] [, window]) -> slope, r2, intercept (nil for fewer than 2 points) */
static int l_linreg(lua_State *L)
{
	struct data d = get_data(L, 1, 2);
	apply_window(&d, opt_window(L, window_arg(L, 2)));
	double slope, r2, icept;
	if (stats_linreg(d.x, d.y, d.n, &slope, &r2, &icept) != 0) {
		lua_pushnil(L);
		return 1;
	}
	lua_pushnumber(L, slope);
	lua_pushnumber(L, r2);
	lua_pushnumber(L, icept);
	return 3;
}

/* rate(v [, xs] [, window]) -> (last - first) / (x_last - x_first), nil without two points */
static int l_rate(lua_State *L)
{
	struct data d = get_data(L, 1, 2);
	apply_window(&d, opt_window(L, window_arg(L, 2)));
	if (d.n < 2 || d.x[d.n - 1] <= d.x[0]) {
		lua_pushnil(L);
		return 1;
	}
	lua_pushnumber(L, (d.y[d.n - 1] - d.y[0]) / (d.x[d.n - 1] - d.x[0]));
	return 1;
}

/* delta(v [, window]) -> last - first */
static int l_delta(lua_State *L)
{
	struct data d = get_data(L, 1, 0);
	apply_window(&d, opt_window(L, 2));
	if (!d.n) {
		lua_pushnil(L);
		return 1;
	}
	lua_pushnumber(L, d.y[d.n - 1] - d.y[0]);
	return 1;
}

enum summary { SUM, MEAN, MIN, MAX, STDDEV };

static int summary(lua_State *L, enum summary what)
{
	struct data d = get_data(L, 1, 0);
	apply_window(&d, opt_window(L, 2));
	if (!d.n) {
		lua_pushnil(L);
		return 1;
	}
	double sum = 0, lo = d.y[0], hi = d.y[0];
	for (size_t i = 0; i < d.n; i++) {
		sum += d.y[i];
		lo = d.y[i] < lo ? d.y[i] : lo;
		hi = d.y[i] > hi ? d.y[i] : hi;
	}
	double mean = sum / (double)d.n, r = 0;
	switch (what) {
	case SUM: r = sum; break;
	case MEAN: r = mean; break;
	case MIN: r = lo; break;
	case MAX: r = hi; break;
	case STDDEV:
		for (size_t i = 0; i < d.n; i++)
			r += (d.y[i] - mean) * (d.y[i] - mean);
		r = sqrt(r / (double)d.n);
		break;
	}
	lua_pushnumber(L, r);
	return 1;
}

static int l_sum(lua_State *L)
{
	return summary(L, SUM);
}

static int l_mean(lua_State *L)
{
	return summary(L, MEAN);
}

static int l_min(lua_State *L)
{
	return summary(L, MIN);
}

static int l_max(lua_State *L)
{
	return summary(L, MAX);
}

static int l_stddev(lua_State *L)
{
	return summary(L, STDDEV);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* percentile(v, p): p in 0..100, linear interpolation between closest ranks */
static int l_percentile(lua_State *L)
{
	struct data d = get_data(L, 1, 0);
	double p = luaL_checknumber(L, 2);
	luaL_argcheck(L, p >= 0 && p <= 100, 2, "percentile must be within 0..100");
	if (!d.n) {
		lua_pushnil(L);
		return 1;
	}
	double *v = lua_newuserdatauv(L, d.n * sizeof *v, 0);
	memcpy(v, d.y, d.n * sizeof *v);
	qsort(v, d.n, sizeof *v, cmp_double);
	double rank = p / 100 * (double)(d.n - 1);
	size_t lo = (size_t)floor(rank), hi = lo + 1 < d.n ? lo + 1 : lo;
	lua_pushnumber(L, v[lo] + (v[hi] - v[lo]) * (rank - (double)lo));
	return 1;
}

static int l_median(lua_State *L)
{
	lua_settop(L, 1);
	lua_pushinteger(L, 50);
	return l_percentile(L);
}

/* window(view, w) -> a view of the points within w seconds of the last */
static int l_window(lua_State *L)
{
	size_t n;
	const double *t, *v = objects_view(L, 1, &n, &t);
	if (!v)
		return luaL_argerror(L, 1, "a view (from a history or memlens.series)");
	struct data d = {n, t, v};
	apply_window(&d, opt_window(L, 2));
	double *nt, *nv = objects_new_view(L, d.n, &nt);
	memcpy(nv, d.y, d.n * sizeof *nv);
	memcpy(nt, d.x, d.n * sizeof *nt);
	return 1;
}

static const luaL_Reg stats_funcs[] = {
        {"linreg", l_linreg}, {"rate", l_rate},     {"delta", l_delta},
        {"sum", l_sum},       {"mean", l_mean},     {"min", l_min},
        {"max", l_max},       {"stddev", l_stddev}, {"percentile", l_percentile},
        {"median", l_median}, {"window", l_window}, {NULL, NULL},
};

void stats_open(lua_State *L)
{
	luaL_newlib(L, stats_funcs);
}
