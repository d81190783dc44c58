/* report.c — write the headless report of a model as text for people or JSON for programs. */
#include "config.h"

#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/json.h"
#include "core/report.h"
#include "core/threadreport.h"
#include "core/util.h"

#define FRAMES_SHOWN 12

static const char *kind_name(int kind)
{
	return kind == MLR_KIND_MMAP ? "mmap" : kind == MLR_KIND_THREAD ? "thread" : "heap";
}

static const char *unwinder_name(uint32_t u)
{
	return u == MLR_UNWIND_FP ? "fp" : u == MLR_UNWIND_CFI ? "cfi" : "libunwind";
}

static const char *target_text(const struct model *m, char *buf, size_t len)
{
	if (m->target == TARGET_EXITED)
		snprintf(buf, len, "exited with status %d", m->exit_code);
	else if (m->target == TARGET_KILLED)
		snprintf(buf, len, "killed by signal %d (%s)", m->signal, strsignal(m->signal));
	else if (m->target == TARGET_GONE)
		snprintf(buf, len, "ended (status unknown: not our child)");
	else
		snprintf(buf, len, "still running");
	return buf;
}

/* When the figures were last true: a degraded agent stopped counting. */
static const char *live_label(const struct model *m)
{
	if (m->agent_seen && m->agent_state == MLR_STATE_DEGRADED)
		return "when recording stopped";
	if (m->agent_seen && m->agent_state == MLR_STATE_DORMANT)
		return "at the detach";
	if (m->target != TARGET_RUNNING)
		return "at exit";
	return m->from_file ? "at snapshot" : "now";
}

static void text_command(FILE *out, const struct model *m)
{
	for (int i = 0; i < m->argc; i++)
		fprintf(out, "%s%s", i ? " " : "", m->argv[i]);
}

/* "function  file:line" for one frame, with the module as fallback. */
void report_text_frame(FILE *out, const struct sym_frame *f)
{
	const char *fn = f->function ? f->function : "??";
	fprintf(out, "      %-32s ", fn);
	if (f->file) {
		const char *base = strrchr(f->file, '/');
		fprintf(out, "%s:%d", base ? base + 1 : f->file, f->line);
	} else if (f->module) {
		const char *base = strrchr(f->module, '/');
		fprintf(out, "%s+0x%" PRIx64, base ? base + 1 : f->module, f->offset);
	} else {
		fprintf(out, "0x%" PRIx64, f->address);
	}
	fputs(f->inlined ? "  [inlined]\n" : "\n", out);
}

static void text_site(FILE *out, struct model *m, const struct region *r, struct site *s, int rank)
{
	char live[32], alloc[32], calls[32], blocks[32];
	double share = m->peak_live > 0 ? 100.0 * (double)s->at_peak_bytes / (double)m->peak_live : 0;
	fprintf(out, "  #%-2d %s live in %s blocks; allocated %s in %s calls; %.1f%% of peak%s\n", rank,
	        util_fmt_bytes(live, sizeof live, (double)s->c.live_bytes),
	        util_fmt_count(blocks, sizeof blocks, (uint64_t)(s->c.live_blocks > 0 ? s->c.live_blocks : 0)),
	        util_fmt_bytes(alloc, sizeof alloc, (double)s->c.bytes_alloc),
	        util_fmt_count(calls, sizeof calls, s->c.allocs), share, s->kind == MLR_KIND_MMAP ? " [mmap]" : "");
	int n;
	const struct sym_frame *f = model_site_frames(m, r, s, &n);
	if (n == 0)
		fputs("      (no stack: the stack table was full)\n", out);
	for (int i = 0; i < n && i < FRAMES_SHOWN; i++)
		report_text_frame(out, &f[i]);
	if (n > FRAMES_SHOWN)
		fprintf(out, "      ... %d more frames\n", n - FRAMES_SHOWN);
	if (s->truncated)
		fprintf(out, "      ... (stack deeper than %u frames)\n", m->max_depth);
}

static void text_sites(FILE *out, struct model *m, const struct region *r, const char *title, enum site_order order,
                       int top)
{
	size_t n;
	struct site **v = model_top_sites(m, order, top, &n);
	fprintf(out, "\n%s\n", title);
	for (size_t i = 0; i < n; i++)
		text_site(out, m, r, v[i], (int)i + 1);
	if (!n)
		fputs("  (none)\n", out);
	free(v);
}

