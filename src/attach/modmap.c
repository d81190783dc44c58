/* modmap.c — list a running process's ELF modules (path, load bias, range, build id) from /proc and its memory. */
#include "config.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "attach/modmap.h"

#define MAX_PHDRS 64

static int read_exact(int mem, uint64_t addr, void *buf, size_t len)
{
	return pread(mem, buf, len, (off_t)addr) == (ssize_t)len ? 0 : -1;
}

/* The GNU build id from the PT_NOTE segments, read in the target's memory. */
static size_t read_build_id(int mem, uint64_t bias, const Elf64_Phdr *ph, int n, uint8_t *out, size_t cap)
{
	for (int i = 0; i < n; i++) {
		if (ph[i].p_type != PT_NOTE || ph[i].p_memsz > 4096)
			continue;
		uint8_t buf[4096];
		size_t len = ph[i].p_memsz;
		if (read_exact(mem, bias + ph[i].p_vaddr, buf, len) != 0)
			continue;
		size_t off = 0;
		while (off + sizeof(Elf64_Nhdr) <= len) {
			Elf64_Nhdr nh;
			memcpy(&nh, buf + off, sizeof nh);
			size_t name = off + sizeof nh, desc = name + ((nh.n_namesz + 3) & ~3u);
			if (desc + nh.n_descsz > len)
				break;
			if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 && memcmp(buf + name, "GNU", 4) == 0) {
				size_t k = nh.n_descsz < cap ? nh.n_descsz : cap;
				memcpy(out, buf + desc, k);
				return k;
			}
			off = desc + ((nh.n_descsz + 3) & ~3u);
		}
	}
	return 0;
}

/* Describe the ELF image whose first page is mapped at `start`; 0 when it is one. */
static int describe(int mem, uint64_t start, struct sym_module *m, uint8_t *build_id)
{
	Elf64_Ehdr eh;
	if (read_exact(mem, start, &eh, sizeof eh) != 0 || memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum == 0 ||
	    eh.e_phnum > MAX_PHDRS)
		return -1;
	Elf64_Phdr ph[MAX_PHDRS];
	if (read_exact(mem, start + eh.e_phoff, ph, eh.e_phnum * sizeof *ph) != 0)
		return -1;
	uint64_t lo = UINT64_MAX, hi = 0, first_vaddr = UINT64_MAX;
	for (int i = 0; i < eh.e_phnum; i++) {
		if (ph[i].p_type != PT_LOAD)
			continue;
		if (ph[i].p_offset < 4096 && first_vaddr == UINT64_MAX)
			first_vaddr = ph[i].p_vaddr - ph[i].p_offset; /* the segment mapping file offset 0 */
		if (ph[i].p_vaddr < lo)
			lo = ph[i].p_vaddr;
		if (ph[i].p_vaddr + ph[i].p_memsz > hi)
			hi = ph[i].p_vaddr + ph[i].p_memsz;
	}
	if (first_vaddr == UINT64_MAX || hi <= lo)
		return -1;
	m->base = start - first_vaddr;
	m->start = m->base + lo;
	m->end = m->base + hi;
	m->build_id_len = read_build_id(mem, m->base, ph, eh.e_phnum, build_id, 20);
	m->build_id = m->build_id_len ? build_id : NULL;
	return 0;
}

/* "start-end perms offset dev inode   path": the path of a file mapping at offset 0, else NULL. */
static char *offset0_path(char *line, uint64_t *start)
{
	uint64_t end, offset;
	int path_at = 0;
	char perms[8];
	if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %7s %" SCNx64 " %*s %*s %n", start, &end, perms, &offset, &path_at) <
	            4 ||
	    !path_at || offset != 0)
		return NULL;
	char *path = line + path_at;
	path[strcspn(path, "\n")] = '\0';
	if (path[0] != '/')
		return NULL; /* anonymous, [heap], [stack], [vdso], [vvar] */
	char *deleted = strstr(path, " (deleted)");
	if (deleted && deleted[10] == '\0')
		*deleted = '\0';
	return path;
}

int modmap_read(pid_t pid, void (*fn)(const struct sym_module *m, void *arg), void *arg)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/maps", (int)pid);
	FILE *maps = fopen(path, "re");
	if (!maps)
		return -errno;
	snprintf(path, sizeof path, "/proc/%d/mem", (int)pid);
	int mem = open(path, O_RDONLY | O_CLOEXEC);
	if (mem < 0) {
		int e = errno;
		fclose(maps);
		return -e;
	}
	char line[PATH_MAX + 128], last[PATH_MAX] = "";
	int count = 0;
	while (fgets(line, sizeof line, maps)) {
		uint64_t start;
		char *file = offset0_path(line, &start);
		if (!file || strcmp(file, last) == 0)
			continue; /* the same file mapped again at offset 0 right after: its data segment */
		uint8_t build_id[20];
		struct sym_module m = {.path = file};
		if (describe(mem, start, &m, build_id) != 0)
			continue;
		snprintf(last, sizeof last, "%s", file);
		fn(&m, arg);
		count++;
	}
	close(mem);
	fclose(maps);
	return count;
}
