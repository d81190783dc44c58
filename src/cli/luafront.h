/* luafront.h — the Lua runtime as a front end's companion: scripts (-s) loaded for run and demo, its views in the TUI.
 */
#ifndef MEMLENS_CLI_LUAFRONT_H
#define MEMLENS_CLI_LUAFRONT_H

#include "cli/frontend.h"
#include "core/session.h"
#include "lua/host.h"

/* Before the target starts: the Lua runtime with the standard library (unless --no-stdlib)
 * and the -s scripts. With the TUI always (the standard heuristics fill its Leaks view);
 * headless only when scripts were given (their callbacks run; their results are what
 * `memlens script` is for). *out NULL when there is none. Headless, a script that does not
 * load stops the command from starting: the exit status (102) is returned; under the TUI
 * its errors are in the Log view and the footer, and the session goes on. 0 otherwise. */
int luafront_load(const struct frontend_opts *o, enum frontend fe, struct host **out);

/* Watch the session (a client added before the TUI's, so the TUI draws fresh results) and
 * give the TUI (its options: to) the runtime's views and overlay. */
void luafront_attach(struct host *h, struct session *s, struct tui_opts *to);

/* The session ended: last checks and on_exit callbacks; then the host is freed. */
void luafront_done(struct host *h, enum session_end why);

#endif
