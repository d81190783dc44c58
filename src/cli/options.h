/* options.h — one table per command describes its options; parsing and --help both come from it. */
#ifndef MEMLENS_CLI_OPTIONS_H
#define MEMLENS_CLI_OPTIONS_H

#include <stdint.h>
#include <stdio.h>

struct opt_spec {
	const char *name; /* long name, without "--" */
	int key;          /* short letter, or a value > 255 for long-only options */
	const char *arg;  /* argument name shown in help, NULL for flags */
	const char *help;
};

/* getopt_long over a NULL-name-terminated table. Returns the key, -1 at the
 * end of options, '?' after printing "memlens: CMD: <problem>" to stderr. */
int opt_next(const char *cmd, int argc, char **argv, const struct opt_spec *specs, const char **optarg_out);
/* Index of the first non-option argument after the last opt_next call. */
int opt_index(void);
void opt_reset(void);
/* The same, for commands without a program to run: options may also follow the operands
 * (which opt_index() then points at, moved to the end); "--" still ends the options. */
void opt_reset_permuting(void);
void opt_print_help(FILE *out, const struct opt_spec *specs);

/* The values several commands take, checked one way everywhere: each sets *out and returns 0,
 * or returns EXIT_USAGE after usage_error's line. */
int opt_top(const char *cmd, const char *arg, int *out);              /* --top: 1..100000 */
int opt_duration(const char *cmd, const char *arg, uint64_t *out_ns); /* --duration: > 0 */
int opt_interval(const char *cmd, const char *arg, uint64_t *out_ns); /* --interval: >= 1ms */
int opt_max_depth(const char *cmd, const char *arg, int *out);        /* --max-depth: 1..MLR_MAX_DEPTH */
int opt_region_size(const char *cmd, const char *arg, uint64_t *out); /* --region-size: >= 16MiB */
int opt_unwind(const char *cmd, const char *arg, uint32_t *out);      /* --unwind: cfi, libunwind, fp */

#endif
