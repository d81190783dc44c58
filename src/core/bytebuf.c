/* bytebuf.c — a growing byte buffer (doubling) and LEB128 varints. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/bytebuf.h"
#include "core/util.h"

void bytebuf_reserve(struct bytebuf *b, size_t n)
{
	if (b->cap - b->len >= n)
		return;
	size_t cap = b->cap ? b->cap : 4096;
	while (cap - b->len < n)
		cap *= 2;
	b->data = xrealloc(b->data, cap);
	b->cap = cap;
}

void bytebuf_put(struct bytebuf *b, const void *p, size_t n)
{
	if (!n)
		return;
	bytebuf_reserve(b, n);
	memcpy(b->data + b->len, p, n);
	b->len += n;
}

void bytebuf_uleb(struct bytebuf *b, uint64_t v)
{
	bytebuf_reserve(b, 10);
	while (v >= 0x80) {
		b->data[b->len++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	b->data[b->len++] = (uint8_t)v;
}

void bytebuf_free(struct bytebuf *b)
{
	free(b->data);
	memset(b, 0, sizeof *b);
}
