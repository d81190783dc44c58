/* Unit test for core/symbolize: this process symbolizes its own addresses from its module map. */
#include "config.h"

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <limits.h>
#include <link.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/symbolize.h"
#include "check.h"

#define TEST_MAX_MODULES 256
#define TEST_SKIP        77

/* Spare low ranges for made-up modules: the loader maps programs and libraries far higher. */
#define BOGUS_BASE 0x10000u
#define BOGUS_PATH "/nonexistent/memlens-test/libbogus.so"

struct test_map {
	struct sym_module mods[TEST_MAX_MODULES];
	char paths[TEST_MAX_MODULES][PATH_MAX];
	int n;
};

/* Lines the symbolizer must report, recorded next to the calls they describe. */
static int caller_line, inline_body_line, inline_call_line;
static uintptr_t libc_return;

/* ---- code to symbolize ------------------------------------------------------------------ */

static __attribute__((noipa)) uintptr_t test_return_address(void)
{
	return (uintptr_t)__builtin_return_address(0);
}

static __attribute__((noipa)) uintptr_t test_caller(void)
{
	caller_line = __LINE__ + 1;
	uintptr_t ra = test_return_address();
	__asm__ volatile("" : "+r"(ra)); /* work after the call: no tail jump */
	return ra;
}

static inline __attribute__((always_inline)) uintptr_t test_inlined_body(void)
{
	inline_body_line = __LINE__ + 1;
	uintptr_t ra = test_return_address();
	__asm__ volatile("" : "+r"(ra));
	return ra;
}

static __attribute__((noipa)) uintptr_t test_inline_outer(void)
{
	inline_call_line = __LINE__ + 1;
	uintptr_t ra = test_inlined_body();
	__asm__ volatile("" : "+r"(ra));
	return ra;
}

/* Called by qsort, so its return address lies inside libc. */
static int test_compare(const void *a, const void *b)
{
	libc_return = (uintptr_t)__builtin_return_address(0);
	return *(const int *)a - *(const int *)b;
}

/* ---- module map ------------------------------------------------------------------------- */

static void map_build_id(struct sym_module *m, const ElfW(Phdr) * ph, uintptr_t bias)
{
	const unsigned char *p = (const unsigned char *)(bias + ph->p_vaddr);
	const unsigned char *end = p + ph->p_memsz;
	size_t align = ph->p_align == 8 ? 8 : 4;

	while (p + sizeof(ElfW(Nhdr)) <= end) {
		const ElfW(Nhdr) *note = (const void *)p;
		const unsigned char *name = p + sizeof *note;
		const unsigned char *desc = name + ((note->n_namesz + align - 1) & -align);
		if (note->n_type == NT_GNU_BUILD_ID && note->n_namesz == 4 && memcmp(name, "GNU", 4) == 0) {
			m->build_id = desc;
			m->build_id_len = note->n_descsz;
		}
		p = desc + ((note->n_descsz + align - 1) & -align);
	}
}

static void map_segments(struct sym_module *m, const struct dl_phdr_info *info)
{
	uint64_t lo = UINT64_MAX, hi = 0;

	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type == PT_NOTE)
			map_build_id(m, ph, info->dlpi_addr);
		if (ph->p_type != PT_LOAD)
			continue;
		lo = ph->p_vaddr < lo ? ph->p_vaddr : lo;
		hi = ph->p_vaddr + ph->p_memsz > hi ? ph->p_vaddr + ph->p_memsz : hi;
	}
	m->base = info->dlpi_addr;
	m->start = info->dlpi_addr + lo;
	m->end = info->dlpi_addr + hi;
}

/* The first object is the program (empty name); the vDSO has no file and is left out. */
static int map_add(struct dl_phdr_info *info, size_t size, void *data)
{
	struct test_map *map = data;
	char *path = map->paths[map->n];

	(void)size;
	if (map->n == TEST_MAX_MODULES)
		return 1;
	if (info->dlpi_name[0] == '\0' && map->n == 0) {
		ssize_t len = readlink("/proc/self/exe", path, PATH_MAX - 1);
		if (len < 0)
			return 1;
		path[len] = '\0';
	} else if (info->dlpi_name[0] == '/') {
		snprintf(path, PATH_MAX, "%s", info->dlpi_name);
	} else {
		return 0;
	}
	map->mods[map->n] = (struct sym_module){.path = path};
	map_segments(&map->mods[map->n++], info);
	return 0;
}

