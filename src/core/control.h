/* control.h — the inspector's control socket: other memlens commands ask a running session for a snapshot. */
#ifndef MEMLENS_CORE_CONTROL_H
#define MEMLENS_CORE_CONTROL_H

#include <stddef.h>
#include <sys/types.h>

#include "core/session.h"

/* The socket of the session watching pid lives at DIR/PID.sock, DIR being
 * $XDG_RUNTIME_DIR/memlens, else /tmp/memlens-UID: a directory of the user's own, mode
 * 0700, refused if it is a symbolic link or anyone else's. */

/* Listen for requests about s's target (a session client). Failing to listen costs only the
 * `memlens snapshot` feature: the reason is returned (NULL on success) for a log line. */
const char *control_listen(struct session *s);
/* Stop listening and remove the socket (also done by session_done). */
void control_close(struct session *s);

enum control_status {
	CONTROL_OK,
	CONTROL_NO_INSPECTOR, /* no memlens session watches that process */
	CONTROL_REFUSED,      /* the session answered with an error (message in err) */
	CONTROL_IO,           /* the connection broke */
};

/* Ask the session watching pid for a snapshot; on success *data (malloc'd) holds the file's bytes. */
enum control_status control_request_snapshot(pid_t pid, unsigned char **data, size_t *len, char *err, size_t errlen);

#endif
