/* model.h — the one data model every front end reads: sites, threads, totals, time series, target state. */
#ifndef MEMLENS_CORE_MODEL_H
#define MEMLENS_CORE_MODEL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/procfs.h"
#include "core/region.h"
#include "core/series.h"
#include "core/sitehist.h"
#include "core/strpool.h"
#include "core/symbolize.h"

/* Allocation counters, as the region keeps them (struct mlr_counts). */
struct counts {
	uint64_t allocs, frees, bytes_alloc;
	int64_t live_bytes, live_blocks;
};

/* A block that was live when the model last captured them (model_capture_blocks). */
struct live_block {
	uint64_t ptr, size;
	uint32_t stack; /* site id */
	int32_t tid;    /* thread that allocated it, 0 when unknown */
	double birth_s; /* seconds since the target started */
};

/* A return address with its symbolized frames (inline chain, innermost first): a model read
 * from a snapshot keeps them once, and its sites refer to them. */
struct location {
	uint64_t address;
	uint32_t first, count; /* frames loc_frames[first .. first+count) */
};

/* One module the target had mapped (executable, shared object). */
struct module_info {
	const char *path; /* in the model's strings */
	uint64_t base, start, end;
	uint8_t build_id[MLR_BUILD_ID_LEN];
	uint32_t build_id_len;
};

/* One call site: a unique stack and its counters (copied from the region). */
struct site {
	uint32_t id;
	uint8_t kind; /* enum mlr_kind */
	uint8_t truncated;
	struct counts c;
	int64_t peak_live_bytes;
	int64_t at_peak_bytes, at_peak_blocks; /* what was live at the global peak */
	double oldest_s; /* birth of its oldest live block (as of the last capture); < 0: none or unknown */
	int depth;
	uint64_t *ips;            /* owned */
	struct sym_frame *frames; /* owned array; strings owned by the symbolizer; NULL until symbolized */
	int nframes;
	uint32_t *locs; /* a model from a file: its depth locations (frames are built from them on first use) */
};

struct thread_stat {
	int32_t tid;
	int32_t slot; /* agent slot, -1 when only the kernel knows it */
	char name[16];
	int exited;
	char os_state; /* from /proc, 0 when never seen */
	double utime_s, stime_s;
	struct counts c;       /* allocs/frees by this thread; live_* of the blocks it allocated */
	double start_s, end_s; /* end_s < 0 while running */
	uint32_t create_stack;
	double alloc_rate; /* bytes it allocated per second, over the last second or so */
	double cpu_share;  /* CPU time per second (1 = one core busy), same period */
	uint64_t rate_bytes;
	double rate_cpu_s; /* the figures at the start of that period */

	/* Its stack as a thread dump (attach, threads) took it, innermost first. */
	uint64_t *stack;      /* owned; NULL when none was taken */
	int stack_depth;      /* frames in stack */
	int stack_truncated;  /* the stack was deeper */
	uint64_t stack_exact; /* bit i: frame i is an exact pc (frame 0, or below a signal frame), not a return address
	                       */
	int stack_error;      /* -errno when the dump could not stop or unwind it, else 0 */
	uint64_t stopped_ns;  /* how long taking the stack stopped the thread */
	char dump_state;      /* the state /proc gave just before the dump, 0 when not dumped */
};

/* How memlens loaded the agent into a running process (attach): for the report and
 * doc/performance.md. */
struct attach_stats {
	int injected;    /* the agent records for this session (attach without --no-inject) */
	int reused;      /* it was loaded already, by an earlier attach */
	int32_t tid;     /* the thread that ran the agent's calls */
	int tries;       /* threads looked at until one was at a safe point */
	double took_ms;  /* memlens attach started -> the region in hand */
	double first_ms; /* memlens attach started -> first figures sampled */
	double held_ms;  /* how long that thread was held to load and start the agent */
	int detached;    /* the agent was stopped and the GOT entries restored */
	int restored;    /* how many */
	double detach_held_ms;
};

/* How the last thread dump went (attach, threads). */
struct dump_stats {
	int threads;          /* threads listed in /proc/PID/task */
	int unwound;          /* whose stack was taken */
	int gone;             /* ended before they could be stopped */
	int not_stopped;      /* did not stop in time (uninterruptible sleep) */
	uint64_t max_stop_ns; /* the longest one thread was stopped */
	uint64_t sum_stop_ns;
	uint64_t took_ns; /* the whole dump */
};

/* Threads of one thread dump with the same state and the same stack (as a Go goroutine dump groups them). */
struct thread_group {
	size_t count;
	size_t *members; /* indexes into model.threads, ascending by tid; owned */
};

/* The process's allocation rates per second, over the last second or so. */
struct rates {
	double allocs, frees, bytes;
	struct sample base; /* the sample the period started with */
};

enum target_state {
	TARGET_RUNNING = 0,
	TARGET_EXITED = 1,
	TARGET_KILLED = 2,
	TARGET_GONE = 3, /* ended, how unknown: not memlens's child (attached) */
};

