/* strpool.c — interned strings in an open-addressing hash table over chunked storage. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/strpool.h"
#include "core/util.h"

#define CHUNK_SIZE (64 * 1024)

struct chunk {
	struct chunk *next;
	size_t used, cap;
	char data[];
};

struct strpool {
	const char **slots;
	size_t cap, used;
	struct chunk *chunks;
};

struct strpool *strpool_new(void)
{
	struct strpool *p = xcalloc(1, sizeof *p);
	p->cap = 256;
	p->slots = xcalloc(p->cap, sizeof *p->slots);
	return p;
}

void strpool_free(struct strpool *p)
{
	if (!p)
		return;
	for (struct chunk *c = p->chunks, *n; c; c = n) {
		n = c->next;
		free(c);
	}
	free(p->slots);
	free(p);
}

static uint64_t hash(const char *s, size_t len)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */
	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
	return h;
}

static char *store(struct strpool *p, const char *s, size_t len)
{
	struct chunk *c = p->chunks;
	if (!c || c->cap - c->used < len + 1) {
		size_t cap = len + 1 > CHUNK_SIZE ? len + 1 : CHUNK_SIZE;
		c = xmalloc(sizeof *c + cap);
		c->cap = cap;
		c->used = 0;
		c->next = p->chunks;
		p->chunks = c;
	}
	char *d = c->data + c->used;
	memcpy(d, s, len);
	d[len] = '\0';
	c->used += len + 1;
	return d;
}

static void grow(struct strpool *p)
{
	size_t cap = p->cap * 2;
	const char **slots = xcalloc(cap, sizeof *slots);
	for (size_t i = 0; i < p->cap; i++) {
		if (!p->slots[i])
			continue;
		size_t j = hash(p->slots[i], strlen(p->slots[i])) & (cap - 1);
		while (slots[j])
			j = (j + 1) & (cap - 1);
		slots[j] = p->slots[i];
	}
	free(p->slots);
	p->slots = slots;
	p->cap = cap;
}

const char *strpool_intern_n(struct strpool *p, const char *s, size_t len)
{
	len = strnlen(s, len); /* a string ends at its first NUL */
	if (2 * (p->used + 1) > p->cap)
		grow(p);
	size_t j = hash(s, len) & (p->cap - 1);
	for (; p->slots[j]; j = (j + 1) & (p->cap - 1))
		if (strncmp(p->slots[j], s, len) == 0 && p->slots[j][len] == '\0')
			return p->slots[j];
	p->slots[j] = store(p, s, len);
	p->used++;
	return p->slots[j];
}

const char *strpool_intern(struct strpool *p, const char *s)
{
	return strpool_intern_n(p, s, strlen(s));
}
