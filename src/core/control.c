/* control.c — a Unix socket per session, private to the user, serving snapshots to `memlens snapshot PID`. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/control.h"
#include "core/snapshot.h"
#include "core/util.h"

#define REQUEST_SNAPSHOT "SNAPSHOT 1\n"
#define MAX_REPLY_LINE   512

/* A private directory: created 0700 if missing; must be a real directory owned by uid with no
 * access for others. 0 or -errno. */
static int private_dir(const char *dir, uid_t uid, int create)
{
	if (create && mkdir(dir, 0700) != 0 && errno != EEXIST)
		return -errno;
	struct stat st;
	if (lstat(dir, &st) != 0)
		return -errno;
	if (!S_ISDIR(st.st_mode) || st.st_uid != uid || (st.st_mode & 0077))
		return -EPERM;
	return 0;
}

/* The socket directory of user uid in this environment (xdg: $XDG_RUNTIME_DIR, may be NULL). */
static int socket_dir(char *out, size_t len, const char *xdg, uid_t uid)
{
	if (xdg && xdg[0] == '/')
		return snprintf(out, len, "%s/memlens", xdg) < (int)len ? 0 : -1;
	return snprintf(out, len, "/tmp/memlens-%u", (unsigned)uid) < (int)len ? 0 : -1;
}

static int socket_path(char *out, size_t len, const char *dir, pid_t pid)
{
	return snprintf(out, len, "%s/%d.sock", dir, (int)pid) < (int)len ? 0 : -1;
}

static int write_all(int fd, const void *p, size_t n)
{
	const unsigned char *c = p;
	while (n) {
		ssize_t w = send(fd, c, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

static void set_timeouts(int fd, int recv_seconds, int send_seconds)
{
	struct timeval r = {.tv_sec = recv_seconds}, w = {.tv_sec = send_seconds};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &r, sizeof r);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &w, sizeof w);
}

/* Read one line (up to '\n') into buf; 0 or -1. */
static int read_line(int fd, char *buf, size_t len)
{
	size_t n = 0;
	while (n + 1 < len) {
		ssize_t r = recv(fd, buf + n, 1, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		if (buf[n] == '\n') {
			buf[n] = '\0';
			return 0;
		}
		n++;
	}
	return -1;
}

static void serve(struct session *s, int fd)
{
	struct ucred cred;
	socklen_t clen = sizeof cred;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) != 0 || (cred.uid != geteuid() && cred.uid != 0)) {
		write_all(fd, "ERR not your session\n", 21);
		return;
	}
	/* the session's loop waits meanwhile: a client that connects and says nothing costs it
	 * at most 2 s; one that stops reading, 10 s */
	set_timeouts(fd, 2, 10);
	char line[64];
	if (read_line(fd, line, sizeof line) != 0)
		return;
	if (strcmp(line, "SNAPSHOT 1") != 0) {
		char msg[128];
		int n = snprintf(msg, sizeof msg, "ERR unknown request (this memlens is %s)\n", PACKAGE_VERSION);
		write_all(fd, msg, (size_t)n);
		return;
	}
	struct bytebuf b;
	snapshot_encode(&s->model, &s->region, &b);
	char head[64];
	int n = snprintf(head, sizeof head, "OK %zu\n", b.len);
	if (write_all(fd, head, (size_t)n) == 0)
		write_all(fd, b.data, b.len);
	bytebuf_free(&b);
}