struct model {
	pid_t pid;
	int argc;
	char **argv;           /* owned copy of the target's command */
	uint64_t start_ns;     /* inspector's CLOCK_MONOTONIC when the target started */
	int64_t start_wall_ns; /* CLOCK_REALTIME then */
	char host[65];
	uint64_t sample_every; /* 0: every allocation is recorded (sampling is not offered yet) */
	double counts_from_s;  /* the heap figures count from then (> 0 when attached later) */
	int attached;          /* memlens attached to a running process it did not start */

	int agent_seen;            /* an agent laid the region out */
	const char *agent_problem; /* why the region could not be read, or NULL */
	uint32_t agent_state, agent_reason, unwinder, max_depth, agent_flags;
	struct counts heap, mmap; /* mmap: allocs = mappings, frees = unmaps */
	uint64_t unknown_frees;
	uint64_t nstacks, frames_used, arena_used; /* the agent's table usage */
	int64_t peak_live;
	double peak_time_s;

	struct site *sites; /* indexed by stack id */
	size_t nsites;
	struct thread_stat *threads;
	size_t nthreads, threads_cap;

	struct series *series;
	struct sitehist *hist;     /* per-site history over a sliding window */
	struct proc_status status; /* last /proc figures */
	uint64_t peak_rss, peak_rss_anon, vm_hwm;
	uint32_t max_threads;
	size_t nsamples;
	struct rates rate; /* updated by model_sample about once a second */

	enum target_state target;
	int exit_code, signal;
	double duration_s;

	struct module_info *modules;
	size_t nmodules;

	/* live blocks, filled by model_capture_blocks (or a snapshot) */
	struct live_block *blocks;
	size_t nblocks;
	int have_blocks;
	double blocks_s; /* when they were captured */

	/* read from a snapshot file: no region, no symbolizer, frames already resolved */
	int from_file;
	const char *written_by; /* the memlens version that wrote it */
	double snapshot_s;
	int64_t snapshot_wall_ns;

	struct location *locs; /* a model from a file: its locations */
	size_t nlocs;
	struct sym_frame *loc_frames;

	struct strpool *strings; /* module paths, and every string of a model read from a file */
	struct symbolizer *sym;
	uint64_t modules_known;

	int dumped; /* a thread dump filled the threads' stacks */
	struct dump_stats dump;
	struct attach_stats attach;
};

void model_init(struct model *m, pid_t pid, int argc, char **argv);
void model_done(struct model *m);

/* Copy the region's figures into the model (cheap: header, threads, counters). */
void model_update(struct model *m, const struct region *r);
/* One tick of the model's clock: /proc figures + heap totals into the series. */
void model_sample(struct model *m, const struct region *r);
/* The target ended (status as from waitpid). */
void model_target_ended(struct model *m, int wait_status);
/* A target memlens did not start ended: its status cannot be known. */
void model_target_vanished(struct model *m);

/* Record a thread's stack from a thread dump (copied); the thread is added when unknown. */
void model_thread_stack(struct model *m, const struct proc_task *pt, const uint64_t *ips, int depth, uint64_t exact,
                        int truncated, int error, uint64_t stopped_ns);
/* The dumped threads grouped by (state, stack), largest group first; an owned array of *n groups
 * (free with model_thread_groups_free). */
struct thread_group *model_thread_groups(const struct model *m, size_t *n);
void model_thread_groups_free(struct thread_group *g, size_t n);
/* Symbolized frames of a dumped thread's stack: an owned array (free it), *n frames. */
struct sym_frame *model_thread_frames(struct model *m, const struct region *r, const struct thread_stat *t, int *n);
/* A thread's heap figures from an agent's thread table read some other way (memlens threads). */
void model_thread_heap(struct model *m, int32_t tid, int32_t slot, const struct counts *c);
/* Tell the symbolizer about a module the agent did not record (a process without the agent). */
void model_add_module(struct model *m, const struct sym_module *sm);

/* Copy every live block out of the region (seqlock-consistent per shard) and each site's
 * oldest live block; the target keeps running meanwhile. Replaces the last capture. */
void model_capture_blocks(struct model *m, const struct region *r);

/* One site's part of the live blocks a thread allocated. */
struct thread_site {
	struct site *site;
	int64_t live_bytes, live_blocks;
	double oldest_s; /* birth of the oldest of them */
};

/* The sites holding blocks that thread tid allocated and that were live at the last
 * model_capture_blocks, most live bytes first: an owned array of *n entries (NULL, 0
 * without a capture). The agent counts allocations per site and per thread, not per
 * (site, thread): live blocks are the one place the two meet. */
struct thread_site *model_thread_sites(const struct model *m, int32_t tid, size_t *n);

/* Symbolize every site now (a snapshot carries its frames). */
void model_symbolize_all(struct model *m, const struct region *r);

/* Symbolized frames of a site (resolved on first use, then cached). */
const struct sym_frame *model_site_frames(struct model *m, const struct region *r, struct site *s, int *n);
enum site_order {
	SITES_BY_LIVE, /* bytes live now (at exit, once the target ended) */
	SITES_BY_PEAK, /* bytes live at the moment of the peak */
};

/* The top allocation sites (heap and mmap) holding bytes in that sense, at most top of
 * them, largest first; an owned array of *n pointers into the model. */
struct site **model_top_sites(struct model *m, enum site_order order, int top, size_t *n);

double model_now_s(const struct model *m);

#endif