static void text_threads(FILE *out, const struct model *m)
{
	fprintf(out, "\nThreads (%zu seen, at most %u at once)\n", m->nthreads, m->max_threads);
	fprintf(out, "  %-8s %-16s %-9s %12s %12s %12s %12s\n", "tid", "name", "state", "alloc calls", "frees",
	        "allocated", "live");
	for (size_t i = 0; i < m->nthreads; i++) {
		const struct thread_stat *t = &m->threads[i];
		char a[32], b[32], c[32], d[32];
		const char *state = t->exited                     ? "exited"
		                    : t->os_state                 ? procfs_state_name(t->os_state)
		                    : m->target == TARGET_RUNNING ? "running"
		                                                  : "ended";
		fprintf(out, "  %-8d %-16s %-9s %12s %12s %12s %12s\n", t->tid, t->name[0] ? t->name : "?", state,
		        util_fmt_count(a, sizeof a, t->c.allocs), util_fmt_count(b, sizeof b, t->c.frees),
		        util_fmt_bytes(c, sizeof c, (double)t->c.bytes_alloc),
		        util_fmt_bytes(d, sizeof d, (double)t->c.live_bytes));
	}
}

static void text_agent(FILE *out, const struct model *m, const struct report_opts *o)
{
	char a[32], b[32], c[32];
	if (o->procfs_only) {
		fputs("  agent: not injected (--no-inject): figures from /proc and the threads' stacks only\n", out);
	} else if (!m->agent_seen) {
		fprintf(out, "  agent: did not start in the target (%s); only /proc figures below\n",
		        m->agent_problem ? m->agent_problem : "statically linked, setuid, or exited before loading?");
	} else {
		const char *why = region_reason_text(m->agent_reason);
		fprintf(out, "  agent: %s, unwinder %s, max depth %u%s%s\n", region_state_name(m->agent_state),
		        unwinder_name(m->unwinder), m->max_depth, why ? "; " : "", why ? why : "");
		fprintf(out, "  agent tables: %s stacks, %s frames, %s of live-block and index tables\n",
		        util_fmt_count(a, sizeof a, m->nstacks), util_fmt_count(b, sizeof b, m->frames_used),
		        util_fmt_bytes(c, sizeof c, (double)m->arena_used));
		if (m->agent_flags & MLR_FLAG_ATTACHED)
			fputs("  counting from the attach: blocks allocated before it are not seen, their frees are\n"
			      "  counted as unknown frees and otherwise ignored\n",
			      out);
	}
	const struct attach_stats *at = &m->attach;
	if (at->injected) {
		fprintf(out,
		        "  attach: agent %s on thread %d (held %.2f ms, %d thread%s looked at); first figures %.1f ms "
		        "after the start\n",
		        at->reused ? "already loaded (dormant), restarted" : "loaded", (int)at->tid, at->held_ms,
		        at->tries, at->tries == 1 ? "" : "s", at->first_ms);
		if (at->detached)
			fprintf(out,
			        "  detach: %d GOT entries restored (thread held %.2f ms); the agent stays, dormant\n",
			        at->restored, at->detach_held_ms);
	}
}

static void text_heap(FILE *out, const struct model *m)
{
	char a[32], b[32], c[32], d[32];
	fputs("\nHeap (\"allocated\" = every allocation ever made; \"live\" = not freed yet)\n", out);
	fprintf(out, "  allocation calls  %-14s frees          %s\n", util_fmt_count(a, sizeof a, m->heap.allocs),
	        util_fmt_count(b, sizeof b, m->heap.frees));
	fprintf(out, "  bytes allocated   %-14s unknown frees  %s\n",
	        util_fmt_bytes(c, sizeof c, (double)m->heap.bytes_alloc),
	        util_fmt_count(d, sizeof d, m->unknown_frees));
	fprintf(out, "  peak live heap    %s at %.2f s\n", util_fmt_bytes(a, sizeof a, (double)m->peak_live),
	        m->peak_time_s);
	fprintf(out, "  live %-12s %s in %s blocks\n", live_label(m),
	        util_fmt_bytes(b, sizeof b, (double)m->heap.live_bytes),
	        util_fmt_count(c, sizeof c, (uint64_t)(m->heap.live_blocks > 0 ? m->heap.live_blocks : 0)));
	fprintf(out, "  anonymous mmap    %s mappings, %s mapped, %s live\n",
	        util_fmt_count(a, sizeof a, m->mmap.allocs), util_fmt_bytes(b, sizeof b, (double)m->mmap.bytes_alloc),
	        util_fmt_bytes(c, sizeof c, (double)m->mmap.live_bytes));
}