static struct symbolizer *symbolizer_for(const struct test_map *map, const char *root)
{
	struct symbolizer *s = symbolizer_new(root);

	for (int i = 0; i < map->n; i++)
		symbolizer_add_module(s, &map->mods[i]);
	return s;
}

/* ---- checks ----------------------------------------------------------------------------- */

static void dump(const struct sym_frame *f, int n)
{
	for (int i = 0; i < n; i++)
		printf("#   [%d] %s %s:%d%s  %s+0x%llx\n", i, f[i].function ? f[i].function : "??",
		       f[i].file ? f[i].file : "??", f[i].line, f[i].inlined ? " (inlined)" : "",
		       f[i].module ? f[i].module : "??", (unsigned long long)f[i].offset);
}

static bool same_str(const char *a, const char *b)
{
	return a != NULL && b != NULL && strcmp(a, b) == 0;
}

static bool is_this_file(const char *file)
{
	const char *base = strrchr(__FILE__, '/');

	base = base ? base + 1 : __FILE__;
	return file != NULL && strlen(file) >= strlen(base) && strcmp(file + strlen(file) - strlen(base), base) == 0;
}

static void check_call_line(struct symbolizer *s)
{
	struct sym_frame f[8];
	uintptr_t ra = test_caller();
	int n = symbolizer_resolve(s, ra, 1, f, 8);

	check(n == 1 && same_str(f[0].function, "test_caller") && is_this_file(f[0].file) && f[0].line == caller_line &&
	              !f[0].inlined && f[0].address == ra,
	      "return address resolves to its caller and the line of the call");
	dump(f, n);
}

static void check_inlined(struct symbolizer *s)
{
	struct sym_frame f[8];
	uintptr_t ra = test_inline_outer();
	int n = symbolizer_resolve(s, ra, 1, f, 8);

	check(n >= 2 && f[0].inlined && same_str(f[0].function, "test_inlined_body") && f[0].line == inline_body_line &&
	              is_this_file(f[0].file) && !f[n - 1].inlined &&
	              same_str(f[n - 1].function, "test_inline_outer") && f[n - 1].line == inline_call_line &&
	              is_this_file(f[n - 1].file),
	      "inlined call yields the inlined frame and its caller at the call line");
	dump(f, n);
}

/* Without libc's debug info the return address may sit in a static function (no name), but
 * qsort itself is always in .dynsym. Asked of libc's handle, not RTLD_DEFAULT, because
 * sanitizers interpose qsort. */
static void check_libc(struct symbolizer *s)
{
	struct sym_frame f[8], g[8];
	int v[] = {3, 1, 2};
	void *libc = dlopen("libc.so.6", RTLD_LAZY | RTLD_NOLOAD);

	qsort(v, 3, sizeof v[0], test_compare);
	int n = symbolizer_resolve(s, libc_return, 1, f, 8);
	int m = symbolizer_resolve(s, libc ? (uintptr_t)dlsym(libc, "qsort") : 0, 0, g, 8);
	if (libc != NULL)
		dlclose(libc);
	check(n >= 1 && f[n - 1].module && strstr(f[n - 1].module, "libc") && m >= 1 &&
	              g[m - 1].module == f[n - 1].module && same_str(g[m - 1].function, "qsort"),
	      "addresses in libc resolve to libc and a function name");
	dump(f, n);
	dump(g, m);
}

static void check_no_module(struct symbolizer *s)
{
	struct sym_frame f[8];
	int n = symbolizer_resolve(s, 0x100, 0, f, 8);

	check(n == 1 && f[0].function == NULL && f[0].module == NULL && f[0].file == NULL && f[0].line == 0 &&
	              f[0].offset == 0x100,
	      "address in no module has no function and no module");
}

