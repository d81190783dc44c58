/* elfsym.h — the defined dynamic symbols (.dynsym) of an ELF file: where a function of another process lives. */
#ifndef MEMLENS_ATTACH_ELFSYM_H
#define MEMLENS_ATTACH_ELFSYM_H

#include <stddef.h>
#include <stdint.h>

struct elfsym {
	const char *name;     /* owned by the table */
	uint64_t value, size; /* link-time address (add the load bias) and size */
};

struct elfsyms {
	struct elfsym *v; /* sorted by value */
	size_t n;
	char *names;
};

/* Read the defined function and object symbols of path's .dynsym. 0 or -errno (-ENOEXEC:
 * not a 64-bit ELF file, or no .dynsym). Every offset in the file is checked. */
int elfsyms_load(const char *path, struct elfsyms *out);
void elfsyms_free(struct elfsyms *s);
/* The symbol of that name (the first of several versions), or NULL. */
const struct elfsym *elfsyms_find(const struct elfsyms *s, const char *name);
/* The symbol whose [value, value + size) holds addr, or NULL. */
const struct elfsym *elfsyms_covering(const struct elfsyms *s, uint64_t addr);

#endif
