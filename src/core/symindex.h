/* symindex.h — address-to-function indexes for the symbolizer: sorted ELF symbol tables and per-CU DWARF function
 * tables. */
#ifndef MEMLENS_CORE_SYMINDEX_H
#define MEMLENS_CORE_SYMINDEX_H

#include <stddef.h>
#include <stdint.h>

#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>

/* An address range in a table sorted by spans_sort(); the first member of its element.
 * Ranges may overlap: assemblers emit one DIE per alias (memcpy and memmove share code),
 * and ELF tables hold aliases. */
struct span {
	uint64_t low, high;
	uint64_t max_high; /* highest `high` of this and every earlier span once sorted */
	uint32_t rank;     /* among spans starting together, lower is preferred */
	uint32_t order;    /* then the first in the source table */
};

/* A function symbol at its runtime address; `name` points into the module's string table. */
struct elfsym {
	struct span span;
	const char *name;
};

/* A module's function symbols sorted by address: dwfl_module_addrinfo scans the whole
 * table on every call (~0.3 ms per address in libc). */
struct symtab {
	struct elfsym *syms;
	size_t n;
};

/* One address range of a concrete function of a compilation unit. */
struct fn_range {
	struct span span;
	Dwarf_Die die;
};

/* A CU's functions sorted by address. dwarf_getscopes walks the whole CU on every lookup
 * (~100 us per address in libc); this walks it once. */
struct cu_index {
	const void *key; /* the CU DIE's position in the loaded debug data; NULL: empty slot */
	struct fn_range *fns;
	size_t n, cap;
};

struct cu_table {
	struct cu_index *slots;
	size_t cap, count;
};

/* A module's function symbols (.symtab, else .dynsym), sorted; NULL-free. */
struct symtab *symindex_symtab_new(Dwfl_Module *dm);
void symindex_symtab_free(struct symtab *t);
/* The innermost symbol holding pc, or NULL. */
struct elfsym *symindex_symtab_find(struct symtab *t, uint64_t pc);

/* The function DIEs (subprogram, inlined instances) around pc in cu, outermost first,
 * at most max (the innermost are kept); each CU is indexed once, in t. */
int symindex_scopes(struct cu_table *t, Dwarf_Die *cu, Dwarf_Addr pc, Dwarf_Die *chain, int max);
void symindex_cus_done(struct cu_table *t);

#endif
