/* threadreport.c — print a thread dump: groups of threads with the same state and stack, each thread's figures. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/procfs.h"
#include "core/report.h"
#include "core/threadreport.h"
#include "core/util.h"

#define STOP_TIMEOUT_TEXT "did not stop within 200 ms (uninterruptible sleep?)"

static const char *dump_error_text(int error)
{
	switch (error) {
	case 0: return NULL;
	case -ETIMEDOUT: return STOP_TIMEOUT_TEXT;
	case -EIO: return "libunwind could not start unwinding it";
	default: return strerror(-error);
	}
}

/* The innermost frame with a function name: what the group is "at". */
static const char *group_at(const struct sym_frame *f, int n)
{
	for (int i = 0; i < n; i++)
		if (f[i].function)
			return f[i].function;
	return n ? "??" : "(no stack)";
}

static void text_group(FILE *out, struct model *m, const struct region *r, const struct thread_group *g)
{
	const struct thread_stat *first = &m->threads[g->members[0]];
	int n = 0;
	struct sym_frame *f = model_thread_frames(m, r, first, &n);
	const char *err = dump_error_text(first->stack_error);
	fprintf(out, "\n%zu thread%s [%c, %s] @ %s\n", g->count, g->count == 1 ? "" : "s", first->dump_state,
	        procfs_state_name(first->dump_state), err ? "(no stack)" : group_at(f, n));
	for (size_t k = 0; k < g->count; k++) {
		const struct thread_stat *t = &m->threads[g->members[k]];
		fprintf(out, "    tid %-8d %-16s cpu %.2f s user, %.2f s sys; stopped %.3f ms", t->tid,
		        t->name[0] ? t->name : "?", t->utime_s, t->stime_s, (double)t->stopped_ns / 1e6);
		if (t->slot >= 0) {
			char a[32], b[32];
			fprintf(out, "; heap %s allocated, %s live",
			        util_fmt_bytes(a, sizeof a, (double)t->c.bytes_alloc),
			        util_fmt_bytes(b, sizeof b, (double)t->c.live_bytes));
		}
		fputc('\n', out);
	}
	if (err)
		fprintf(out, "      (stack not taken: %s)\n", err);
	for (int i = 0; i < n; i++)
		report_text_frame(out, &f[i]);
	if (first->stack_truncated)
		fprintf(out, "      ... (stack deeper than %d frames)\n", first->stack_depth);
	free(f);
}

void threadreport_text(FILE *out, struct model *m, const struct region *r)
{
	size_t ng;
	struct thread_group *g = model_thread_groups(m, &ng);
	const struct dump_stats *d = &m->dump;
	fprintf(out, "\nThread dump of pid %d: %d threads in %zu group%s (by state and stack)\n", (int)m->pid,
	        d->threads, ng, ng == 1 ? "" : "s");
	fprintf(out, "  taken in %.1f ms; each thread was stopped only while its stack was read: at most %.3f ms",
	        (double)d->took_ns / 1e6, (double)d->max_stop_ns / 1e6);
	if (d->unwound)
		fprintf(out, ", %.3f ms on average", (double)d->sum_stop_ns / 1e6 / d->unwound);
	fputc('\n', out);
	if (d->gone)
		fprintf(out, "  %d thread%s ended before it could be stopped\n", d->gone, d->gone == 1 ? "" : "s");
	if (d->not_stopped)
		fprintf(out, "  %d thread%s %s\n", d->not_stopped, d->not_stopped == 1 ? "" : "s", STOP_TIMEOUT_TEXT);
	for (size_t k = 0; k < ng; k++)
		text_group(out, m, r, &g[k]);
	model_thread_groups_free(g, ng);
}

static void json_thread(struct json *j, const struct thread_stat *t)
{
	json_object_begin(j, NULL);
	json_int(j, "tid", t->tid);
	json_string(j, "name", t->name[0] ? t->name : NULL);
	json_double(j, "cpu_user_s", t->utime_s);
	json_double(j, "cpu_sys_s", t->stime_s);
	json_double(j, "stopped_ms", (double)t->stopped_ns / 1e6);
	if (t->slot >= 0) {
		json_uint(j, "bytes_allocated", t->c.bytes_alloc);
		json_int(j, "live_bytes", t->c.live_bytes);
	}
	json_object_end(j);
}

static void json_group(struct json *j, struct model *m, const struct region *r, const struct thread_group *g)
{
	const struct thread_stat *first = &m->threads[g->members[0]];
	char state[2] = {first->dump_state, 0};
	json_object_begin(j, NULL);
	json_uint(j, "count", g->count);
	json_string(j, "state", state);
	json_string(j, "state_name", procfs_state_name(first->dump_state));
	json_string(j, "error", dump_error_text(first->stack_error));
	json_bool(j, "truncated", first->stack_truncated);
	json_array_begin(j, "threads");
	for (size_t k = 0; k < g->count; k++)
		json_thread(j, &m->threads[g->members[k]]);
	json_array_end(j);
	int n = 0;
	struct sym_frame *f = model_thread_frames(m, r, first, &n);
	report_json_frames(j, "frames", f, n);
	free(f);
	json_object_end(j);
}

void threadreport_json(struct json *j, struct model *m, const struct region *r)
{
	size_t ng;
	struct thread_group *g = model_thread_groups(m, &ng);
	const struct dump_stats *d = &m->dump;
	json_object_begin(j, "thread_dump");
	json_int(j, "threads", d->threads);
	json_int(j, "unwound", d->unwound);
	json_int(j, "gone", d->gone);
	json_int(j, "not_stopped", d->not_stopped);
	json_double(j, "took_ms", (double)d->took_ns / 1e6);
	json_double(j, "max_stopped_ms", (double)d->max_stop_ns / 1e6);
	json_double(j, "mean_stopped_ms", d->unwound ? (double)d->sum_stop_ns / 1e6 / d->unwound : 0);
	json_array_begin(j, "groups");
	for (size_t k = 0; k < ng; k++)
		json_group(j, m, r, &g[k]);
	json_array_end(j);
	json_object_end(j);
	model_thread_groups_free(g, ng);
}

void threadreport_json_document(FILE *out, struct model *m, const struct region *r)
{
	struct json j;
	json_init(&j, out, 1);
	json_object_begin(&j, NULL);
	json_uint(&j, "schema", 1);
	json_string(&j, "memlens_version", PACKAGE_VERSION);
	json_array_begin(&j, "command");
	for (int i = 0; i < m->argc; i++)
		json_string(&j, NULL, m->argv[i]);
	json_array_end(&j);
	json_int(&j, "pid", m->pid);
	threadreport_json(&j, m, r);
	json_object_end(&j);
	json_end(&j);
}
