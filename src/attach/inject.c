/* inject.c — load libmemlens-agent.so into a running process at a safe point, start it, and detach it again. */
#include "config.h"

#include <dirent.h>
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "attach/elfsym.h"
#include "attach/inject.h"
#include "attach/modmap.h"
#include "attach/remote.h"
#include "attach/stackwalk.h"
#include "attach/tracee.h"
#include "core/procfs.h"
#include "core/util.h"
#include "memlens/attach.h"
#include "memlens/region.h"

#define SAFE_POINT_MS 3000       /* how long to look for a thread at a safe point */
#define CALL_MS       10000      /* one call (dlopen) may take that long before we give up */
#define GLIBC_DLOPEN  0x80000000 /* __RTLD_DLOPEN, which __libc_dlopen_mode wants */

/* What we know of the process's modules. */
struct procmap {
	pid_t pid;
	uint64_t at_base; /* ld.so's load address (AT_BASE) */
	struct sym_module ldso, libc, agent;
	char libc_path[PATH_MAX], agent_path[PATH_MAX];
	int have_ldso, have_libc, have_agent;
	struct elfsyms libc_syms;
	uint64_t (*unsafe)[2]; /* absolute ranges of libc functions no stopped thread may be inside */
	size_t nunsafe;
};

/* The allocator, the dynamic loader's entry points, fork and exit: a thread stopped inside
 * one of these may hold a lock dlopen or the agent needs (the peers that did not check
 * deadlocked). Exact names, then prefixes. */
static const char *const unsafe_names[] = {
        "malloc",
        "free",
        "calloc",
        "realloc",
        "reallocarray",
        "posix_memalign",
        "aligned_alloc",
        "memalign",
        "valloc",
        "pvalloc",
        "cfree",
        "malloc_trim",
        "malloc_usable_size",
        "mallinfo",
        "mallinfo2",
        "malloc_stats",
        "malloc_info",
        "mallopt",
        "fork",
        "vfork",
        "_Fork",
        "exit",
        "_exit",
        "quick_exit",
        "pthread_create",
        "pthread_exit",
        "pthread_join",
        "pthread_atfork",
        "__cxa_finalize",
        "dlopen",
        "dlmopen",
        "dlclose",
        "dlsym",
        "dlvsym",
        "dladdr",
        "dladdr1",
        "dlinfo",
        "dlerror",
        "dl_iterate_phdr",
        "__cxa_thread_atexit_impl",
        "setenv",
        "unsetenv",
        "putenv",
        "clearenv",
        "__libc_malloc",
        "__libc_free",
        "__libc_calloc",
        "__libc_realloc",
        "__libc_memalign",
        "__libc_valloc",
        "__libc_pvalloc",
        "__libc_dlopen_mode",
        "__libc_dlsym",
        "__libc_dlvsym",
        "__libc_dlclose",
        "__libc_fork",
        "__libc_freeres",
        "__libc_thread_freeres",
};
static const char *const unsafe_prefixes[] = {"_dl_", "__malloc", "__posix_memalign", "__dl"};

static int name_unsafe(const char *name)
{
	for (size_t i = 0; i < sizeof unsafe_names / sizeof *unsafe_names; i++)
		if (strcmp(name, unsafe_names[i]) == 0)
			return 1;
	for (size_t i = 0; i < sizeof unsafe_prefixes / sizeof *unsafe_prefixes; i++)
		if (strncmp(name, unsafe_prefixes[i], strlen(unsafe_prefixes[i])) == 0)
			return 1;
	return 0;
}

static void fail(struct inject_info *info, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void fail(struct inject_info *info, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(info->error, sizeof info->error, fmt, ap);
	va_end(ap);
}

static uint64_t read_at_base(pid_t pid)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/auxv", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	Elf64_auxv_t a[64];
	ssize_t n = read(fd, a, sizeof a);
	close(fd);
	for (ssize_t i = 0; n > 0 && i < n / (ssize_t)sizeof *a; i++)
		if (a[i].a_type == AT_BASE)
			return a[i].a_un.a_val;
	return 0;
}

