/* test_util.c — unit test of size/duration parsing and formatting (src/core/util.c). */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "core/util.h"

static int failures, checks;

static void check(int ok, const char *what)
{
	checks++;
	if (!ok)
		failures++;
	printf("%s %d - %s\n", ok ? "ok" : "not ok", checks, what);
}

static void size_is(const char *text, uint64_t want)
{
	uint64_t v = 0;
	char what[96];
	snprintf(what, sizeof what, "size '%s' = %llu", text, (unsigned long long)want);
	check(util_parse_size(text, &v) == 0 && v == want, what);
}

static void size_bad(const char *text)
{
	uint64_t v;
	char what[96];
	snprintf(what, sizeof what, "size '%s' is refused", text);
	check(util_parse_size(text, &v) != 0, what);
}

static void duration_is(const char *text, uint64_t want_ns)
{
	uint64_t v = 0;
	char what[96];
	snprintf(what, sizeof what, "duration '%s' = %llu ns", text, (unsigned long long)want_ns);
	check(util_parse_duration(text, &v) == 0 && v == want_ns, what);
}

static void duration_bad(const char *text)
{
	uint64_t v;
	char what[96];
	snprintf(what, sizeof what, "duration '%s' is refused", text);
	check(util_parse_duration(text, &v) != 0, what);
}

int main(void)
{
	size_is("4096", 4096);
	size_is("512MiB", 512ull << 20);
	size_is("1.5GB", 1500000000ull);
	size_is("64k", 65536);
	size_is("1 GiB", 1ull << 30);
	size_is("2gib", 2ull << 30);
	size_bad("12 parsecs");
	size_bad("");
	size_bad("-1");
	size_bad("MiB");
	size_bad("1e30GiB");
	duration_is("10s", 10000000000ull);
	duration_is("250ms", 250000000ull);
	duration_is("5m", 300000000000ull);
	duration_is("1h", 3600000000000ull);
	duration_is("2", 2000000000ull);
	duration_is("1.5s", 1500000000ull);
	duration_bad("soon");
	duration_bad("10 parsecs");
	duration_bad("-5s");

	char buf[32];
	check(strcmp(util_fmt_bytes(buf, sizeof buf, 512), "512 B") == 0, "512 B");
	check(strcmp(util_fmt_bytes(buf, sizeof buf, 1536), "1.5 KiB") == 0, "1.5 KiB");
	check(strcmp(util_fmt_bytes(buf, sizeof buf, 3.0 * (1 << 30)), "3.0 GiB") == 0, "3.0 GiB");
	check(strcmp(util_fmt_bytes(buf, sizeof buf, -2048), "-2.0 KiB") == 0, "negative sizes keep their sign");
	check(strcmp(util_fmt_count(buf, sizeof buf, 1234567), "1,234,567") == 0, "1,234,567");
	check(strcmp(util_fmt_count(buf, sizeof buf, 999), "999") == 0, "999");
	check(strcmp(util_fmt_count(buf, sizeof buf, 0), "0") == 0, "0");
	printf("%d of %d checks failed\n", failures, checks);
	return failures ? 1 : 0;
}
