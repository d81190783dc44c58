/* threaddump.c — stop each thread of a process for a moment, unwind it with libunwind-ptrace, let it go. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attach/modmap.h"
#include "attach/remote.h"
#include "attach/stackwalk.h"
#include "attach/threaddump.h"
#include "attach/tracee.h"
#include "core/procfs.h"
#include "core/util.h"

#define STOP_TIMEOUT_MS 200 /* a thread that does not stop by then is in uninterruptible sleep */
#define MAX_FRAMES      64  /* kept per thread in a dump */

static void add_module(const struct sym_module *sm, void *arg)
{
	model_add_module(arg, sm);
}

static int read_tids(pid_t pid, pid_t **tids, int *n)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
	DIR *d = opendir(path);
	if (!d)
		return -errno;
	int cap = 64;
	*tids = xmalloc((size_t)cap * sizeof **tids);
	*n = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		if (*n == cap) {
			cap *= 2;
			*tids = xrealloc(*tids, (size_t)cap * sizeof **tids);
		}
		(*tids)[(*n)++] = atoi(e->d_name);
	}
	closedir(d);
	return 0;
}

/* Stop, unwind and release one thread; its stack (or why there is none) goes into the model.
 * Returns the seize error when the thread could not even be seized, else 0. A thread that
 * did not stop in time is left in *straggler (still seized) for the caller to release. */
static int dump_one(struct model *m, struct stackwalk *w, pid_t pid, pid_t tid, int max, struct dump_stats *st,
                    struct tracee *straggler)
{
	struct proc_task pt;
	if (procfs_task(pid, tid, &pt) != 0) {
		st->gone++;
		return 0;
	}
	struct tracee t;
	static struct stack u;
	memset(&u, 0, sizeof u);
	int r = tracee_seize(&t, tid);
	if (r == -ESRCH) {
		st->gone++;
		return 0;
	}
	if (r)
		return r;
	r = tracee_stop(&t, STOP_TIMEOUT_MS);
	if (r == 0)
		r = stackwalk_take(w, tid, max, &u);
	uint64_t held = tracee_release(&t);
	if (r == -ESRCH) {
		st->gone++;
		return 0;
	}
	if (r == -ETIMEDOUT) {
		st->not_stopped++;
		*straggler = t;
	} else if (r == 0) {
		st->unwound++;
	}
	if (held > st->max_stop_ns)
		st->max_stop_ns = held;
	st->sum_stop_ns += held;
	model_thread_stack(m, &pt, u.ips, u.depth, u.exact, u.truncated, r, held);
	return 0;
}

/* Threads still in uninterruptible sleep got our interrupt: give them a second to stop and
 * release them then; any left are released by the kernel when memlens exits. */
static void release_stragglers(struct tracee *s, int n)
{
	uint64_t deadline = util_now_ns() + 1000000000u;
	for (int i = 0; i < n; i++) {
		if (!s[i].seized)
			continue;
		uint64_t now = util_now_ns();
		int status;
		if (now < deadline && tracee_wait(&s[i], (int)((deadline - now) / 1000000u), &status) == 0)
			tracee_release(&s[i]);
	}
}

int threaddump_take(struct model *m, pid_t pid, int max_depth)
{
	struct dump_stats *st = &m->dump;
	memset(st, 0, sizeof *st);
	uint64_t t0 = util_now_ns();
	if (max_depth <= 0 || max_depth > MAX_FRAMES)
		max_depth = MAX_FRAMES;
	int r = modmap_read(pid, add_module, m);
	if (r < 0)
		return r;
	pid_t *tids = NULL;
	int n = 0;
	if ((r = read_tids(pid, &tids, &n)) != 0)
		return r;
	st->threads = n;
	struct stackwalk *w = stackwalk_new();
	if (!w) {
		free(tids);
		return -ENOMEM;
	}
	struct tracee *stragglers = xcalloc((size_t)n, sizeof *stragglers);
	int err = 0;
	for (int i = 0; i < n && !err; i++) {
		err = dump_one(m, w, pid, tids[i], max_depth, st, &stragglers[i]);
		if (err && st->unwound)
			err = 0; /* one thread refused, others did not: keep going */
	}
	release_stragglers(stragglers, n);
	free(stragglers);
	stackwalk_free(w);
	free(tids);
	if (err)
		return err;
	m->dumped = 1;
	st->took_ns = util_now_ns() - t0;
	return 0;
}

/* Where the agent's region is mapped in the process, or 0. */
static uint64_t region_address(pid_t pid)
{
	char path[64], line[512];
	snprintf(path, sizeof path, "/proc/%d/maps", (int)pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return 0;
	uint64_t start = 0;
	while (!start && fgets(line, sizeof line, f))
		if (strstr(line, "/memfd:memlens-region"))
			start = strtoull(line, NULL, 16);
	fclose(f);
	return start;
}

int threaddump_heap_figures(struct model *m, pid_t pid)
{
	uint64_t at = region_address(pid);
	struct mlr_header h;
	if (!at || remote_read(pid, at, &h, sizeof h) != 0 || h.magic != MLR_MAGIC || h.version != MLR_VERSION ||
	    h.state != MLR_STATE_RECORDING)
		return 0;
	uint64_t n = h.nthreads < h.threads_cap ? h.nthreads : h.threads_cap;
	if (h.threads_off > h.region_size || n > (h.region_size - h.threads_off) / sizeof(struct mlr_thread))
		return 0;
	struct mlr_thread *t = xmalloc((n ? n : 1) * sizeof *t);
	int ok = remote_read(pid, at + h.threads_off, t, n * sizeof *t) == 0;
	for (uint64_t i = 0; ok && i < n; i++) {
		if (t[i].state != 1)
			continue;
		struct counts c = {t[i].c.allocs, t[i].c.frees, t[i].c.bytes_alloc, t[i].c.live_bytes,
		                   t[i].c.live_blocks};
		model_thread_heap(m, t[i].tid, (int32_t)i, &c);
	}
	free(t);
	return ok;
}
