/* commands.h — the memlens commands (one function each) and helpers they share. */
#ifndef MEMLENS_CLI_COMMANDS_H
#define MEMLENS_CLI_COMMANDS_H

#include <stddef.h>
#include <stdint.h>

#include "attach/inject.h"
#include "core/session.h"

/* Each takes the arguments after the command name (argv[0] is the command). */
int cmd_run(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_attach(int argc, char **argv);
int cmd_threads(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_snapshot(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_script(int argc, char **argv);

/* The Lua library directory: given (--lua-dir), $MEMLENS_LUA_DIR, beside the binary, or
 * installed. 0, or an exit status after a message. */
int script_find_lua_dir(const char *given, char *out, size_t len);

/* Check that memlens may trace pid, load the agent into it (or reuse it) and begin a session
 * on its region, as `attach` does; for other commands (script --pid). 0, or an exit status
 * after the reason was printed. agent_opts->agent is found here. */
int attach_begin(const char *cmd, pid_t pid, const struct inject_opts *agent_opts, uint64_t interval_ns,
                 struct session *s, struct inject_info *info);
/* Stop the agent recording and restore the GOT entries (it stays, dormant), unless the
 * process ended. Before session_finish. */
void attach_end(struct session *s, struct inject_info *info);

/* "memlens CMD: bad value 'X' for --opt (expected ...)"; returns EXIT_USAGE. */
int usage_error(const char *cmd, const char *option, const char *value, const char *expected);

#endif
