/* regex.c — PCRE2 (8-bit, UTF) compiled once, matched against frame strings with one match block. */
#include "config.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/regex.h"
#include "core/util.h"

struct regex {
	pcre2_code *code;
	pcre2_match_data *md;
};

struct regex *regex_compile(const char *pattern, char *err, size_t errlen)
{
	int code;
	PCRE2_SIZE off;
	pcre2_code *c = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, PCRE2_UTF | PCRE2_MATCH_INVALID_UTF,
	                              &code, &off, NULL);
	if (!c) {
		PCRE2_UCHAR msg[256];
		if (pcre2_get_error_message(code, msg, sizeof msg) < 0)
			snprintf((char *)msg, sizeof msg, "error %d", code);
		snprintf(err, errlen, "at offset %zu: %s", (size_t)off, (const char *)msg);
		return NULL;
	}
	pcre2_jit_compile(c, PCRE2_JIT_COMPLETE); /* faster when available; fine without */
	struct regex *re = xcalloc(1, sizeof *re);
	re->code = c;
	re->md = pcre2_match_data_create_from_pattern(c, NULL);
	if (!re->md)
		fatal("out of memory (PCRE2 match data)");
	return re;
}

void regex_free(struct regex *re)
{
	if (!re)
		return;
	pcre2_match_data_free(re->md);
	pcre2_code_free(re->code);
	free(re);
}

int regex_match(struct regex *re, const char *s)
{
	if (!s)
		return 0;
	return pcre2_match(re->code, (PCRE2_SPTR)s, strlen(s), 0, 0, re->md, NULL) >= 0;
}

int regex_match_frames(struct regex *re, const struct sym_frame *f, int n)
{
	for (int i = 0; i < n; i++)
		if (regex_match(re, f[i].function) || regex_match(re, f[i].file) || regex_match(re, f[i].module))
			return 1;
	return 0;
}