/* One /proc figure at the first and the last sample of an attached session. */
static void text_over_time(FILE *out, const char *what, uint64_t first, uint64_t last, uint64_t peak)
{
	char a[32], b[32], c[32];
	fprintf(out, "  %-10s %s at the start, %s at the end, at most %s\n", what,
	        util_fmt_bytes(a, sizeof a, (double)first), util_fmt_bytes(b, sizeof b, (double)last),
	        util_fmt_bytes(c, sizeof c, (double)peak));
}

static void text_process(FILE *out, const struct model *m)
{
	char a[32], b[32], c[32];
	fprintf(out,
	        "\nProcess (from /proc, %zu samples)\n  peak RSS %s (anonymous %s), VmHWM %s, threads at most %u\n",
	        m->nsamples, util_fmt_bytes(a, sizeof a, (double)m->peak_rss),
	        util_fmt_bytes(b, sizeof b, (double)m->peak_rss_anon), util_fmt_bytes(c, sizeof c, (double)m->vm_hwm),
	        m->max_threads);
	const struct sample *s0 = series_count(m->series) ? series_get(m->series, 0) : NULL;
	const struct sample *s1 = series_last(m->series);
	if (!m->attached || !s0 || !s1)
		return;
	text_over_time(out, "RSS", s0->rss, s1->rss, m->peak_rss);
	text_over_time(out, "anonymous", s0->rss_anon, s1->rss_anon, m->peak_rss_anon);
	text_over_time(out, "VmSize", s0->vmsize, s1->vmsize, s1->vmsize > s0->vmsize ? s1->vmsize : s0->vmsize);
	fprintf(out, "  %-10s %u at the start, %u at the end, at most %u\n", "threads", s0->threads, s1->threads,
	        m->max_threads);
}

