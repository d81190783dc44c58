/* json.h — a small streaming JSON writer (objects, arrays, escaped strings, numbers). */
#ifndef MEMLENS_CORE_JSON_H
#define MEMLENS_CORE_JSON_H

#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 32

struct json {
	FILE *out;
	int depth;
	int count[JSON_MAX_DEPTH]; /* members written at each level, for commas */
	int pretty;
};

void json_init(struct json *j, FILE *out, int pretty);
void json_object_begin(struct json *j, const char *key); /* key NULL inside arrays / at top */
void json_object_end(struct json *j);
void json_array_begin(struct json *j, const char *key);
void json_array_end(struct json *j);
void json_string(struct json *j, const char *key, const char *value); /* NULL -> null */
void json_int(struct json *j, const char *key, int64_t v);
void json_uint(struct json *j, const char *key, uint64_t v);
void json_double(struct json *j, const char *key, double v);
void json_bool(struct json *j, const char *key, int v);
void json_null(struct json *j, const char *key);
void json_end(struct json *j); /* final newline */

#endif
