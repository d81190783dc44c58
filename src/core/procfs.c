/* procfs.c — read a process's memory figures and its threads' names, states and CPU times from /proc. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/procfs.h"
#include "core/util.h"

static int read_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = read(fd, buf, len - 1);
	int e = errno;
	close(fd);
	if (n < 0)
		return -e;
	buf[n] = '\0';
	return (int)n;
}

/* "VmRSS:\t  1234 kB" -> bytes */
static uint64_t status_kb(const char *text, const char *key)
{
	const char *p = strstr(text, key);
	if (!p)
		return 0;
	return strtoull(p + strlen(key), NULL, 10) * 1024;
}

int procfs_status(pid_t pid, struct proc_status *out)
{
	char path[64], buf[4096];
	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	int n = read_file(path, buf, sizeof buf);
	if (n < 0)
		return n;
	out->rss = status_kb(buf, "\nVmRSS:");
	out->rss_anon = status_kb(buf, "\nRssAnon:");
	out->hwm = status_kb(buf, "\nVmHWM:");
	out->vmsize = status_kb(buf, "\nVmSize:");
	const char *t = strstr(buf, "\nThreads:");
	out->threads = t ? (uint32_t)strtoul(t + 9, NULL, 10) : 0;
	return 0;
}

/* Parse /proc/PID/task/TID/stat. The name sits in parentheses and may itself
 * contain ") " so it ends at the last ')'. */
static int parse_stat(const char *buf, struct proc_task *t)
{
	const char *open = strchr(buf, '(');
	const char *close = strrchr(buf, ')');
	if (!open || !close || close < open || close[1] != ' ')
		return -1;
	size_t len = (size_t)(close - open - 1);
	if (len >= sizeof t->name)
		len = sizeof t->name - 1;
	memcpy(t->name, open + 1, len);
	t->name[len] = '\0';
	t->state = close[2];
	/* fields after the state: ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime */
	const char *p = close + 3;
	unsigned long long v[12];
	for (int i = 0; i < 12; i++) {
		char *end;
		v[i] = strtoull(p, &end, 10);
		if (end == p)
			return -1;
		p = end;
	}
	t->flags = (unsigned)v[5];
	double hz = (double)sysconf(_SC_CLK_TCK);
	t->utime_s = (double)v[10] / hz;
	t->stime_s = (double)v[11] / hz;
	return 0;
}

int procfs_tasks(pid_t pid, void (*fn)(const struct proc_task *, void *), void *arg)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
	DIR *d = opendir(path);
	if (!d)
		return -errno;
	int count = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		char spath[320], buf[1024];
		snprintf(spath, sizeof spath, "/proc/%d/task/%s/stat", (int)pid, e->d_name);
		struct proc_task t = {.tid = atoi(e->d_name)};
		if (read_file(spath, buf, sizeof buf) > 0 && parse_stat(buf, &t) == 0) {
			fn(&t, arg);
			count++;
		}
	}
	closedir(d);
	return count;
}

int procfs_task(pid_t pid, pid_t tid, struct proc_task *out)
{
	char path[64], buf[1024];
	snprintf(path, sizeof path, "/proc/%d/task/%d/stat", (int)pid, (int)tid);
	int n = read_file(path, buf, sizeof buf);
	if (n < 0)
		return n;
	memset(out, 0, sizeof *out);
	out->tid = tid;
	return parse_stat(buf, out) == 0 ? 0 : -EINVAL;
}

const char *procfs_state_name(char state)
{
	switch (state) {
	case 'R': return "running";
	case 'S': return "sleeping";
	case 'D': return "disk sleep";
	case 'T': return "stopped";
	case 't': return "tracing stop";
	case 'Z': return "zombie";
	case 'X': return "dead";
	case 'I': return "idle";
	default: return "unknown";
	}
}

int procfs_cmdline(pid_t pid, int *argc, char ***argv)
{
	char path[64], buf[8192];
	snprintf(path, sizeof path, "/proc/%d/cmdline", (int)pid);
	int n = read_file(path, buf, sizeof buf);
	if (n < 0)
		return n;
	if (n == 0) {
		struct proc_task t;
		int r = procfs_task(pid, pid, &t);
		if (r)
			return r;
		n = snprintf(buf, sizeof buf, "[%s]", t.name) + 1;
	}
	int count = 0;
	for (int i = 0; i < n; i++)
		count += buf[i] == '\0' || i == n - 1;
	*argv = xcalloc((size_t)count + 1, sizeof **argv);
	*argc = 0;
	for (int i = 0; i < n && *argc < count; i += (int)strlen(buf + i) + 1)
		(*argv)[(*argc)++] = xstrdup(buf + i);
	return 0;
}