static int basename_is(const char *path, const char *prefix)
{
	const char *b = strrchr(path, '/');
	b = b ? b + 1 : path;
	return strncmp(b, prefix, strlen(prefix)) == 0;
}

static void note_module(const struct sym_module *m, void *arg)
{
	struct procmap *pm = arg;
	if (m->base == pm->at_base && !pm->have_ldso) {
		pm->ldso = *m;
		pm->have_ldso = 1;
	} else if (!pm->have_libc && (basename_is(m->path, "libc.so") || basename_is(m->path, "libc-2"))) {
		pm->libc = *m;
		snprintf(pm->libc_path, sizeof pm->libc_path, "%s", m->path);
		pm->have_libc = 1;
	} else if (!pm->have_agent && basename_is(m->path, "libmemlens-agent.so")) {
		pm->agent = *m;
		snprintf(pm->agent_path, sizeof pm->agent_path, "%s", m->path);
		pm->have_agent = 1;
	}
	pm->libc.path = pm->libc_path;
	pm->agent.path = pm->agent_path;
}

/* A file of the process, read through its root (another mount namespace: a container). */
static void in_root(pid_t pid, const char *path, char *out, size_t len)
{
	snprintf(out, len, "/proc/%d/root%s", (int)pid, path);
}

static void procmap_done(struct procmap *pm)
{
	elfsyms_free(&pm->libc_syms);
	free(pm->unsafe);
	memset(pm, 0, sizeof *pm);
}

static enum inject_status procmap_read(pid_t pid, struct procmap *pm, struct inject_info *info)
{
	memset(pm, 0, sizeof *pm);
	pm->pid = pid;
	pm->at_base = read_at_base(pid);
	int n = modmap_read(pid, note_module, pm);
	if (n < 0) {
		if (n == -ENOENT || n == -ESRCH)
			return INJECT_GONE;
		if (n == -EACCES || n == -EPERM)
			return INJECT_EPERM;
		fail(info, "cannot read the modules of process %d: %s", (int)pid, strerror(-n));
		return INJECT_FAILED;
	}
	if (!pm->have_libc || !pm->at_base) {
		fail(info,
		     "process %d has no dynamic loader or GNU C library mapped (statically linked, or another "
		     "libc): the agent cannot be loaded; use --no-inject",
		     (int)pid);
		return INJECT_FAILED;
	}
	char file[PATH_MAX + 64];
	in_root(pid, pm->libc_path, file, sizeof file);
	int r = elfsyms_load(file, &pm->libc_syms);
	if (r) {
		fail(info, "cannot read the symbols of %s: %s", file, strerror(-r));
		return INJECT_FAILED;
	}
	pm->unsafe = xmalloc((pm->libc_syms.n ? pm->libc_syms.n : 1) * sizeof *pm->unsafe);
	for (size_t i = 0; i < pm->libc_syms.n; i++) {
		const struct elfsym *s = &pm->libc_syms.v[i];
		if (s->size && name_unsafe(s->name)) {
			pm->unsafe[pm->nunsafe][0] = pm->libc.base + s->value;
			pm->unsafe[pm->nunsafe++][1] = pm->libc.base + s->value + s->size;
		}
	}
	return INJECT_OK;
}

static int pc_unsafe(const struct procmap *pm, uint64_t pc)
{
	if (pm->have_ldso && pc >= pm->ldso.start && pc < pm->ldso.end)
		return 1;
	if (pm->have_agent && pc >= pm->agent.start && pc < pm->agent.end)
		return 1;
	for (size_t i = 0; i < pm->nunsafe; i++)
		if (pc >= pm->unsafe[i][0] && pc < pm->unsafe[i][1])
			return 1;
	return 0;
}

/* Safe: the whole stack is known and no frame is in the loader, the agent, the allocator. */
static int stack_safe(const struct procmap *pm, const struct stack *s)
{
	if (!s->complete || s->truncated || s->depth == 0)
		return 0;
	for (int i = 0; i < s->depth; i++) {
		int exact = i < 64 && (s->exact >> i & 1);
		if (pc_unsafe(pm, exact ? s->ips[i] : s->ips[i] - 1))
			return 0;
	}
	return 1;
}

