/* ptrmap.h — an open-addressing map from pointers (interned strings, frames) to numbers. */
#ifndef MEMLENS_CORE_PTRMAP_H
#define MEMLENS_CORE_PTRMAP_H

#include <stddef.h>
#include <stdint.h>

struct ptrmap {
	const void **keys;
	uint64_t *vals;
	size_t cap, n;
};

/* The value slot of key (not NULL), added with value 0 when missing; *found says which.
 * The slot is valid until the next ptrmap_slot call. */
uint64_t *ptrmap_slot(struct ptrmap *m, const void *key, int *found);
void ptrmap_free(struct ptrmap *m);

#endif
