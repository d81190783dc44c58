/* commands.h — the memlens commands (one function each) and helpers they share. */
#ifndef MEMLENS_CLI_COMMANDS_H
#define MEMLENS_CLI_COMMANDS_H

#include <stddef.h>

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

/* "memlens CMD: bad value 'X' for --opt (expected ...)"; returns EXIT_USAGE. */
int usage_error(const char *cmd, const char *option, const char *value, const char *expected);

#endif