/* The process's threads, the main thread first. */
static int list_threads(pid_t pid, pid_t **tids)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
	DIR *d = opendir(path);
	if (!d)
		return -errno;
	int n = 0, cap = 64;
	*tids = xmalloc((size_t)cap * sizeof **tids);
	(*tids)[n++] = pid;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		pid_t tid = (pid_t)atoi(e->d_name);
		if (tid <= 0 || tid == pid)
			continue;
		if (n == cap) {
			cap *= 2;
			*tids = xrealloc(*tids, (size_t)cap * sizeof **tids);
		}
		(*tids)[n++] = tid;
	}
	closedir(d);
	return n;
}

/* Look at one thread: 1 when it is stopped at a safe point (t stays stopped), 0 when not
 * (released), or a negative inject_status. */
static int try_thread(const struct procmap *pm, struct stackwalk *w, pid_t tid, struct tracee *t, struct tracee *late)
{
	struct proc_task pt;
	if (procfs_task(pm->pid, tid, &pt) != 0)
		return 0;
	if (pt.state == 'T')
		return -INJECT_STOPPED;
	int r = tracee_seize(t, tid);
	if (r == -ESRCH)
		return 0;
	if (r)
		return r == -EPERM ? -INJECT_EPERM : -INJECT_FAILED;
	r = tracee_stop(t, 200);
	if (r == -ETIMEDOUT) {
		*late = *t; /* uninterruptible sleep: released once it stops */
		return 0;
	}
	if (r) {
		tracee_release(t);
		return 0;
	}
	if (t->group_stop) {
		tracee_release(t);
		return -INJECT_STOPPED;
	}
	static struct stack s;
	int safe = !t->pending_signal && stackwalk_take(w, tid, STACKWALK_MAX, &s) == 0 && stack_safe(pm, &s);
	if (!safe)
		tracee_release(t);
	return safe;
}

static void release_late(struct tracee *late, int n)
{
	for (int i = 0; i < n; i++) {
		int status;
		if (late[i].seized && tracee_wait(&late[i], 100, &status) == 0)
			tracee_release(&late[i]);
	}
}

/* Stop the threads one by one until one is at a safe point; it stays stopped in *t. */
static enum inject_status find_safe_thread(const struct procmap *pm, struct tracee *t, struct inject_info *info)
{
	struct stackwalk *w = stackwalk_new();
	if (!w) {
		fail(info, "libunwind cannot unwind process %d", (int)pm->pid);
		return INJECT_FAILED;
	}
	uint64_t deadline = util_now_ns() + (uint64_t)SAFE_POINT_MS * 1000000u;
	enum inject_status st = INJECT_FAILED;
	int found = 0;
	while (!found && util_now_ns() < deadline) {
		pid_t *tids = NULL;
		int n = list_threads(pm->pid, &tids);
		if (n < 0) {
			st = INJECT_GONE;
			break;
		}
		struct tracee *late = xcalloc((size_t)n, sizeof *late);
		int r = 0;
		for (int i = 0; i < n && r == 0; i++) {
			r = try_thread(pm, w, tids[i], t, &late[i]);
			info->tries++;
		}
		release_late(late, n);
		free(late);
		free(tids);
		if (r < 0) {
			st = (enum inject_status) - r;
			break;
		}
		found = r == 1;
		if (!found) {
			struct timespec ts = {0, 2000000};
			nanosleep(&ts, NULL);
		}
	}
	stackwalk_free(w);
	if (found)
		return INJECT_OK;
	if (st == INJECT_FAILED && kill(pm->pid, 0) != 0)
		st = INJECT_GONE;
	if (st == INJECT_FAILED && !info->error[0])
		fail(info,
		     "no thread of process %d was at a safe point within %d ms (each was inside the allocator, the "
		     "dynamic loader or code libunwind cannot walk); try again, or use --no-inject",
		     (int)pm->pid, SAFE_POINT_MS);
	return st;
}

/* A call's int result (the callee returns int: only the low 32 bits are meaningful). */
static int int_result(uint64_t v)
{
	return (int)(int32_t)(uint32_t)v;
}

