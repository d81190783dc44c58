/* options.c — build getopt_long's tables and the --help text from one option table per command; the shared value
 * checks. */
#include "config.h"

#include <getopt.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/options.h"
#include "core/util.h"
#include "memlens/region.h"

#define MAX_OPTS 48

static int count_specs(const struct opt_spec *specs)
{
	int n = 0;
	while (specs[n].name)
		n++;
	return n;
}

static int permute;

int opt_next(const char *cmd, int argc, char **argv, const struct opt_spec *specs, const char **optarg_out)
{
	struct option longs[MAX_OPTS + 1];
	/* "+": stop at the first non-option (a command's own options follow it); ":": report
	 * missing arguments. Permuting, options may come after the files too. */
	char shorts[2 * MAX_OPTS + 3] = "+:";
	size_t k = 2;
	if (permute) {
		shorts[0] = ':';
		shorts[1] = '\0';
		k = 1;
	}
	int n = count_specs(specs);
	if (n > MAX_OPTS)
		n = MAX_OPTS;
	for (int i = 0; i < n; i++) {
		longs[i] = (struct option){specs[i].name, specs[i].arg ? required_argument : no_argument, NULL,
		                           specs[i].key};
		if (specs[i].key > 0 && specs[i].key < 256) {
			shorts[k++] = (char)specs[i].key;
			if (specs[i].arg)
				shorts[k++] = ':';
		}
	}
	shorts[k] = '\0';
	longs[n] = (struct option){0};
	opterr = 0;
	int c = getopt_long(argc, argv, shorts, longs, NULL);
	*optarg_out = optarg;
	if (c == '?' || c == ':') {
		const char *what = optopt ? NULL : argv[optind - 1];
		if (c == ':')
			fprintf(stderr, "memlens: %s: option '%s' needs an argument (see 'memlens %s --help')\n", cmd,
			        argv[optind - 1], cmd);
		else if (what)
			fprintf(stderr, "memlens: %s: unknown option '%s' (see 'memlens %s --help')\n", cmd, what, cmd);
		else
			fprintf(stderr, "memlens: %s: unknown option '-%c' (see 'memlens %s --help')\n", cmd, optopt,
			        cmd);
		return '?';
	}
	return c;
}

int opt_index(void)
{
	return optind;
}

void opt_reset(void)
{
	optind = 0; /* 0 makes glibc's getopt re-initialise */
	permute = 0;
}

void opt_reset_permuting(void)
{
	opt_reset();
	permute = 1;
}

void opt_print_help(FILE *out, const struct opt_spec *specs)
{
	for (int i = 0; specs[i].name; i++) {
		char left[64];
		if (specs[i].key > 0 && specs[i].key < 256)
			snprintf(left, sizeof left, "-%c, --%s%s%s", specs[i].key, specs[i].name,
			         specs[i].arg ? " " : "", specs[i].arg ? specs[i].arg : "");
		else
			snprintf(left, sizeof left, "    --%s%s%s", specs[i].name, specs[i].arg ? " " : "",
			         specs[i].arg ? specs[i].arg : "");
		fprintf(out, "  %-26s %s\n", left, specs[i].help);
	}
}

int opt_top(const char *cmd, const char *arg, int *out)
{
	uint64_t v;
	if (util_parse_size(arg, &v) != 0 || v < 1 || v > 100000)
		return usage_error(cmd, "--top", arg, "a number from 1 to 100000");
	*out = (int)v;
	return 0;
}

int opt_duration(const char *cmd, const char *arg, uint64_t *out_ns)
{
	if (util_parse_duration(arg, out_ns) != 0 || !*out_ns)
		return usage_error(cmd, "--duration", arg, "a duration like 10s, 5m or 250ms");
	return 0;
}

int opt_interval(const char *cmd, const char *arg, uint64_t *out_ns)
{
	if (util_parse_duration(arg, out_ns) != 0 || *out_ns < 1000000)
		return usage_error(cmd, "--interval", arg, "a duration of at least 1ms");
	return 0;
}

int opt_max_depth(const char *cmd, const char *arg, int *out)
{
	uint64_t v;
	if (util_parse_size(arg, &v) != 0 || v < 1 || v > MLR_MAX_DEPTH)
		return usage_error(cmd, "--max-depth", arg, "a number from 1 to 64");
	*out = (int)v;
	return 0;
}

int opt_region_size(const char *cmd, const char *arg, uint64_t *out)
{
	if (util_parse_size(arg, out) != 0 || *out < (16u << 20))
		return usage_error(cmd, "--region-size", arg, "a size of at least 16MiB");
	return 0;
}

int opt_unwind(const char *cmd, const char *arg, uint32_t *out)
{
	if (strcmp(arg, "cfi") == 0)
		*out = MLR_UNWIND_CFI;
	else if (strcmp(arg, "libunwind") == 0)
		*out = MLR_UNWIND_LIBUNWIND;
	else if (strcmp(arg, "fp") == 0)
		*out = MLR_UNWIND_FP;
	else
		return usage_error(cmd, "--unwind", arg, "cfi, libunwind or fp");
	return 0;
}
