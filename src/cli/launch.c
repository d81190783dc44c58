/* launch.c — resolve the command, find the agent, create the region, fork and exec the target with the agent preloaded.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/exitcodes.h"
#include "cli/launch.h"
#include "core/util.h"

static int exe_dir(char *out, size_t len)
{
	ssize_t n = readlink("/proc/self/exe", out, len - 1);
	if (n <= 0)
		return -1;
	out[n] = '\0';
	char *slash = strrchr(out, '/');
	if (!slash)
		return -1;
	*slash = '\0';
	return 0;
}

static int readable_file(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, R_OK) == 0;
}

int launch_find_file(const char *env, const char *name, const char *installed_dir, char *out, size_t len)
{
	const char *forced = getenv(env);
	if (forced && *forced) {
		if (!readable_file(forced)) {
			fprintf(stderr, "memlens: %s=%s: no such readable file\n", env, forced);
			return EXIT_NO_AGENT;
		}
		snprintf(out, len, "%s", forced);
		return 0;
	}
	char dir[PATH_MAX];
	if (exe_dir(dir, sizeof dir) == 0) {
		const char *rel[] = {"", ".libs/", "../lib/memlens/", "../libexec/memlens/"};
		for (size_t i = 0; i < sizeof rel / sizeof rel[0]; i++) {
			snprintf(out, len, "%s/%s%s", dir, rel[i], name);
			if (readable_file(out))
				return 0;
		}
	}
	snprintf(out, len, "%s/%s", installed_dir, name);
	if (readable_file(out))
		return 0;
	fprintf(stderr, "memlens: cannot find %s (looked beside the memlens binary and in %s; set %s to its path)\n",
	        name, installed_dir, env);
	return EXIT_NO_AGENT;
}

int launch_find_agent(char *out, size_t len)
{
	int r = launch_find_file("MEMLENS_AGENT", "libmemlens-agent.so", PKGLIBDIR, out, len);
	if (r == 0 && strpbrk(out, " :")) {
		fprintf(stderr, "memlens: agent path '%s' contains a space or colon, which LD_PRELOAD cannot carry\n",
		        out);
		return EXIT_NO_AGENT;
	}
	char abs[PATH_MAX];
	if (r == 0 && realpath(out, abs))
		snprintf(out, len, "%s", abs);
	return r;
}

/* Classify a candidate file: 0 usable, EXIT_NOT_EXECUTABLE, or EXIT_NOT_FOUND. */
static int check_executable(const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return EXIT_NOT_FOUND;
	if (S_ISDIR(st.st_mode) || access(path, X_OK) != 0)
		return EXIT_NOT_EXECUTABLE;
	return 0;
}

/* Find the command as execvp would, so that "not found" and "not executable"
 * are told apart before anything starts. */
static int resolve_command(const char *cmd, char *out, size_t len)
{
	if (strchr(cmd, '/')) {
		snprintf(out, len, "%s", cmd);
		int r = check_executable(out);
		if (r == EXIT_NOT_FOUND)
			fprintf(stderr, "memlens: %s: no such file\n", cmd);
		else if (r)
			fprintf(stderr, "memlens: %s: not an executable file (permission denied or a directory)\n",
			        cmd);
		return r;
	}
	const char *path = getenv("PATH");
	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	int seen_unexecutable = 0;
	for (const char *p = path; *p;) {
		const char *colon = strchr(p, ':');
		size_t n = colon ? (size_t)(colon - p) : strlen(p);
		snprintf(out, len, "%.*s/%s", (int)n, n ? p : ".", cmd);
		int r = check_executable(out);
		if (r == 0)
			return 0;
		if (r == EXIT_NOT_EXECUTABLE)
			seen_unexecutable = 1;
		p += n + (colon ? 1 : 0);
	}
	if (seen_unexecutable) {
		fprintf(stderr, "memlens: %s: found in PATH but not executable\n", cmd);
		return EXIT_NOT_EXECUTABLE;
	}
	fprintf(stderr, "memlens: %s: command not found\n", cmd);
	return EXIT_NOT_FOUND;
}