static uint64_t libc_fn(const struct procmap *pm, const char *name)
{
	const struct elfsym *s = elfsyms_find(&pm->libc_syms, name);
	return s ? pm->libc.base + s->value : 0;
}

/* dlerror()'s message in the process, after a failed dlopen. */
static void dlopen_error(struct remote *rc, const struct procmap *pm, char *out, size_t len)
{
	uint64_t fn = libc_fn(pm, "dlerror"), msg = 0;
	snprintf(out, len, "no reason given");
	if (!fn || remote_call(rc, fn, NULL, 0, NULL, 0, NULL, &msg, CALL_MS) != 0 || !msg)
		return;
	char buf[400] = {0};
	for (size_t n = sizeof buf - 1; n >= 16; n /= 2) /* the string may end near the end of a mapping */
		if (remote_read(pm->pid, msg, buf, n) == 0)
			break;
	buf[sizeof buf - 1] = '\0';
	if (buf[0])
		snprintf(out, len, "%s", buf);
}

/* dlopen the agent in the process; its load bias in *base (from the link_map dlopen returns). */
static enum inject_status load_agent(struct remote *rc, const struct procmap *pm, const char *agent, uint64_t *base,
                                     struct inject_info *info)
{
	uint64_t fn = libc_fn(pm, "dlopen"), mode = RTLD_NOW | RTLD_LOCAL;
	if (!fn) { /* glibc before 2.34 keeps dlopen in libdl; libc's own entry point is private */
		fn = libc_fn(pm, "__libc_dlopen_mode");
		mode |= GLIBC_DLOPEN;
	}
	if (!fn) {
		fail(info, "%s of process %d has neither dlopen nor __libc_dlopen_mode", pm->libc_path, (int)pm->pid);
		return INJECT_FAILED;
	}
	uint64_t handle = 0, args[2] = {0, mode};
	int r = remote_call(rc, fn, args, 2, agent, strlen(agent) + 1, NULL, &handle, CALL_MS);
	if (r) {
		fail(info, "calling dlopen in process %d failed: %s", (int)pm->pid, strerror(-r));
		return r == -ESRCH ? INJECT_GONE : INJECT_FAILED;
	}
	if (!handle) {
		char why[400];
		dlopen_error(rc, pm, why, sizeof why);
		fail(info, "process %d could not load %s: %s", (int)pm->pid, agent, why);
		return INJECT_FAILED;
	}
	/* a dlopen handle is the object's struct link_map, whose first member is l_addr */
	if ((r = remote_read(pm->pid, handle, base, sizeof *base)) != 0) {
		fail(info, "cannot read the agent's link map in process %d: %s", (int)pm->pid, strerror(-r));
		return INJECT_FAILED;
	}
	return INJECT_OK;
}

/* The agent's entry points: their addresses in the process. */
struct entries {
	uint64_t attach, release, detach;
};

static enum inject_status agent_entries(pid_t pid, const char *file, uint64_t base, struct entries *e,
                                        struct inject_info *info)
{
	struct elfsyms syms;
	int r = elfsyms_load(file, &syms);
	if (r) {
		fail(info, "cannot read the symbols of %s: %s", file, strerror(-r));
		return INJECT_FAILED;
	}
	const struct elfsym *a = elfsyms_find(&syms, MLA_ATTACH), *rl = elfsyms_find(&syms, MLA_RELEASE),
	                    *d = elfsyms_find(&syms, MLA_DETACH);
	if (a && rl && d) {
		e->attach = base + a->value;
		e->release = base + rl->value;
		e->detach = base + d->value;
	}
	elfsyms_free(&syms);
	if (!a || !rl || !d) {
		fail(info, "%s in process %d is not a memlens agent this memlens can drive (an older version?)", file,
		     (int)pid);
		return INJECT_FAILED;
	}
	return INJECT_OK;
}

/* Our own descriptor of the process's fd (pidfd_getfd, else /proc/PID/fd). */
static int grab_fd(pid_t pid, int fd)
{
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pidfd >= 0) {
		int ours = (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0);
		close(pidfd);
		if (ours >= 0)
			return ours;
	}
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/fd/%d", (int)pid, fd);
	return open(path, O_RDWR | O_CLOEXEC);
}

