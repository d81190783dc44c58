/* elfsym.c — read an ELF file's defined dynamic symbols, with every offset bounded by the file. */
#include "config.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "attach/elfsym.h"
#include "core/util.h"

/* [off, off + n * size) lies inside a file of len bytes */
static int inside(uint64_t len, uint64_t off, uint64_t n, uint64_t size)
{
	return off <= len && size && n <= (len - off) / size;
}

static int cmp_value(const void *a, const void *b)
{
	const struct elfsym *x = a, *y = b;
	return x->value < y->value ? -1 : x->value > y->value;
}

static int read_dynsym(const uint8_t *f, uint64_t len, struct elfsyms *out)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)f;
	if (len < sizeof *eh || memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_shentsize != sizeof(Elf64_Shdr) || !inside(len, eh->e_shoff, eh->e_shnum, sizeof(Elf64_Shdr)))
		return -ENOEXEC;
	const Elf64_Shdr *sh = (const Elf64_Shdr *)(f + eh->e_shoff);
	for (int i = 0; i < eh->e_shnum; i++) {
		if (sh[i].sh_type != SHT_DYNSYM || sh[i].sh_link >= eh->e_shnum)
			continue;
		const Elf64_Shdr *str = &sh[sh[i].sh_link];
		uint64_t nsym = sh[i].sh_size / sizeof(Elf64_Sym);
		if (!inside(len, sh[i].sh_offset, nsym, sizeof(Elf64_Sym)) ||
		    !inside(len, str->sh_offset, str->sh_size, 1))
			return -ENOEXEC;
		const Elf64_Sym *sym = (const Elf64_Sym *)(f + sh[i].sh_offset);
		const char *strtab = (const char *)(f + str->sh_offset);
		out->names = xmalloc(str->sh_size + 1);
		memcpy(out->names, strtab, str->sh_size);
		out->names[str->sh_size] = '\0';
		out->v = xmalloc((nsym ? nsym : 1) * sizeof *out->v);
		for (uint64_t k = 0; k < nsym; k++) {
			int type = ELF64_ST_TYPE(sym[k].st_info);
			if (sym[k].st_shndx == SHN_UNDEF || sym[k].st_name >= str->sh_size ||
			    (type != STT_FUNC && type != STT_GNU_IFUNC && type != STT_OBJECT))
				continue;
			out->v[out->n++] =
			        (struct elfsym){out->names + sym[k].st_name, sym[k].st_value, sym[k].st_size};
		}
		qsort(out->v, out->n, sizeof *out->v, cmp_value);
		return 0;
	}
	return -ENOEXEC;
}

int elfsyms_load(const char *path, struct elfsyms *out)
{
	memset(out, 0, sizeof *out);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct stat st;
	if (fstat(fd, &st) != 0 || st.st_size < (off_t)sizeof(Elf64_Ehdr)) {
		close(fd);
		return -ENOEXEC;
	}
	void *f = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (f == MAP_FAILED)
		return -errno;
	int r = read_dynsym(f, (uint64_t)st.st_size, out);
	munmap(f, (size_t)st.st_size);
	if (r)
		elfsyms_free(out);
	return r;
}

void elfsyms_free(struct elfsyms *s)
{
	free(s->v);
	free(s->names);
	memset(s, 0, sizeof *s);
}

const struct elfsym *elfsyms_find(const struct elfsyms *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i].name, name) == 0)
			return &s->v[i];
	return NULL;
}

const struct elfsym *elfsyms_covering(const struct elfsyms *s, uint64_t addr)
{
	size_t lo = 0, hi = s->n;
	while (lo < hi) { /* first symbol above addr */
		size_t mid = (lo + hi) / 2;
		if (s->v[mid].value <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* symbols can nest or share an address (aliases): look back a few */
	for (size_t i = lo, k = 0; i-- > 0 && k < 16; k++)
		if (addr < s->v[i].value + s->v[i].size)
			return &s->v[i];
	return NULL;
}
