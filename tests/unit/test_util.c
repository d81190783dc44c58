/* test_util.c — unit test of size/duration parsing and formatting (src/core/util.c). */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "core/util.h"
#include "check.h"

/* A parser of util.h (size or duration), its name and the unit its values are in. */
struct parser {
	int (*parse)(const char *text, uint64_t *out);
	const char *name, *unit;
};

static const struct parser size_parser = {util_parse_size, "size", ""};
static const struct parser duration_parser = {util_parse_duration, "duration", " ns"};

/* parses: TEXT is accepted and gives WANT. */
static void parses(const struct parser *p, const char *text, uint64_t want)
{
	uint64_t v = 0;
	char what[96];
	snprintf(what, sizeof what, "%s '%s' = %llu%s", p->name, text, (unsigned long long)want, p->unit);
	check(p->parse(text, &v) == 0 && v == want, what);
}

/* refuses: TEXT is an error. */
static void refuses(const struct parser *p, const char *text)
{
	uint64_t v;
	char what[96];
	snprintf(what, sizeof what, "%s '%s' is refused", p->name, text);
	check(p->parse(text, &v) != 0, what);
}

int main(void)
{
	parses(&size_parser, "4096", 4096);
	parses(&size_parser, "512MiB", 512ull << 20);
	parses(&size_parser, "1.5GB", 1500000000ull);
	parses(&size_parser, "64k", 65536);
	parses(&size_parser, "1 GiB", 1ull << 30);
	parses(&size_parser, "2gib", 2ull << 30);
	refuses(&size_parser, "12 parsecs");
	refuses(&size_parser, "");
	refuses(&size_parser, "-1");
	refuses(&size_parser, "MiB");
	refuses(&size_parser, "1e30GiB");
	parses(&duration_parser, "10s", 10000000000ull);
	parses(&duration_parser, "250ms", 250000000ull);
	parses(&duration_parser, "5m", 300000000000ull);
	parses(&duration_parser, "1h", 3600000000000ull);
	parses(&duration_parser, "2", 2000000000ull);
	parses(&duration_parser, "1.5s", 1500000000ull);
	refuses(&duration_parser, "soon");
	refuses(&duration_parser, "10 parsecs");
	refuses(&duration_parser, "-5s");

	char buf[32];
	check(strcmp(util_fmt_bytes(buf, sizeof buf, 512), "512 B") == 0, "512 B");
	check(strcmp(util_fmt_bytes(buf, sizeof buf, 1536), "1.5 KiB") == 0, "1.5 KiB");
	check(strcmp(util_fmt_bytes(buf, sizeof buf, 3.0 * (1 << 30)), "3.0 GiB") == 0, "3.0 GiB");
	check(strcmp(util_fmt_bytes(buf, sizeof buf, -2048), "-2.0 KiB") == 0, "negative sizes keep their sign");
	check(strcmp(util_fmt_count(buf, sizeof buf, 1234567), "1,234,567") == 0, "1,234,567");
	check(strcmp(util_fmt_count(buf, sizeof buf, 999), "999") == 0, "999");
	check(strcmp(util_fmt_count(buf, sizeof buf, 0), "0") == 0, "0");
	return check_done();
}