/* Also resolves an address before its module is added: the cached "no module" must go. */
static void check_missing_file(struct symbolizer *s)
{
	struct sym_module bogus = {
	        .path = BOGUS_PATH, .base = BOGUS_BASE, .start = BOGUS_BASE, .end = BOGUS_BASE + 0x10000};
	struct sym_frame before, f[8];
	int failed = symbolizer_failed_modules(s);

	symbolizer_resolve(s, BOGUS_BASE + 0x42, 1, &before, 1);
	int err = symbolizer_add_module(s, &bogus);
	int n = symbolizer_resolve(s, BOGUS_BASE + 0x42, 1, f, 8);
	const char *why = symbolizer_last_error(s);
	check(before.module == NULL && err == -ENOENT && symbolizer_failed_modules(s) == failed + 1 && why &&
	              strstr(why, BOGUS_PATH) && n == 1 && same_str(f[0].module, BOGUS_PATH) && f[0].offset == 0x42 &&
	              f[0].function == NULL && symbolizer_add_module(s, &bogus) == 0,
	      "missing module file degrades to module+offset");
	if (why)
		printf("#   last error: %s\n", why);
}

/* The program's own file at a spare range, claimed to have another build-id: a replaced file. */
static void check_stale_file(struct symbolizer *s, const struct sym_module *program)
{
	static const uint8_t other_id[20] = {0xde, 0xad};
	struct sym_module stale = *program;
	struct sym_frame f[8];

	stale.base = stale.start = 2 * BOGUS_BASE;
	stale.end = stale.start + 0x10000;
	stale.build_id = other_id;
	stale.build_id_len = sizeof other_id;
	int err = symbolizer_add_module(s, &stale);
	int n = symbolizer_resolve(s, stale.start + 0x10, 0, f, 8);
	check(err == -ESTALE && n == 1 && same_str(f[0].module, program->path) && f[0].function == NULL &&
	              f[0].offset == 0x10,
	      "file whose build-id differs from the target's is not trusted");
}

static void check_cached(struct symbolizer *s)
{
	struct sym_frame a[8], b[8];
	uintptr_t ra = test_inline_outer();
	int na = symbolizer_resolve(s, ra, 1, a, 8);
	int nb = symbolizer_resolve(s, ra, 1, b, 8);
	bool same = na == nb && na >= 1;

	for (int i = 0; same && i < na; i++)
		same = a[i].function == b[i].function && a[i].file == b[i].file && a[i].module == b[i].module &&
		       a[i].function != NULL;
	check(same && symbolizer_resolve(s, ra, 1, b, 1) == 1 && b[0].function == a[0].function,
	      "same address twice gives identical pointers (cache)");
}

/* libdw's own debug info is not installed here: names come from its symbol tables. */
static void check_symtab_only(struct symbolizer *s)
{
	struct sym_frame f[8];
	uintptr_t addr = (uintptr_t)dlsym(RTLD_DEFAULT, "dwfl_begin") + 1;
	int n = symbolizer_resolve(s, addr, 0, f, 8);

	check(n >= 1 && f[n - 1].module && strstr(f[n - 1].module, "libdw") &&
	              same_str(f[n - 1].function, "dwfl_begin"),
	      "module without debug info names functions from its ELF symbols");
	dump(f, n);
}

static void check_root_fallback(const struct test_map *map)
{
	struct symbolizer *s = symbolizer_for(map, "/nonexistent-root");
	struct sym_frame f[8];
	int n = symbolizer_resolve(s, test_caller(), 1, f, 8);

	check(n == 1 && same_str(f[0].function, "test_caller") && f[0].line == caller_line &&
	              symbolizer_failed_modules(s) == 0,
	      "unusable root_prefix falls back to the plain path");
	symbolizer_free(s);
}

int main(void)
{
	static struct test_map map;

	dl_iterate_phdr(map_add, &map);
	if (map.n == 0 || map.mods[0].end == 0) {
		printf("SKIP: cannot read /proc/self/exe to name the program\n");
		return TEST_SKIP;
	}
	setenv("DEBUGINFOD_URLS", "http://127.0.0.1:9", 1); /* discard port: must never be used */
	struct symbolizer *s = symbolizer_for(&map, NULL);
	if (symbolizer_failed_modules(s) != 0)
		printf("# module failed: %s\n", symbolizer_last_error(s));
	check_call_line(s);
	check_inlined(s);
	check_libc(s);
	check_no_module(s);
	check_missing_file(s);
	check_cached(s);
	check_root_fallback(&map);
	check(symbolizer_failed_modules(s) == 1, "every module of this process loads, with a matching build-id");
	check_symtab_only(s);
	check(getenv("DEBUGINFOD_URLS") == NULL, "debuginfod is off");
	check_stale_file(s, &map.mods[0]);
	symbolizer_free(s);
	return check_done();
}
