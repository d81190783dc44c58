/* snapshot.h — write a model to a snapshot file and read one back into a model (include/memlens/snapshot.h). */
#ifndef MEMLENS_CORE_SNAPSHOT_H
#define MEMLENS_CORE_SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>

#include "core/bytebuf.h"
#include "core/model.h"

enum snap_status {
	SNAP_OK = 0,
	SNAP_UNREADABLE,   /* cannot open or read it (missing, a directory, permissions) */
	SNAP_NOT_SNAPSHOT, /* empty, or not a memlens snapshot */
	SNAP_NEWER,        /* a newer major format version */
	SNAP_DAMAGED,      /* truncated, a checksum mismatch, a length or value out of range */
	SNAP_CANT_CREATE,  /* the output file cannot be written */
};

/* Bring the model up to date from the region (counters, live blocks, symbols of every site)
 * and encode it into out (free it with bytebuf_free). r may be NULL for a model that needs no refresh. */
void snapshot_encode(struct model *m, const struct region *r, struct bytebuf *out);

/* Write bytes to path through a temporary file in the same directory, then rename: the
 * final name never holds half a file. SNAP_OK or SNAP_CANT_CREATE (message in err). */
enum snap_status snapshot_save(const void *data, size_t len, const char *path, char *err, size_t errlen);

/* snapshot_encode + snapshot_save. */
enum snap_status snapshot_write(struct model *m, const struct region *r, const char *path, char *err, size_t errlen);

/* Decode a snapshot (name is used in messages) into *m, a model of its own (from_file set;
 * free it with model_done). On failure *m is left empty and err holds one line:
 * "NAME: offset N: what is wrong". Never trusts a length or count it has not checked
 * against the bytes that are there. */
enum snap_status snapshot_decode(const uint8_t *data, size_t len, const char *name, struct model *m, char *err,
                                 size_t errlen);
enum snap_status snapshot_read(const char *path, struct model *m, char *err, size_t errlen);

#endif