/* The agent file as the process will open it must be the one we have. */
static enum inject_status agent_visible(pid_t pid, const char *agent, struct inject_info *info)
{
	char there[PATH_MAX + 64];
	struct stat a, b;
	in_root(pid, agent, there, sizeof there);
	if (stat(agent, &a) != 0 || stat(there, &b) != 0 || a.st_dev != b.st_dev || a.st_ino != b.st_ino) {
		fail(info,
		     "%s is not visible inside process %d's mount namespace (a container?): copy it into the "
		     "container and set MEMLENS_AGENT to its path there, or use --no-inject",
		     agent, (int)pid);
		return INJECT_FAILED;
	}
	return INJECT_OK;
}

/* In the stopped thread: load the agent if needed, start it, take its region's fd. */
static enum inject_status start_agent(struct remote *rc, struct procmap *pm, const struct inject_opts *o, int *fd,
                                      struct inject_info *info)
{
	char file[PATH_MAX + 64];
	uint64_t base = pm->agent.base;
	enum inject_status st = INJECT_OK;
	if (pm->have_agent) {
		info->reused = 1;
		in_root(pm->pid, pm->agent_path, file, sizeof file);
	} else {
		if ((st = load_agent(rc, pm, o->agent, &base, info)) != INJECT_OK)
			return st;
		snprintf(file, sizeof file, "%s", o->agent);
	}
	struct entries e = {0};
	if ((st = agent_entries(pm->pid, file, base, &e, info)) != INJECT_OK)
		return st;
	info->agent_base = base;
	info->fn_detach = e.detach;
	uint64_t ret = 0, args[3] = {o->region_size ? o->region_size : REGION_DEFAULT_SIZE, (uint64_t)o->unwinder,
	                             (uint64_t)(o->max_depth ? o->max_depth : MLR_MAX_DEPTH)};
	int r = remote_call(rc, e.attach, args, 3, NULL, 0, NULL, &ret, CALL_MS);
	if (r || int_result(ret) < 0) {
		fail(info, "the agent could not start in process %d: %s", (int)pm->pid,
		     strerror(r ? -r : -int_result(ret)));
		return r == -ESRCH ? INJECT_GONE : INJECT_FAILED;
	}
	int theirs = int_result(ret);
	*fd = grab_fd(pm->pid, theirs);
	if (*fd < 0)
		fail(info, "cannot take the region's descriptor %d from process %d: %s", theirs, (int)pm->pid,
		     strerror(errno));
	uint64_t arg = (uint64_t)theirs;
	remote_call(rc, e.release, &arg, 1, NULL, 0, NULL, &ret, CALL_MS);
	return *fd < 0 ? INJECT_FAILED : INJECT_OK;
}

/* The modules as /proc shows them, waiting (up to 2 s) while libc is not mapped: a process
 * that is starting (exec'ing, or its dynamic loader at work) has it a moment later. */
static enum inject_status procmap_settled(pid_t pid, struct procmap *pm, struct inject_info *info)
{
	enum inject_status st = INJECT_FAILED;
	for (int i = 0; i < 200; i++) {
		st = procmap_read(pid, pm, info);
		if (st != INJECT_FAILED || pm->have_libc) /* or a static program: it waits 2 s in vain */
			break;
		procmap_done(pm);
		struct timespec ts = {0, 10000000};
		nanosleep(&ts, NULL);
	}
	if (st == INJECT_FAILED && kill(pid, 0) != 0)
		st = INJECT_GONE;
	return st;
}

/* The image did not change (an exec) between reading the modules and stopping the thread. */
static int same_image(const struct procmap *a, const struct procmap *b)
{
	return a->at_base == b->at_base && a->libc.base == b->libc.base && a->have_agent == b->have_agent &&
	       a->agent.base == b->agent.base;
}

/* Find a thread at a safe point and keep it stopped in *t, with the modules in *pm read
 * while it was stopped (a thread of a process that is exec'ing cannot be stopped for long:
 * the modules read before may then belong to the image it left). */