/* LD_PRELOAD=agent[:previous]; the region fd number and unwinder settings. */
static void child_environment(const char *agent, int fd, const struct launch_opts *o)
{
	const char *prev = getenv("LD_PRELOAD");
	char *pre = NULL;
	if (asprintf(&pre, "%s%s%s", agent, prev && *prev ? ":" : "", prev && *prev ? prev : "") < 0)
		_exit(EXIT_OS_ERROR);
	setenv("LD_PRELOAD", pre, 1);
	char num[16];
	snprintf(num, sizeof num, "%d", fd);
	setenv(MLR_ENV_FD, num, 1);
	if (o->unwind)
		setenv(MLR_ENV_UNWIND, o->unwind, 1);
	if (o->max_depth > 0) {
		snprintf(num, sizeof num, "%d", o->max_depth);
		setenv(MLR_ENV_DEPTH, num, 1);
	}
}

/* In the child: hand over the region, exec, and on failure report errno through the pipe. */
static void exec_child(const char *exe, char **argv, const char *agent, int region_fd, int err_fd,
                       const struct launch_opts *o)
{
	fcntl(region_fd, F_SETFD, 0); /* the target inherits the region, nothing else of ours */
	if (o->output_fd > 2) {
		int null = open("/dev/null", O_RDONLY);
		if (null < 0 || dup2(null, 0) < 0 || dup2(o->output_fd, 1) < 0 || dup2(o->output_fd, 2) < 0)
			_exit(EXIT_OS_ERROR);
		if (null > 2)
			close(null);
	}
	child_environment(agent, region_fd, o);
	execv(exe, argv);
	int e = errno;
	if (write(err_fd, &e, sizeof e) < 0)
		_exit(EXIT_OS_ERROR);
	_exit(e == ENOENT ? EXIT_NOT_FOUND : EXIT_NOT_EXECUTABLE);
}

/* A script runs its interpreter, and the programs it starts are not tracked
 * (doc/architecture.md): say so before the user reads a report about bash. */
static void note_if_script(const char *exe)
{
	char head[2] = {0};
	int fd = open(exe, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	ssize_t n = read(fd, head, sizeof head);
	close(fd);
	if (n == 2 && head[0] == '#' && head[1] == '!')
		fprintf(stderr,
		        "memlens: note: %s is a script: its interpreter is tracked, the programs it starts are not "
		        "(run the program itself)\n",
		        exe);
}

int launch_start(char **argv, const char *agent, const struct launch_opts *o, pid_t *pid, struct region *region)
{
	char exe[PATH_MAX];
	int r = resolve_command(argv[0], exe, sizeof exe);
	if (r)
		return r;
	note_if_script(exe);
	int e = region_create(region, o->region_size ? o->region_size : REGION_DEFAULT_SIZE);
	if (e < 0) {
		fprintf(stderr, "memlens: cannot create the shared region: %s\n", strerror(-e));
		return EXIT_OS_ERROR;
	}
	int pipefd[2];
	if (pipe2(pipefd, O_CLOEXEC) != 0) {
		fprintf(stderr, "memlens: pipe: %s\n", strerror(errno));
		return EXIT_OS_ERROR;
	}
	fflush(NULL);
	*pid = fork();
	if (*pid < 0) {
		fprintf(stderr, "memlens: fork: %s\n", strerror(errno));
		return EXIT_OS_ERROR;
	}
	if (*pid == 0) {
		close(pipefd[0]);
		exec_child(exe, argv, agent, region->fd, pipefd[1], o);
	}
	close(pipefd[1]);
	int child_errno = 0;
	ssize_t n = read(pipefd[0], &child_errno, sizeof child_errno);
	close(pipefd[0]);
	close(region->fd); /* the mapping stays; the target holds its own */
	region->fd = -1;
	if (n == (ssize_t)sizeof child_errno) {
		waitpid(*pid, NULL, 0);
		fprintf(stderr, "memlens: cannot execute %s: %s\n", exe, strerror(child_errno));
		return child_errno == ENOENT ? EXIT_NOT_FOUND : EXIT_NOT_EXECUTABLE;
	}
	return 0;
}