static void on_connect(struct session *s, void *arg)
{
	(void)arg;
	int fd = accept4(s->control_fd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return;
	serve(s, fd);
	close(fd);
}

const char *control_listen(struct session *s)
{
	char dir[sizeof s->control_path];
	if (socket_dir(dir, sizeof dir, getenv("XDG_RUNTIME_DIR"), geteuid()) != 0)
		return "socket directory name too long";
	int rc = private_dir(dir, geteuid(), 1);
	if (rc != 0)
		return rc == -EPERM ? "socket directory is not private (not ours, not a directory, or open to others)"
		                    : "cannot create the socket directory";
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	if (socket_path(a.sun_path, sizeof a.sun_path, dir, s->pid) != 0)
		return "socket path too long";
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return "cannot create a socket";
	/* a socket left by a session that died: nobody answers on it any more */
	int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (probe >= 0) {
		if (connect(probe, (struct sockaddr *)&a, sizeof a) != 0 && errno == ECONNREFUSED)
			unlink(a.sun_path);
		close(probe);
	}
	mode_t old = umask(0177);
	int b = bind(fd, (struct sockaddr *)&a, sizeof a);
	umask(old);
	if (b != 0 || listen(fd, 4) != 0) {
		close(fd);
		return errno == EADDRINUSE ? "another memlens session already serves this process" : "cannot listen";
	}
	s->control_fd = fd;
	snprintf(s->control_path, sizeof s->control_path, "%s", a.sun_path);
	session_add_client(s, &(struct session_client){.fd = fd, .on_input = on_connect});
	return NULL;
}

void control_close(struct session *s)
{
	if (s->control_fd < 0)
		return;
	close(s->control_fd);
	s->control_fd = -1;
	unlink(s->control_path);
	s->control_path[0] = '\0';
}

/* Connect to the first candidate socket that answers. */
static int connect_session(pid_t pid)
{
	char dirs[3][108];
	int n = 0;
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	if (socket_dir(dirs[n], sizeof dirs[n], xdg, geteuid()) == 0)
		n++;
	/* the target's owner's usual places (memlens as root asking about a user's session) */
	char proc[32];
	struct stat st;
	snprintf(proc, sizeof proc, "/proc/%d", (int)pid);
	if (stat(proc, &st) == 0) {
		char xdg_u[64];
		snprintf(xdg_u, sizeof xdg_u, "/run/user/%u", (unsigned)st.st_uid);
		if (socket_dir(dirs[n], sizeof dirs[n], xdg_u, st.st_uid) == 0)
			n++;
		if (socket_dir(dirs[n], sizeof dirs[n], NULL, st.st_uid) == 0)
			n++;
	}
	for (int i = 0; i < n; i++) {
		struct sockaddr_un a = {.sun_family = AF_UNIX};
		if (socket_path(a.sun_path, sizeof a.sun_path, dirs[i], pid) != 0)
			continue;
		int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return -1;
		if (connect(fd, (struct sockaddr *)&a, sizeof a) == 0)
			return fd;
		close(fd);
	}
	return -1;
}

enum control_status control_request_snapshot(pid_t pid, unsigned char **data, size_t *len, char *err, size_t errlen)
{
	*data = NULL;
	*len = 0;
	int fd = connect_session(pid);
	if (fd < 0)
		return CONTROL_NO_INSPECTOR;
	/* symbolizing every site of a large target takes a while: be patient */
	set_timeouts(fd, 120, 120);
	char line[MAX_REPLY_LINE];
	if (write_all(fd, REQUEST_SNAPSHOT, sizeof REQUEST_SNAPSHOT - 1) != 0 ||
	    read_line(fd, line, sizeof line) != 0) {
		snprintf(err, errlen, "the memlens session of process %d did not answer", (int)pid);
		close(fd);
		return CONTROL_IO;
	}
	if (strncmp(line, "ERR ", 4) == 0) {
		snprintf(err, errlen, "the memlens session of process %d refused: %s", (int)pid, line + 4);
		close(fd);
		return CONTROL_REFUSED;
	}
	char *end;
	unsigned long long n = strncmp(line, "OK ", 3) == 0 ? strtoull(line + 3, &end, 10) : 0;
	if (strncmp(line, "OK ", 3) != 0 || *end || n > ((size_t)1 << 40)) {
		snprintf(err, errlen, "the memlens session of process %d gave a reply this memlens does not understand",
		         (int)pid);
		close(fd);
		return CONTROL_IO;
	}
	unsigned char *buf = xmalloc(n ? (size_t)n : 1);
	size_t got = 0;
	while (got < n) {
		ssize_t r = recv(fd, buf + got, (size_t)n - got, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			snprintf(err, errlen,
			         "the connection to the memlens session of process %d broke after %zu of %llu bytes",
			         (int)pid, got, n);
			free(buf);
			close(fd);
			return CONTROL_IO;
		}
		got += (size_t)r;
	}
	close(fd);
	*data = buf;
	*len = got;
	return CONTROL_OK;
}
