/* ptrmap.c — pointer-keyed map: linear probing over a power-of-two table, grown at half full. */
#include "config.h"

#include <stdlib.h>

#include "core/ptrmap.h"
#include "core/util.h"

static size_t slot_of(const void *key, size_t cap)
{
	return (size_t)(((uintptr_t)key * 0x9E3779B97F4A7C15ull) >> 17) & (cap - 1);
}

static void grow(struct ptrmap *m)
{
	size_t cap = m->cap ? m->cap * 2 : 1024;
	const void **keys = xcalloc(cap, sizeof *keys);
	uint64_t *vals = xcalloc(cap, sizeof *vals);
	for (size_t i = 0; i < m->cap; i++) {
		if (!m->keys[i])
			continue;
		size_t j = slot_of(m->keys[i], cap);
		while (keys[j])
			j = (j + 1) & (cap - 1);
		keys[j] = m->keys[i];
		vals[j] = m->vals[i];
	}
	free(m->keys);
	free(m->vals);
	m->keys = keys;
	m->vals = vals;
	m->cap = cap;
}

uint64_t *ptrmap_slot(struct ptrmap *m, const void *key, int *found)
{
	if (2 * (m->n + 1) > m->cap)
		grow(m);
	size_t j = slot_of(key, m->cap);
	while (m->keys[j] && m->keys[j] != key)
		j = (j + 1) & (m->cap - 1);
	*found = m->keys[j] != NULL;
	if (!*found) {
		m->keys[j] = key;
		m->vals[j] = 0;
		m->n++;
	}
	return &m->vals[j];
}

void ptrmap_free(struct ptrmap *m)
{
	free(m->keys);
	free(m->vals);
	m->keys = NULL;
	m->vals = NULL;
	m->cap = m->n = 0;
}
