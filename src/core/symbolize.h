/* Symbolize instruction addresses of another (possibly dead) process offline, through elfutils libdwfl. */
#ifndef MEMLENS_CORE_SYMBOLIZE_H
#define MEMLENS_CORE_SYMBOLIZE_H

#include <stddef.h>
#include <stdint.h>

/* One module (executable or shared object) as the target had it mapped. */
struct sym_module {
	const char *path;    /* absolute path as the target saw it ("" or NULL: skip) */
	uint64_t base;       /* load bias: runtime address = base + ELF virtual address (dl_iterate_phdr's dlpi_addr) */
	uint64_t start, end; /* runtime address range covered by its PT_LOAD segments */
	const uint8_t *build_id; /* may be NULL */
	size_t build_id_len;
};

/* One source-level frame. The strings belong to the symbolizer: they stay valid, and equal
 * strings are the same pointer, until symbolizer_free(). */
struct sym_frame {
	const char *function; /* NULL when unknown; DWARF name (C++/Rust: mangled linkage name) or ELF symbol */
	const char *file;     /* NULL when unknown */
	int line;             /* 0 when unknown */
	int inlined;          /* 1 when this frame was inlined into the next (outer) one */
	const char *module;   /* path of the module (as the target saw it) or NULL */
	uint64_t offset;      /* address - module base, or the address itself when no module */
	uint64_t address;     /* the address as given */
};

/* Frames kept per address; deeper inline chains lose their outermost frames. */
#define SYMBOLIZE_MAX_FRAMES 64

/* Not thread-safe: one thread at a time per symbolizer. */
struct symbolizer;

/* root_prefix (e.g. "/proc/1234/root", or NULL) is prepended to module paths so a target in
 * another mount namespace symbolizes; the plain path is the fallback. Debug info is looked up
 * beside the files and under .build-id in /usr/lib/debug (and root_prefix/usr/lib/debug),
 * never through debuginfod: this unsets DEBUGINFOD_URLS in the calling process, so create
 * the first symbolizer before starting threads (and after spawning a target that should keep
 * that variable). Never writes to stdout/stderr; allocation failure is fatal (xmalloc). */
struct symbolizer *symbolizer_new(const char *root_prefix);

/* Modules may be added at any time (a target dlopens more); adding the same path+base twice
 * is a no-op returning 0. Returns 0 when the module's symbols are usable, -EINVAL for a NULL
 * module or an empty range (nothing registered), or a negative errno when its file cannot be
 * used (missing, unreadable, not ELF, or -ESTALE: build-id differs from the loaded one): the
 * module is then still registered, its addresses resolve to module+offset frames, and
 * symbolizer_last_error() says why. */
int symbolizer_add_module(struct symbolizer *s, const struct sym_module *m);

/* Resolve one address into up to max frames, innermost (inlined callee) first, outermost last
 * (when the chain is longer than max, its outermost frames are left out).
 * is_return_address: the address is a return address (every frame but the interrupted pc of
 * a signal frame); the call instruction before it is looked up instead.
 * Returns the number of frames written (>= 1 always when max >= 1: an unknown address still
 * yields one frame). Each distinct (address, is_return_address) is resolved once, then cached. */
int symbolizer_resolve(struct symbolizer *s, uint64_t address, int is_return_address, struct sym_frame *out, int max);

/* How many added modules had no usable file (see symbolizer_add_module). */
int symbolizer_failed_modules(const struct symbolizer *s);

/* Why the most recent module failed ("path: reason"), or NULL if none has; valid until the
 * next symbolizer_add_module() or symbolizer_free(). */
const char *symbolizer_last_error(const struct symbolizer *s);

void symbolizer_free(struct symbolizer *s);

#endif
