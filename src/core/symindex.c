/* symindex.c — find the function around an address fast: sorted ELF symbol tables, per-CU DWARF function tables. */
#include "config.h"

#include <dwarf.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/symindex.h"
#include "core/util.h"

/* ---- sorted span tables ---------------------------------------------------------------- */

static struct span *span_at(void *base, size_t stride, size_t i)
{
	return (struct span *)((char *)base + i * stride);
}

/* By start; among equal starts the preferred one last, where spans_find meets it first. */
static int span_cmp(const void *a, const void *b)
{
	const struct span *x = a, *y = b;

	if (x->low != y->low)
		return x->low < y->low ? -1 : 1;
	if (x->rank != y->rank)
		return x->rank > y->rank ? -1 : 1;
	return x->order > y->order ? -1 : 1;
}

static void spans_sort(void *base, size_t n, size_t stride)
{
	qsort(base, n, stride, span_cmp);
}

/* Call once the highs are final. */
static void spans_index(void *base, size_t n, size_t stride)
{
	uint64_t max_high = 0;

	for (size_t i = 0; i < n; i++) {
		struct span *sp = span_at(base, stride, i);
		max_high = sp->high > max_high ? sp->high : max_high;
		sp->max_high = max_high;
	}
}

/* The innermost span holding pc, or NULL: walk back from the last span starting at or below
 * pc until no earlier span reaches pc (one step unless spans overlap). */
static void *spans_find(void *base, size_t n, size_t stride, uint64_t pc)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (span_at(base, stride, mid)->low <= pc)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; i-- > 0 && span_at(base, stride, i)->max_high > pc;)
		if (pc < span_at(base, stride, i)->high)
			return span_at(base, stride, i);
	return NULL;
}

/* ---- DWARF function index --------------------------------------------------------------- */

static void cu_index_add(struct cu_index *ix, Dwarf_Die *die)
{
	Dwarf_Addr base, low, high;
	ptrdiff_t off = 0;

	while ((off = dwarf_ranges(die, off, &base, &low, &high)) > 0) {
		if (ix->n == ix->cap) {
			ix->cap = ix->cap ? ix->cap * 2 : 64;
			ix->fns = xrealloc(ix->fns, ix->cap * sizeof *ix->fns);
		}
		ix->fns[ix->n] = (struct fn_range){
		        .span = {.low = low, .high = high, .order = (uint32_t)ix->n},
		        .die = *die,
		};
		ix->n++;
	}
}

/* Concrete functions sit at CU level or inside namespaces/classes (C++); nested functions
 * are found later, by descending from their parent. */
static void cu_index_scan(struct cu_index *ix, Dwarf_Die *parent)
{
	Dwarf_Die child;

	if (dwarf_child(parent, &child) != 0)
		return;
	do {
		switch (dwarf_tag(&child)) {
		case DW_TAG_subprogram: cu_index_add(ix, &child); break;
		case DW_TAG_namespace:
		case DW_TAG_module:
		case DW_TAG_class_type:
		case DW_TAG_structure_type:
		case DW_TAG_union_type: cu_index_scan(ix, &child); break;
		}
	} while (dwarf_siblingof(&child, &child) == 0);
}

static struct cu_index *cu_table_slot(struct cu_index *slots, size_t cap, const void *key)
{
	size_t i = (size_t)(((uintptr_t)key * 0x9E3779B97F4A7C15ULL) >> 32) & (cap - 1);

	while (slots[i].key != NULL && slots[i].key != key)
		i = (i + 1) & (cap - 1);
	return &slots[i];
}

static void cu_table_grow(struct cu_table *t)
{
	size_t cap = t->cap ? t->cap * 2 : 256;
	struct cu_index *slots = xcalloc(cap, sizeof *slots);

	for (size_t i = 0; i < t->cap; i++)
		if (t->slots[i].key != NULL)
			*cu_table_slot(slots, cap, t->slots[i].key) = t->slots[i];
	free(t->slots);
	t->slots = slots;
	t->cap = cap;
}

/* The index of cu, built on first use. */
static struct cu_index *cu_table_get(struct cu_table *t, Dwarf_Die *cu)
{
	if ((t->count + 1) * 2 > t->cap)
		cu_table_grow(t);
	struct cu_index *ix = cu_table_slot(t->slots, t->cap, cu->addr);
	if (ix->key == NULL) {
		ix->key = cu->addr;
		cu_index_scan(ix, cu);
		spans_sort(ix->fns, ix->n, sizeof *ix->fns);
		spans_index(ix->fns, ix->n, sizeof *ix->fns);
		t->count++;
	}
	return ix;
}

