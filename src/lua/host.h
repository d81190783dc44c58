/* host.h — the embedded Lua 5.4 runtime: loads scripts, runs their budgets, heuristics and callbacks as a session
 * client. */
#ifndef MEMLENS_LUA_HOST_H
#define MEMLENS_LUA_HOST_H

#include <stdint.h>
#include <stdio.h>

#include "core/session.h"

struct host;

enum host_level { HOST_INFO, HOST_WARN, HOST_ERROR };

/* Units of budget limits, metric values and heuristic scores. */
enum host_unit {
	HOST_UNIT_NUMBER,
	HOST_UNIT_BYTES,
	HOST_UNIT_COUNT,
	HOST_UNIT_BYTES_PER_S,
	HOST_UNIT_COUNT_PER_S,
	HOST_UNIT_SECONDS
};

struct host_opts {
	const char *lua_dir;       /* the standard library (lua/): report.lua, std/ */
	int no_stdlib;             /* do not load the standard heuristics (std) */
	uint64_t max_instructions; /* per callback run; 0 = default (HOST_DEFAULT_INSTRUCTIONS) */
	size_t max_memory;         /* Lua heap limit; 0 = default */
	int print_to_log;          /* print() goes to the log (the TUI), not stdout */
	/* Every log line and error (the TUI's Log view and status line; headless: stderr). */
	void (*log)(void *arg, enum host_level level, double t, const char *msg);
	void *log_arg;
};

#define HOST_DEFAULT_INSTRUCTIONS 10000000ull
#define HOST_DEFAULT_MEMORY       ((size_t)512 << 20)

/* A budget as the front ends show it. */
struct budget {
	char *name;   /* shown: the metric, or the component's name */
	char *metric; /* heap.live, rss, threads, component, ... */
	char *where;  /* file:line of its definition */
	enum host_unit unit;
	double max;
	double sustained_s, every_s, window_s, after_s;
	int regex;   /* component pattern (index in the host's patterns), -1 */
	char *match; /* component pattern text */
	uint64_t regex_gen;
	int value_ref;    /* custom metric: Lua function, LUA_NOREF otherwise */
	int on_violation; /* Lua function or LUA_NOREF */
	int disabled;     /* its value function failed */

	/* state */
	int has_value;
	double value, peak;
	double over_since;      /* time the value went over max, < 0 when under */
	int over_now;           /* over max for at least sustained_s, now */
	int violated;           /* ever */
	double first_violation; /* time of the first violation */
	double next_eval;
};

/* "ok", "violated" (at any time), "error" (its value function failed) or "no-data" (never
 * measured: a rate before its window filled, a heap figure without the agent). */
const char *budget_status(const struct budget *b);

struct finding {
	uint32_t site; /* FINDING_PROCESS for a process-level heuristic */
	double score;
	char *reason;
	double first_s, last_s; /* first and latest time reported */
	int current;            /* reported by the latest evaluation */
	int fired, ever_fired;  /* score above the heuristic's threshold (latest, ever) */
	uint64_t seen;          /* evaluation pass that last saw it */
};

#define FINDING_PROCESS UINT32_MAX

enum heuristic_scope { SCOPE_ACTIVE, SCOPE_LIVE, SCOPE_ALL, SCOPE_PROCESS };

struct heuristic {
	char *name;
	char *where;
	char *category; /* "leak", "threads", "copy", ... */
	char *description;
	int check_ref;
	double every_s, threshold, window_s;
	enum heuristic_scope scope;
	enum host_unit unit; /* of the score */
	int blocks;          /* wants live blocks captured before each evaluation */
	int disabled;
	double next_eval;
	uint64_t evals, calls;
	double cpu_s; /* spent in its checks */

	/* a pass over the sites runs in slices of a few milliseconds, sample after sample */
	int in_pass;
	uint32_t cursor;   /* next site id to check */
	uint64_t pass_seq; /* marks the findings this pass saw */
	int logged, unlogged;

	struct finding *findings;
	size_t nfindings, findings_cap;
	uint32_t *index; /* open addressing: site id + 1 -> finding index + 1 */
	size_t index_cap;
};

struct host_message {
	enum host_level level;
	double t;
	char *text;
};

struct host *host_new(const struct host_opts *o);
void host_free(struct host *h);

/* Load the report module and (unless no_stdlib) the standard heuristics. 0, or -1 after
 * recording the error. */
int host_load_stdlib(struct host *h);
/* Run a script file. 0, or -1 after recording the error (file:line: cause). */
int host_load(struct host *h, const char *path);
/* 1 when any script failed to load. */
int host_load_failed(const struct host *h);

/* Watch this session from now on: the model the scripts read, the clock they run on. */
void host_bind(struct host *h, struct session *s);
/* The session client: budgets and heuristics when due, then on_sample callbacks. */
void host_client(struct host *h, struct session_client *c);
/* The session ended (why): last evaluation of budgets and heuristics, on_exit callbacks. */
void host_finish(struct host *h, enum session_end why);

/* The end-of-run report: text through the library's report function, or JSON. 0 or -1. */
int host_report_text(struct host *h, FILE *out);
void host_report_json(struct host *h, FILE *out, const char *script);

/* memlens.exit's code, or the status the results call for (EXIT_SCRIPT_ERROR, EXIT_BUDGET,
 * EXIT_HEURISTIC, 0). */
int host_exit_status(const struct host *h);
int host_exit_requested(const struct host *h);

/* A finding with its heuristic. */
struct host_finding_ref {
	const struct heuristic *he;
	const struct finding *f;
};

/* For the front ends (read between calls of the session loop). */
/* Every finding, those that ever fired first, then by score: an owned array (free it). */
struct host_finding_ref *host_findings_ranked(const struct host *h, size_t *n);
const struct budget *host_budgets(const struct host *h, size_t *n);
const struct heuristic *host_heuristics(const struct host *h, size_t *n);
const struct host_message *host_messages(const struct host *h, size_t *n);
size_t host_error_count(const struct host *h);
size_t host_lua_memory(const struct host *h); /* bytes the Lua state holds */
/* A value in a unit, as reports show it ("1.5 MiB", "12", "3.0 KiB/s"). */
char *host_fmt_value(char *buf, size_t len, double v, enum host_unit unit);
/* "function (file.c:12)" of the frame a site is named after (site.label in Lua). */
void host_site_label(struct host *h, uint32_t id, char *buf, size_t len);
/* Seconds since the latest evaluation of any heuristic ended (< 0: none yet). */
double host_last_evaluation_age(const struct host *h);
int host_budgets_violated(const struct host *h); /* budgets over their limit now */
int host_findings_fired(const struct host *h);   /* findings above threshold now */

#endif
