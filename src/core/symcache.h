/* symcache.h — symbolization results kept on disk per build-id, so later runs skip the debug information. */
#ifndef MEMLENS_CORE_SYMCACHE_H
#define MEMLENS_CORE_SYMCACHE_H

#include <stddef.h>
#include <stdint.h>

#include "core/symbolize.h"

/*
 * A module's results never change while its build-id is the same, so they are
 * kept in <dir>/<build-id>.<d0|d1>.r<N>.syms (d1: a separate debug file was
 * there when they were written; installing one later starts a new file; N: the
 * symbolizer's revision, so a memlens that reports differently starts anew). The
 * directory is $MEMLENS_SYMBOL_CACHE, else $XDG_CACHE_HOME/memlens/symbols,
 * else ~/.cache/memlens/symbols, created private (0700);
 * MEMLENS_SYMBOL_CACHE=off disables the cache. Files are read with every
 * field checked: a damaged file loses its entries, never crashes memlens.
 */

/* The cache file for a build id, or -1 when the cache is off or has no usable
 * directory. */
int symcache_path(const uint8_t *build_id, size_t len, int has_debug_file, char *out, size_t outlen);

/* One cached address: its frames' module fields are left for the caller to fill. */
struct symcache_entry {
	uint64_t offset; /* address - module base */
	int is_return;
	const struct sym_frame *frames;
	int nframes;
};

/* Calls fn for every well-formed entry of the file (strings valid during the call only).
 * Returns the number of entries, or -1 when the file is missing or unreadable. */
int symcache_load(const char *path, void (*fn)(const struct symcache_entry *e, void *arg), void *arg);

/* Appends entries (one locked append). 0 or -errno. */
int symcache_append(const char *path, const struct symcache_entry *e, size_t n);

#endif