static enum inject_status stop_safe_thread(pid_t pid, struct procmap *pm, struct tracee *t, struct inject_info *info)
{
	for (int attempt = 0; attempt < 5; attempt++) {
		enum inject_status st = procmap_settled(pid, pm, info);
		if (st == INJECT_OK && (st = find_safe_thread(pm, t, info)) != INJECT_OK)
			procmap_done(pm);
		if (st != INJECT_OK)
			return st;
		struct procmap now;
		st = procmap_read(pid, &now, info);
		int same = st == INJECT_OK && same_image(pm, &now);
		procmap_done(&now);
		if (same)
			return INJECT_OK;
		tracee_release(t);
		procmap_done(pm);
		if (st == INJECT_GONE || st == INJECT_EPERM)
			return st;
	}
	fail(info, "process %d kept changing its image (exec) while memlens attached", (int)pid);
	return INJECT_FAILED;
}

/* Run fn on a thread at a safe point: the common frame of attach and detach. */
static enum inject_status with_safe_thread(pid_t pid, struct inject_info *info,
                                           enum inject_status (*fn)(struct remote *, struct procmap *, void *),
                                           void *arg)
{
	sigset_t defer, old;
	sigemptyset(&defer);
	sigaddset(&defer, SIGINT);
	sigaddset(&defer, SIGTERM);
	sigaddset(&defer, SIGHUP);
	sigaddset(&defer, SIGQUIT);
	sigprocmask(SIG_BLOCK, &defer, &old); /* a call must never be left half done */
	struct procmap pm;
	struct tracee t;
	enum inject_status st = stop_safe_thread(pid, &pm, &t, info);
	if (st == INJECT_OK) {
		uint64_t t0 = util_now_ns();
		info->tid = t.tid;
		struct remote rc;
		if (remote_begin(&rc, &t) != 0) {
			st = INJECT_GONE;
		} else {
			st = fn(&rc, &pm, arg);
			if (remote_end(&rc) != 0 && st == INJECT_OK)
				st = INJECT_GONE;
		}
		tracee_release(&t);
		info->held_ns = util_now_ns() - t0;
		procmap_done(&pm);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	return st;
}

struct attach_call {
	const struct inject_opts *o;
	struct inject_info *info;
	int fd;
};

static enum inject_status attach_in_thread(struct remote *rc, struct procmap *pm, void *arg)
{
	struct attach_call *c = arg;
	return start_agent(rc, pm, c->o, &c->fd, c->info);
}

enum inject_status inject_attach(pid_t pid, const struct inject_opts *o, struct region *r, struct inject_info *info)
{
	memset(info, 0, sizeof *info);
	info->pid = pid;
	uint64_t t0 = util_now_ns();
	enum inject_status st = agent_visible(pid, o->agent, info);
	struct attach_call c = {.o = o, .info = info, .fd = -1};
	if (st == INJECT_OK)
		st = with_safe_thread(pid, info, attach_in_thread, &c);
	if (st == INJECT_OK) {
		int e = region_open_fd(r, c.fd);
		if (e < 0) {
			fail(info, "cannot map the region of process %d: %s", (int)pid, strerror(-e));
			st = INJECT_FAILED;
		}
	} else if (c.fd >= 0) {
		close(c.fd);
	}
	info->took_ns = util_now_ns() - t0;
	return st;
}

static enum inject_status detach_in_thread(struct remote *rc, struct procmap *pm, void *arg)
{
	struct inject_info *info = arg;
	uint64_t ret = 0;
	int r = remote_call(rc, info->fn_detach, NULL, 0, NULL, 0, NULL, &ret, CALL_MS);
	if (r) {
		fail(info, "the agent in process %d could not be stopped: %s", (int)pm->pid, strerror(-r));
		return r == -ESRCH ? INJECT_GONE : INJECT_FAILED;
	}
	info->restored = int_result(ret);
	return INJECT_OK;
}

enum inject_status inject_detach(struct inject_info *info)
{
	info->error[0] = '\0';
	return with_safe_thread(info->pid, info, detach_in_thread, info);
}
