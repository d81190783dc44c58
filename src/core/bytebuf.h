/* bytebuf.h — a growing byte buffer and LEB128 varints: what the snapshot writer and the pprof encoder build in. */
#ifndef MEMLENS_CORE_BYTEBUF_H
#define MEMLENS_CORE_BYTEBUF_H

#include <stddef.h>
#include <stdint.h>

struct bytebuf {
	uint8_t *data;
	size_t len, cap;
};

/* Room for n more bytes (allocation failure is fatal). */
void bytebuf_reserve(struct bytebuf *b, size_t n);
void bytebuf_put(struct bytebuf *b, const void *p, size_t n);
/* Unsigned LEB128: 7 bits a byte, low first (protobuf's varint too). */
void bytebuf_uleb(struct bytebuf *b, uint64_t v);
void bytebuf_free(struct bytebuf *b);

#endif
