/* test_json.c — unit test of the streaming JSON writer (src/core/json.c). */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"

int main(void)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	struct json j;
	json_init(&j, f, 0);
	json_object_begin(&j, NULL);
	json_string(&j, "s", "quote\" slash\\ nl\n tab\t ctl\x01");
	json_int(&j, "neg", -42);
	json_uint(&j, "big", 18446744073709551615ull);
	json_double(&j, "half", 0.5);
	json_double(&j, "nan", NAN);
	json_bool(&j, "yes", 1);
	json_string(&j, "none", NULL);
	json_array_begin(&j, "list");
	json_int(&j, NULL, 1);
	json_object_begin(&j, NULL);
	json_object_end(&j);
	json_array_begin(&j, NULL);
	json_array_end(&j);
	json_array_end(&j);
	json_object_end(&j);
	fclose(f);
	const char *want = "{\"s\":\"quote\\\" slash\\\\ nl\\n tab\\t ctl\\u0001\",\"neg\":-42,"
			   "\"big\":18446744073709551615,\"half\":0.5,\"nan\":null,\"yes\":true,\"none\":null,"
			   "\"list\":[1,{},[]]}";
	int ok = strcmp(text, want) == 0;
	printf("%s 1 - compact output with escapes, nulls and nesting\n", ok ? "ok" : "not ok");
	if (!ok)
		printf("# got:  %s\n# want: %s\n", text, want);
	free(text);
	return ok ? 0 : 1;
}