static void text_snapshot_time(FILE *out, const struct model *m)
{
	char when[64];
	time_t t = (time_t)(m->snapshot_wall_ns / 1000000000);
	struct tm tm;
	if (!localtime_r(&t, &tm) || !strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S %z", &tm))
		snprintf(when, sizeof when, "an unknown time");
	fprintf(out, "  snapshot taken %s on host %s by memlens %s\n", when, m->host[0] ? m->host : "?",
	        m->written_by ? m->written_by : "?");
}

static void text_report(FILE *out, struct model *m, const struct region *r, const struct report_opts *o)
{
	char fate[64];
	fputs("memlens report: ", out);
	text_command(out, m);
	fprintf(out, "\n  pid %d, %s %.2f s, %s\n", (int)m->pid, m->attached ? "attached for" : "ran", m->duration_s,
	        target_text(m, fate, sizeof fate));
	if (m->from_file)
		text_snapshot_time(out, m);
	text_agent(out, m, o);
	if (!o->procfs_only)
		text_heap(out, m);
	text_process(out, m);
	if (!o->procfs_only) {
		char title[96];
		snprintf(title, sizeof title, "Top %d sites by bytes live %s", o->top, live_label(m));
		text_sites(out, m, r, title, SITES_BY_LIVE, o->top);
		snprintf(title, sizeof title, "Top %d sites by share of the peak (what was live at %.2f s)", o->top,
		         m->peak_time_s);
		text_sites(out, m, r, title, SITES_BY_PEAK, o->top);
	}
	if (!o->procfs_only || !m->dumped) /* else the thread dump lists every thread */
		text_threads(out, m);
	if (m->dumped)
		threadreport_text(out, m, r);
}

void report_json_frames(struct json *j, const char *key, const struct sym_frame *f, int n)
{
	char hex[32];
	json_array_begin(j, key);
	for (int i = 0; i < n; i++) {
		json_object_begin(j, NULL);
		json_string(j, "function", f[i].function);
		json_string(j, "file", f[i].file);
		json_int(j, "line", f[i].line);
		json_bool(j, "inlined", f[i].inlined);
		json_string(j, "module", f[i].module);
		snprintf(hex, sizeof hex, "0x%" PRIx64, f[i].offset);
		json_string(j, "offset", hex);
		snprintf(hex, sizeof hex, "0x%" PRIx64, f[i].address);
		json_string(j, "address", hex);
		json_object_end(j);
	}
	json_array_end(j);
}

void report_json_site(struct json *j, const char *key, struct model *m, const struct region *r, struct site *s)
{
	json_object_begin(j, key);
	json_uint(j, "id", s->id);
	json_string(j, "kind", kind_name(s->kind));
	json_uint(j, "alloc_calls", s->c.allocs);
	json_uint(j, "frees", s->c.frees);
	json_uint(j, "bytes_allocated", s->c.bytes_alloc);
	json_int(j, "live_bytes", s->c.live_bytes);
	json_int(j, "live_blocks", s->c.live_blocks);
	json_int(j, "peak_live_bytes", s->peak_live_bytes);
	json_int(j, "live_at_peak_bytes", s->at_peak_bytes);
	json_double(j, "peak_share", m->peak_live > 0 ? (double)s->at_peak_bytes / (double)m->peak_live : 0);
	json_bool(j, "truncated", s->truncated);
	int n;
	const struct sym_frame *f = model_site_frames(m, r, s, &n);
	report_json_frames(j, "frames", f, n);
	json_object_end(j);
}

static void json_sites(struct json *j, struct model *m, const struct region *r, const char *key, enum site_order order,
                       int top)
{
	size_t n;
	struct site **v = model_top_sites(m, order, top, &n);
	json_array_begin(j, key);
	for (size_t i = 0; i < n; i++)
		report_json_site(j, NULL, m, r, v[i]);
	json_array_end(j);
	free(v);
}

static void json_threads(struct json *j, struct model *m, const struct region *r)
{
	json_array_begin(j, "threads");
	for (size_t i = 0; i < m->nthreads; i++) {
		struct thread_stat *t = &m->threads[i];
		json_object_begin(j, NULL);
		json_int(j, "index", t->slot);
		json_int(j, "tid", t->tid);
		json_string(j, "name", t->name[0] ? t->name : NULL);
		json_string(j, "state", t->exited ? "exited" : "running");
		json_uint(j, "alloc_calls", t->c.allocs);
		json_uint(j, "frees", t->c.frees);
		json_uint(j, "bytes_allocated", t->c.bytes_alloc);
		json_int(j, "live_bytes", t->c.live_bytes);
		json_double(j, "start_s", t->start_s);
		if (t->exited)
			json_double(j, "end_s", t->end_s);
		else
			json_null(j, "end_s");
		json_double(j, "cpu_user_s", t->utime_s);
		json_double(j, "cpu_sys_s", t->stime_s);
		int n = 0;
		const struct sym_frame *f = NULL;
		if (t->create_stack && t->create_stack < m->nsites)
			f = model_site_frames(m, r, &m->sites[t->create_stack], &n);
		report_json_frames(j, "created_by", f, n);
		json_object_end(j);
	}
	json_array_end(j);
}

static void json_totals(struct json *j, const struct model *m)
{
	json_object_begin(j, "totals");
	json_uint(j, "alloc_calls", m->heap.allocs);
	json_uint(j, "frees", m->heap.frees);
	json_uint(j, "bytes_allocated", m->heap.bytes_alloc);
	json_int(j, "peak_live_bytes", m->peak_live);
	json_double(j, "peak_time_s", m->peak_time_s);
	json_int(j, "live_bytes", m->heap.live_bytes);
	json_int(j, "live_blocks", m->heap.live_blocks);
	json_uint(j, "unknown_frees", m->unknown_frees);
	json_object_begin(j, "mmap");
	json_uint(j, "calls", m->mmap.allocs);
	json_uint(j, "unmaps", m->mmap.frees);
	json_uint(j, "bytes_mapped", m->mmap.bytes_alloc);
	json_int(j, "live_bytes", m->mmap.live_bytes);
	json_int(j, "live_regions", m->mmap.live_blocks);
	json_object_end(j);
	json_object_end(j);
}

static void json_header(struct json *j, const struct model *m)
{
	json_uint(j, "schema", 1);
	json_string(j, "memlens_version", PACKAGE_VERSION);
	json_array_begin(j, "command");
	for (int i = 0; i < m->argc; i++)
		json_string(j, NULL, m->argv[i]);
	json_array_end(j);
	json_int(j, "pid", m->pid);
	json_object_begin(j, "target");
	json_string(j, "state",
	            m->target == TARGET_EXITED   ? "exited"
	            : m->target == TARGET_KILLED ? "killed"
	            : m->target == TARGET_GONE   ? "gone"
	                                         : "running");
	json_int(j, "exit_code", m->exit_code);
	json_int(j, "signal", m->signal);
	json_object_end(j);
	json_double(j, "duration_s", m->duration_s);
	json_bool(j, "attached", m->attached);
	json_object_begin(j, "agent");
	json_string(j, "state", m->agent_seen ? region_state_name(m->agent_state) : "absent");
	json_bool(j, "counts_from_attach", m->agent_seen && (m->agent_flags & MLR_FLAG_ATTACHED));
	if (m->attach.injected) {
		const struct attach_stats *at = &m->attach;
		json_object_begin(j, "attach");
		json_bool(j, "reused", at->reused);
		json_int(j, "tid", at->tid);
		json_int(j, "threads_looked_at", at->tries);
		json_double(j, "took_ms", at->took_ms);
		json_double(j, "first_figures_ms", at->first_ms);
		json_double(j, "held_ms", at->held_ms);
		json_bool(j, "detached", at->detached);
		json_int(j, "got_entries_restored", at->restored);
		json_double(j, "detach_held_ms", at->detach_held_ms);
		json_object_end(j);
	}
	json_string(j, "degraded_reason", m->agent_seen ? region_reason_text(m->agent_reason) : m->agent_problem);
	json_string(j, "unwinder", unwinder_name(m->unwinder));
	json_uint(j, "max_depth", m->max_depth);
	json_string(j, "fork_children", "not-tracked");
	json_uint(j, "stacks", m->nstacks);
	json_uint(j, "frames", m->frames_used);
	json_uint(j, "table_bytes", m->arena_used);
	json_object_end(j);
}

static void json_report(FILE *out, struct model *m, const struct region *r, const struct report_opts *o)
{
	struct json j;
	json_init(&j, out, 1);
	json_object_begin(&j, NULL);
	json_header(&j, m);
	json_totals(&j, m);
	json_object_begin(&j, "process");
	json_uint(&j, "peak_rss_bytes", m->peak_rss);
	json_uint(&j, "last_rss_bytes", m->status.rss);
	json_uint(&j, "peak_anon_rss_bytes", m->peak_rss_anon);
	json_uint(&j, "vm_hwm_bytes", m->vm_hwm);
	json_uint(&j, "max_threads", m->max_threads);
	json_uint(&j, "samples", m->nsamples);
	const struct sample *s0 = series_count(m->series) ? series_get(m->series, 0) : NULL;
	if (s0) {
		const struct sample *s1 = series_last(m->series);
		json_uint(&j, "first_rss_bytes", s0->rss);
		json_uint(&j, "first_anon_rss_bytes", s0->rss_anon);
		json_uint(&j, "last_anon_rss_bytes", s1->rss_anon);
		json_uint(&j, "first_vmsize_bytes", s0->vmsize);
		json_uint(&j, "last_vmsize_bytes", s1->vmsize);
		json_uint(&j, "first_threads", s0->threads);
		json_uint(&j, "last_threads", s1->threads);
	}
	json_object_end(&j);
	json_sites(&j, m, r, "sites_by_live", SITES_BY_LIVE, o->top);
	json_sites(&j, m, r, "sites_by_peak", SITES_BY_PEAK, o->top);
	json_threads(&j, m, r);
	if (m->dumped)
		threadreport_json(&j, m, r);
	json_object_end(&j);
	json_end(&j);
}

void report_write(FILE *out, struct model *m, const struct region *r, const struct report_opts *o)
{
	if (o->json)
		json_report(out, m, r, o);
	else
		text_report(out, m, r, o);
}
