/* snapshot.h — layout (major version 1) of a memlens snapshot file (.mls); doc/snapshot-format.md explains it. */
#ifndef MEMLENS_SNAPSHOT_H
#define MEMLENS_SNAPSHOT_H

#include <stdint.h>

/* File header, 32 bytes, little-endian:
 *   0  magic[8]      MLS_MAGIC
 *   8  u16 major     readers refuse a major they do not know
 *  10  u16 minor     readers accept any minor of their major
 *  12  u32 header_size (32; a later minor may grow it: sections start at header_size)
 *  16  u64 flags     none defined: 0
 *  24  u32 reserved  0
 *  28  u32 crc32     of bytes 0..27 (zlib's CRC-32)
 * Then sections until the END section, each a 24-byte section header and its payload. */
#define MLS_MAGIC       "\x89MLSNAP\n"
#define MLS_MAGIC_LEN   8
#define MLS_MAJOR       1
#define MLS_MINOR       0
#define MLS_HEADER_SIZE 32

/* Section header, 24 bytes:
 *   0  u32 type      MLS_SEC_* (four ASCII characters, first in the lowest byte)
 *   4  u32 flags     MLS_SECTION_REQUIRED: a reader that does not know the type must refuse the file
 *   8  u64 length    of the payload
 *  16  u32 crc32     of the payload
 *  20  u32 reserved  0
 * A reader skips sections of unknown type that are not required. */
#define MLS_SECTION_HEADER_SIZE 24
#define MLS_SECTION_REQUIRED    1u

#define MLS_TYPE(a, b, c, d) ((uint32_t)(a) | (uint32_t)(b) << 8 | (uint32_t)(c) << 16 | (uint32_t)(d) << 24)
#define MLS_SEC_STRINGS      MLS_TYPE('S', 'T', 'R', 'S') /* string table; first, since all others refer to it */
#define MLS_SEC_META         MLS_TYPE('M', 'E', 'T', 'A') /* the process, the run, totals, peak */
#define MLS_SEC_MODULES      MLS_TYPE('M', 'O', 'D', 'S') /* module map */
#define MLS_SEC_LOCATIONS    MLS_TYPE('L', 'O', 'C', 'S') /* return addresses with their symbolized frames */
#define MLS_SEC_SITES        MLS_TYPE('S', 'I', 'T', 'E') /* call sites: counters, raw and symbolized stacks */
#define MLS_SEC_THREADS      MLS_TYPE('T', 'H', 'R', 'D') /* per-thread figures */
#define MLS_SEC_SERIES       MLS_TYPE('S', 'E', 'R', 'I') /* the time series */
#define MLS_SEC_BLOCKS       MLS_TYPE('B', 'L', 'K', 'S') /* live blocks */
#define MLS_SEC_END          MLS_TYPE('E', 'N', 'D', ' ') /* empty; last: its absence means a truncated file */

/* Sections, in this order: STRS, META, MODS, LOCS (return addresses with their frames), SITE
 * (stacks as location indices), THRD, SERI, BLKS, END. Payloads are sequences of unsigned
 * LEB128 integers ("u"), zigzag-encoded signed ones ("s"), IEEE-754 doubles as 8
 * little-endian bytes ("f"), and string references ("str": a u, 0 for none, else 1 + an
 * index into the string table). Records of STRS, MODS, LOCS, SITE and THRD are each preceded
 * by their length (u), so a later minor version can append fields to them. */

/* Limits a reader enforces (a writer never exceeds them). */
#define MLS_MAX_DEPTH  256  /* locations (return addresses) per stack */
#define MLS_MAX_FRAMES 1024 /* symbolized frames per stack (inlined frames included) */
#define MLS_MAX_ARGS   65536

#endif
