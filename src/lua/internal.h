/* internal.h — what the modules of the Lua runtime (src/lua/) share: the host, its registries, the userdata classes. */
#ifndef MEMLENS_LUA_INTERNAL_H
#define MEMLENS_LUA_INTERNAL_H

#include <lua.h>
#include <stddef.h>
#include <stdint.h>

#include "core/model.h"
#include "core/session.h"
#include "lua/host.h"

/* Errors and log lines kept for the report and the front ends (bounded: the oldest go). */
#define HOST_MAX_MESSAGES 200

struct host {
	lua_State *L;
	struct host_opts opts;
	struct session *s; /* NULL until host_bind */

	size_t mem_used, mem_limit; /* the Lua heap, capped by the allocator */
	uint64_t steps, step_limit; /* instructions of the running callback (counted by the hook) */
	const char *running;        /* what runs now, for messages ("heuristic 'x'") */

	struct budget *budgets;
	size_t nbudgets, budgets_cap;
	struct heuristic *heuristics;
	size_t nheuristics, heuristics_cap;
	int on_sample_ref, on_exit_ref; /* Lua tables of callbacks (arrays) */

	struct host_message *messages;
	size_t nmessages, messages_cap;
	size_t nerrors;  /* script errors so far (all time) */
	int load_failed; /* a script failed to load */

	int exit_requested, exit_code; /* memlens.exit */
	enum session_end end_reason;
	int finished;
	int evaluating;     /* in a check, a budget's value or on_violation: no (re)definitions */
	uint64_t eval_seq;  /* heuristic passes, for marking findings seen */
	double last_eval_s; /* when the latest pass ended (< 0: none yet) */

	struct patterns *patterns;
	int sites_ref; /* registry: site userdata by id + 1 */
};

/* Lua registry keys (addresses of these are the keys). */
extern const char host_key_exit;

struct host *host_of(lua_State *L);
/* Why the session ended, as scripts and the JSON see it ("target-ended", "duration", "exit"...). */
const char *host_end_name(const struct host *h);

/* Record a script error ("file:line: cause"); traceback may be NULL. Shown in the log and the report. */
void host_error(struct host *h, const char *msg, const char *traceback);
void host_log(struct host *h, enum host_level level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Call the function under its nargs arguments at the top of the stack, protected, with the
 * instruction limit armed. what names the caller for messages ("heuristic 'x'"). Returns 0,
 * or -1 after recording the error (stack then holds nothing of the call), or 1 when the
 * callback called memlens.exit. Leaves nresults values on success. */
int host_pcall(struct host *h, int nargs, int nresults, const char *what);
/* Arm the instruction limit for one callback run from C inside a protected call. */
void host_arm_limit(struct host *h);
/* "file:line" of the Lua code at `level` (1 = the caller of the running C function). */
void host_where(lua_State *L, int level, char *buf, size_t len);

/* api.c: the `memlens` module and the declarative globals. */
void api_open(lua_State *L);
/* Parse a limit of the given unit from a Lua value at idx (number or string); 0 or -1 with *why set. */
int api_parse_value(lua_State *L, int idx, enum host_unit unit, double *out, const char **why);
const char *api_unit_name(enum host_unit unit);
/* Push memlens.sample()'s table / the target's description (for on_exit and the report). */
void api_push_sample(lua_State *L, struct host *h);
void api_push_target(lua_State *L, struct host *h);
/* The session, or raise "no target yet" naming the function. */
struct session *api_session(lua_State *L, const char *fn);
/* Format a value of a unit ("1.5 MiB", "12", "3.0 KiB/s"). */
char *api_fmt_value(char *buf, size_t len, double v, enum host_unit unit);
char *api_fmt_duration(char *buf, size_t len, double s);

/* objects.c: site, history and view userdata. */
void objects_open(lua_State *L);
void objects_push_site(lua_State *L, uint32_t id);        /* the one userdata of site id */
void objects_push_history(lua_State *L, uint32_t id);     /* its history (h) */
int objects_check_site(lua_State *L, int idx);            /* site id, or raises */
int objects_is_site(lua_State *L, int idx, uint32_t *id); /* 1 and the id when idx is a site */
/* The frame a site is named after: the first outside the C/C++ runtimes (the first if all are). */
const struct sym_frame *objects_label_frame(struct session *s, struct site *x);
/* A view: n points with times; values and times copied in. */
double *objects_new_view(lua_State *L, size_t n, double **times);
/* Values and times of a view (or NULL when idx is not one); *n points. */
const double *objects_view(lua_State *L, int idx, size_t *n, const double **times);
/* Push the process series `field` over the last window_s seconds (<= 0: all) as a view; 0 or -1 for an unknown field.
 */
int objects_push_series(lua_State *L, struct model *m, const char *field, double window_s);
/* Names of the process series, NULL-terminated; a name's index; one sample's value of it. */
extern const char *const objects_series_names[];
int objects_series_field(const char *name);
double objects_series_value(int field, const struct sample *x);

/* snapshots.c: memlens.snapshot, load, diff (set on the memlens table at the top of the stack) */
void snapshots_open(lua_State *L);

/* stats.c: memlens.stats */
void stats_open(lua_State *L);
/* Least squares of y on x; returns 0 (slope, r2, intercept set) or -1 for fewer than 2 points or equal xs. */
int stats_linreg(const double *x, const double *y, size_t n, double *slope, double *r2, double *intercept);

/* patterns.c: the patterns of scripts (core/regex) compiled once, and per-site matches remembered. */
struct patterns *patterns_new(void);
void patterns_free(struct patterns *c);
/* Compile (or find) a pattern: its index, or -1 with "bad regex 'P': why" in err. */
int patterns_get(struct patterns *c, const char *text, char *err, size_t errlen);
int patterns_match_string(struct patterns *c, int p, const char *s);
/* 1 when a frame of site id (function, file or module) matches; symbolizes it on first use. */
int patterns_match_site(struct patterns *c, int p, struct session *s, uint32_t id);
/* Pattern indexes go stale when the cache is flushed: this counts flushes. */
uint64_t patterns_generation(const struct patterns *c);

/* budget.c */
void budget_define(lua_State *L, const char *metric, int spec, const char *where);
void budget_eval_all(struct host *h, int final);
void budget_free_all(struct host *h);
void budget_push_all(lua_State *L, struct host *h); /* memlens.budgets() result */

/* heuristic.c */
void heuristic_define(lua_State *L, const char *name, int spec, const char *where);
int heuristic_remove(lua_State *L, struct host *h, const char *name);
void heuristic_eval_all(struct host *h, int final);
void heuristic_free_all(struct host *h);
void heuristic_push_findings(lua_State *L, struct host *h); /* memlens.findings() result */

#endif
