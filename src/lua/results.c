/* results.c — the JSON document `memlens script --json` prints: target, budgets, findings, heuristics, errors, log. */
#include "config.h"

#include <math.h>
#include <stdlib.h>

#include "core/json.h"
#include "core/report.h"
#include "lua/internal.h"

static const char *level_name(enum host_level l)
{
	return l == HOST_ERROR ? "error" : l == HOST_WARN ? "warning" : "info";
}

static const char *state_name(enum target_state t)
{
	switch (t) {
	case TARGET_RUNNING: return "running";
	case TARGET_EXITED: return "exited";
	case TARGET_KILLED: return "killed";
	case TARGET_GONE: return "gone";
	}
	return "gone";
}

static void json_target(struct json *j, struct host *h)
{
	struct model *m = &h->s->model;
	json_object_begin(j, "target");
	json_int(j, "pid", m->pid);
	json_array_begin(j, "command");
	for (int i = 0; i < m->argc; i++)
		json_string(j, NULL, m->argv[i]);
	json_array_end(j);
	json_string(j, "state", state_name(m->target));
	if (m->target == TARGET_EXITED)
		json_int(j, "exit_code", m->exit_code);
	else
		json_null(j, "exit_code");
	if (m->target == TARGET_KILLED)
		json_int(j, "signal", m->signal);
	else
		json_null(j, "signal");
	json_double(j, "duration_s", m->target == TARGET_RUNNING ? model_now_s(m) : m->duration_s);
	json_object_end(j);
}

static void json_number_or_null(struct json *j, const char *key, int has, double v)
{
	if (has && isfinite(v))
		json_double(j, key, v);
	else
		json_null(j, key);
}

static void json_budgets(struct json *j, struct host *h)
{
	json_array_begin(j, "budgets");
	for (size_t i = 0; i < h->nbudgets; i++) {
		const struct budget *b = &h->budgets[i];
		json_object_begin(j, NULL);
		json_string(j, "name", b->name);
		json_string(j, "metric", b->metric);
		json_string(j, "unit", api_unit_name(b->unit));
		json_double(j, "max", b->max);
		json_number_or_null(j, "value", b->has_value, b->value);
		json_number_or_null(j, "peak", b->has_value, b->peak);
		json_string(j, "status", budget_status(b));
		json_bool(j, "over", b->over_now);
		json_number_or_null(j, "violated_at_s", b->violated, b->first_violation);
		json_double(j, "sustained_s", b->sustained_s);
		json_string(j, "match", b->match);
		json_string(j, "where", b->where);
		json_object_end(j);
	}
	json_array_end(j);
}

static void json_findings(struct json *j, struct host *h)
{
	size_t n;
	struct host_finding_ref *v = host_findings_ranked(h, &n);
	struct model *m = &h->s->model;
	json_array_begin(j, "findings");
	for (size_t i = 0; i < n; i++) {
		const struct finding *f = v[i].f;
		json_object_begin(j, NULL);
		json_string(j, "heuristic", v[i].he->name);
		json_string(j, "category", v[i].he->category);
		json_double(j, "score", isfinite(f->score) ? f->score : 0);
		json_string(j, "unit", api_unit_name(v[i].he->unit));
		json_double(j, "threshold", v[i].he->threshold);
		json_bool(j, "fired", f->fired);
		json_bool(j, "ever_fired", f->ever_fired);
		json_bool(j, "current", f->current);
		json_string(j, "reason", f->reason);
		json_double(j, "first_s", f->first_s);
		json_double(j, "last_s", f->last_s);
		if (f->site != FINDING_PROCESS && f->site < m->nsites) {
			report_json_site(j, "site", m, &h->s->region, &m->sites[f->site]);
		} else {
			json_null(j, "site");
		}
		json_object_end(j);
	}
	json_array_end(j);
	free(v);
}

static void json_heuristics(struct json *j, struct host *h)
{
	json_array_begin(j, "heuristics");
	for (size_t i = 0; i < h->nheuristics; i++) {
		const struct heuristic *he = &h->heuristics[i];
		json_object_begin(j, NULL);
		json_string(j, "name", he->name);
		json_string(j, "category", he->category);
		json_string(j, "scope",
		            he->scope == SCOPE_PROCESS ? "process"
		            : he->scope == SCOPE_LIVE  ? "live"
		            : he->scope == SCOPE_ALL   ? "all"
		                                       : "active");
		json_double(j, "every_s", he->every_s);
		json_double(j, "threshold", he->threshold);
		json_uint(j, "evaluations", he->evals);
		json_double(j, "cpu_s", he->cpu_s);
		json_bool(j, "disabled", he->disabled);
		json_string(j, "where", he->where);
		json_object_end(j);
	}
	json_array_end(j);
}

static void json_messages(struct json *j, struct host *h)
{
	json_array_begin(j, "errors");
	for (size_t i = 0; i < h->nmessages; i++)
		if (h->messages[i].level == HOST_ERROR)
			json_string(j, NULL, h->messages[i].text);
	json_array_end(j);
	json_array_begin(j, "log");
	for (size_t i = 0; i < h->nmessages; i++) {
		json_object_begin(j, NULL);
		json_double(j, "t", h->messages[i].t);
		json_string(j, "level", level_name(h->messages[i].level));
		json_string(j, "text", h->messages[i].text);
		json_object_end(j);
	}
	json_array_end(j);
}

void host_report_json(struct host *h, FILE *out, const char *script)
{
	struct json j;
	json_init(&j, out, 1);
	json_object_begin(&j, NULL);
	json_int(&j, "schema", 1);
	json_string(&j, "memlens_version", PACKAGE_VERSION);
	json_string(&j, "script", script);
	json_target(&j, h);
	json_string(&j, "end", host_end_name(h));
	json_int(&j, "exit_status", host_exit_status(h));
	json_uint(&j, "error_count", h->nerrors);
	json_budgets(&j, h);
	json_findings(&j, h);
	json_heuristics(&j, h);
	json_messages(&j, h);
	json_object_end(&j);
	json_end(&j);
}