void symindex_cus_done(struct cu_table *t)
{
	for (size_t i = 0; i < t->cap; i++)
		free(t->slots[i].fns);
	free(t->slots);
}

/* The child of parent whose code holds pc, among the DIEs that can own code. */
static bool die_child_at(Dwarf_Die *parent, Dwarf_Addr pc, Dwarf_Die *child)
{
	if (dwarf_child(parent, child) != 0)
		return false;
	do {
		switch (dwarf_tag(child)) {
		case DW_TAG_subprogram:
		case DW_TAG_inlined_subroutine:
		case DW_TAG_lexical_block:
		case DW_TAG_try_block:
		case DW_TAG_catch_block:
			if (dwarf_haspc(child, pc) > 0)
				return true;
		}
	} while (dwarf_siblingof(child, child) == 0);
	return false;
}

/* The function DIEs (subprogram, inlined instances) around pc, outermost first; the tree is
 * the call chain, unlike dwarf_getscopes' lexical view that jumps to abstract origins. */
int symindex_scopes(struct cu_table *t, Dwarf_Die *cu, Dwarf_Addr pc, Dwarf_Die *chain, int max)
{
	struct cu_index *ix = cu_table_get(t, cu);
	const struct fn_range *fn = spans_find(ix->fns, ix->n, sizeof *ix->fns, pc);
	Dwarf_Die die, child;
	int n = 0;

	if (fn == NULL)
		return 0;
	die = chain[n++] = fn->die;
	while (die_child_at(&die, pc, &child)) {
		int tag = dwarf_tag(&child);
		die = child;
		if (tag != DW_TAG_inlined_subroutine && tag != DW_TAG_subprogram)
			continue;
		if (n == max) { /* keep the innermost */
			memmove(chain, chain + 1, (n - 1) * sizeof *chain);
			n--;
		}
		chain[n++] = die;
	}
	return n;
}

/* ---- ELF symbol tables ------------------------------------------------------------------ */

static void symtab_add(struct symtab *t, Dwfl_Module *dm, int i)
{
	GElf_Sym sym;
	GElf_Addr addr;
	GElf_Word shndx;
	Elf *elf;
	Dwarf_Addr bias;
	const char *name = dwfl_module_getsym_info(dm, i, &sym, &addr, &shndx, &elf, &bias);

	if (name == NULL || name[0] == '\0' || shndx == SHN_UNDEF)
		return;
	/* Code addresses only: a data symbol's name would mislead (and section markers). */
	int type = GELF_ST_TYPE(sym.st_info), bind = GELF_ST_BIND(sym.st_info);
	if (type != STT_FUNC && type != STT_GNU_IFUNC)
		return;
	t->syms[t->n] = (struct elfsym){
	        .span = {.low = addr,
	                 .high = addr + sym.st_size,
	                 .order = (uint32_t)t->n,
	                 .rank = bind == STB_GLOBAL ? 0
	                         : bind == STB_WEAK ? 1
	                                            : 2},
	        .name = name,
	};
	t->n++;
}

/* Sizeless symbols (hand-written assembly) reach to the next symbol, as in libdwfl. */
static void symtab_fill_sizes(struct symtab *t)
{
	for (size_t i = 0; i < t->n; i++) {
		struct span *sp = &t->syms[i].span;
		size_t next = i + 1;
		if (sp->high > sp->low)
			continue;
		while (next < t->n && t->syms[next].span.low == sp->low)
			next++;
		sp->high = next < t->n ? t->syms[next].span.low : sp->low + 1;
	}
}

struct symtab *symindex_symtab_new(Dwfl_Module *dm)
{
	struct symtab *t = xcalloc(1, sizeof *t);
	int count = dwfl_module_getsymtab(dm);

	if (count <= 1)
		return t;
	t->syms = xmalloc((size_t)count * sizeof *t->syms);
	for (int i = 1; i < count; i++) /* 0 is the null symbol */
		symtab_add(t, dm, i);
	spans_sort(t->syms, t->n, sizeof *t->syms);
	symtab_fill_sizes(t);
	spans_index(t->syms, t->n, sizeof *t->syms);
	return t;
}

void symindex_symtab_free(struct symtab *t)
{
	if (t != NULL)
		free(t->syms);
	free(t);
}

struct elfsym *symindex_symtab_find(struct symtab *t, uint64_t pc)
{
	return spans_find(t->syms, t->n, sizeof *t->syms, pc);
}
