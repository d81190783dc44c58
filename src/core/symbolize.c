/* Symbolize instruction addresses of another (possibly dead) process offline, through elfutils libdwfl. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwelf.h>
#include <elfutils/libdwfl.h>

#include "core/symbolize.h"
#include "core/symcache.h"
#include "core/symindex.h"
#include "core/util.h"

/* Owned, deduplicated strings: an open-addressing hash set. */
struct strset {
	char **slots;
	size_t cap, count;
};

/* A registered module; `path` is interned. */
struct modentry {
	const char *path;
	uint64_t base, start, end;
	Dwfl_Module *dwmod;    /* NULL when its file was unusable */
	struct symtab *symtab; /* built on first use */
	char *cache_path;      /* its symbol cache file (symcache.c), NULL without one */
	bool cache_loaded;
	struct pending *pending; /* addresses resolved here, to append to the cache file */
	size_t npending, cappending;
};

struct pending {
	uint64_t address;
	bool is_return;
};

/* A resolved address; frames == NULL marks an empty slot. */
struct cache_entry {
	uint64_t address;
	struct sym_frame *frames;
	int nframes;
	bool is_return;
};

struct cache {
	struct cache_entry *slots;
	size_t cap, count;
	size_t unknown; /* entries resolved outside every module, see cache_forget_unknown */
};

struct symbolizer {
	Dwfl *dwfl;
	Dwfl_Callbacks callbacks; /* libdwfl keeps a pointer to it */
	char *debuginfo_path;     /* and to this string, through callbacks.debuginfo_path */
	char *root_prefix;
	bool reporting;        /* a dwfl_report_begin_add session is open */
	struct modentry *mods; /* sorted by start */
	size_t nmods, capmods;
	struct cache cache;
	struct cu_table cus;
	struct strset strings;
	int failed_modules;
	char error[512];      /* why the current report attempt failed */
	char last_error[512]; /* copied from error once a whole module has failed */
};

/* ---- strings ---------------------------------------------------------------------------- */

static uint64_t hash_string(const char *str)
{
	uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a */

	for (; *str != '\0'; str++)
		h = (h ^ (unsigned char)*str) * 0x100000001b3ULL;
	return h;
}

static char **strset_slot(char **slots, size_t cap, const char *str)
{
	size_t i = hash_string(str) & (cap - 1);

	while (slots[i] != NULL && strcmp(slots[i], str) != 0)
		i = (i + 1) & (cap - 1);
	return &slots[i];
}

static void strset_grow(struct strset *set)
{
	size_t cap = set->cap ? set->cap * 2 : 256;
	char **slots = xcalloc(cap, sizeof *slots);

	for (size_t i = 0; i < set->cap; i++)
		if (set->slots[i] != NULL)
			*strset_slot(slots, cap, set->slots[i]) = set->slots[i];
	free(set->slots);
	set->slots = slots;
	set->cap = cap;
}

/* The owned copy of str (NULL stays NULL). */
static const char *strset_intern(struct strset *set, const char *str)
{
	if (str == NULL)
		return NULL;
	if ((set->count + 1) * 2 > set->cap)
		strset_grow(set);
	char **slot = strset_slot(set->slots, set->cap, str);
	if (*slot == NULL) {
		*slot = xstrdup(str);
		set->count++;
	}
	return *slot;
}

static void strset_done(struct strset *set)
{
	for (size_t i = 0; i < set->cap; i++)
		free(set->slots[i]);
	free(set->slots);
}

/* ---- module table ----------------------------------------------------------------------- */

/* Index of the first module whose start is > addr. */
static size_t modtab_upper(const struct symbolizer *s, uint64_t addr)
{
	size_t lo = 0, hi = s->nmods;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (s->mods[mid].start <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Modules of a live process never overlap, so only the nearest one below addr can hold it. */
static struct modentry *modtab_find(const struct symbolizer *s, uint64_t addr)
{
	size_t i = modtab_upper(s, addr);

	if (i == 0 || addr >= s->mods[i - 1].end)
		return NULL;
	return &s->mods[i - 1];
}

static bool modtab_contains(const struct symbolizer *s, const char *path, uint64_t base)
{
	for (size_t i = 0; i < s->nmods; i++)
		if (s->mods[i].base == base && strcmp(s->mods[i].path, path) == 0)
			return true;
	return false;
}

/* The module's symbol cache file, keyed by its build id and by whether a
 * separate debug file is installed for it (under the target's root or ours). */
static char *module_cache_path(const struct symbolizer *s, const struct sym_module *m)
{
	if (m->build_id == NULL || m->build_id_len < 2)
		return NULL;
	char rel[256], debug[PATH_MAX + 256], path[PATH_MAX];
	int o = snprintf(rel, sizeof rel, "/usr/lib/debug/.build-id/%02x/", m->build_id[0]);
	for (size_t i = 1; i < m->build_id_len && o < (int)sizeof rel - 8; i++)
		o += snprintf(rel + o, sizeof rel - (size_t)o, "%02x", m->build_id[i]);
	snprintf(rel + o, sizeof rel - (size_t)o, ".debug");
	snprintf(debug, sizeof debug, "%s%s", s->root_prefix ? s->root_prefix : "", rel);
	int has_debug = access(debug, R_OK) == 0 || access(rel, R_OK) == 0;
	if (symcache_path(m->build_id, m->build_id_len, has_debug, path, sizeof path) != 0)
		return NULL;
	return xstrdup(path);
}

static void modtab_insert(struct symbolizer *s, const struct sym_module *m, Dwfl_Module *dwmod)
{
	if (s->nmods == s->capmods) {
		s->capmods = s->capmods ? s->capmods * 2 : 64;
		s->mods = xrealloc(s->mods, s->capmods * sizeof *s->mods);
	}
	size_t i = modtab_upper(s, m->start);
	memmove(&s->mods[i + 1], &s->mods[i], (s->nmods - i) * sizeof *s->mods);
	s->mods[i] = (struct modentry){
	        .path = strset_intern(&s->strings, m->path),
	        .base = m->base,
	        .start = m->start,
	        .end = m->end,
	        .dwmod = dwmod,
	        .cache_path = module_cache_path(s, m),
	};
	s->nmods++;
}

/* ---- address cache ---------------------------------------------------------------------- */

static size_t hash_u64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	return (size_t)(x ^ (x >> 33));
}

static struct cache_entry *cache_slot(struct cache_entry *slots, size_t cap, uint64_t address, bool is_return)
{
	size_t i = hash_u64(address ^ (is_return ? 0x9e3779b97f4a7c15ULL : 0)) & (cap - 1);

	while (slots[i].frames != NULL && (slots[i].address != address || slots[i].is_return != is_return))
		i = (i + 1) & (cap - 1);
	return &slots[i];
}

static bool cache_entry_unknown(const struct cache_entry *e)
{
	return e->frames[0].module == NULL;
}

/* Rehash into `cap` slots, freeing instead the entries in no module whose looked-up pc lies
 * in [drop_start, drop_end). */
static void cache_rebuild(struct cache *c, size_t cap, uint64_t drop_start, uint64_t drop_end)
{
	struct cache_entry *slots = xcalloc(cap, sizeof *slots);

	c->count = c->unknown = 0;
	for (size_t i = 0; i < c->cap; i++) {
		struct cache_entry *e = &c->slots[i];
		if (e->frames == NULL)
			continue;
		uint64_t pc = e->is_return ? e->address - 1 : e->address;
		if (cache_entry_unknown(e) && pc >= drop_start && pc < drop_end) {
			free(e->frames);
			continue;
		}
		*cache_slot(slots, cap, e->address, e->is_return) = *e;
		c->count++;
		c->unknown += cache_entry_unknown(e);
	}
	free(c->slots);
	c->slots = slots;
	c->cap = cap;
}

/* A module added late covers addresses already cached as "in no module": forget those. */
static void cache_forget_unknown(struct cache *c, uint64_t start, uint64_t end)
{
	if (c->unknown > 0)
		cache_rebuild(c, c->cap, start, end);
}

static struct cache_entry *cache_find(struct cache *c, uint64_t address, bool is_return)
{
	if (c->cap == 0)
		return NULL;
	struct cache_entry *e = cache_slot(c->slots, c->cap, address, is_return);
	return e->frames != NULL ? e : NULL;
}

/* Takes ownership of frames (xmalloc'ed). */
static struct cache_entry *cache_insert(struct cache *c, uint64_t address, bool is_return, struct sym_frame *frames,
                                        int nframes)
{
	if ((c->count + 1) * 2 > c->cap)
		cache_rebuild(c, c->cap ? c->cap * 2 : 1024, 0, 0);
	struct cache_entry *e = cache_slot(c->slots, c->cap, address, is_return);
	*e = (struct cache_entry){address, frames, nframes, is_return};
	c->count++;
	c->unknown += cache_entry_unknown(e);
	return e;
}

static void cache_done(struct cache *c)
{
	for (size_t i = 0; i < c->cap; i++)
		free(c->slots[i].frames);
	free(c->slots);
}

/* ---- reporting modules to libdwfl ------------------------------------------------------- */

static int set_error(struct symbolizer *s, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int set_error(struct symbolizer *s, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->error, sizeof s->error, fmt, ap);
	va_end(ap);
	return err;
}

/* A file replaced since the target loaded it (or, through root_prefix fallback, another
 * namespace's copy) would give confidently wrong names: refuse it when we know the build-id. */
static int check_build_id(struct symbolizer *s, const struct sym_module *m, int fd, const char *file)
{
	if (m->build_id == NULL || m->build_id_len == 0)
		return 0;
	Elf *elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (elf == NULL)
		return set_error(s, -ENOEXEC, "%s: %s", file, elf_errmsg(-1));
	const void *id;
	ssize_t len = dwelf_elf_gnu_build_id(elf, &id);
	bool same = len == (ssize_t)m->build_id_len && memcmp(id, m->build_id, len) == 0;
	elf_end(elf);
	if (!same)
		return set_error(s, -ESTALE, "%s: build-id differs from the one the target loaded", file);
	return 0;
}

/* On success libdwfl owns fd. */
static int report_elf(struct symbolizer *s, const struct sym_module *m, const char *file, int fd, Dwfl_Module **dwmod)
{
	if (!s->reporting) {
		dwfl_report_begin_add(s->dwfl);
		s->reporting = true;
	}
	/* add_p_vaddr: base is the bias added to every p_vaddr, like dlpi_addr. */
	*dwmod = dwfl_report_elf(s->dwfl, m->path, file, fd, m->base, true);
	if (*dwmod == NULL)
		return set_error(s, -ENOEXEC, "%s: %s", file, dwfl_errmsg(-1));
	void **userdata;
	dwfl_module_info(*dwmod, &userdata, NULL, NULL, NULL, NULL, NULL, NULL);
	*userdata = s; /* for find_debuginfo_local */
	return 0;
}

static int report_file(struct symbolizer *s, const struct sym_module *m, const char *file, Dwfl_Module **dwmod)
{
	int fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int err = -errno;
		return set_error(s, err, "%s: %s", file, strerror(-err));
	}
	int err = check_build_id(s, m, fd, file);
	if (err == 0)
		err = report_elf(s, m, file, fd, dwmod);
	if (err != 0)
		close(fd);
	return err;
}

/* The module's file under root_prefix, else as the target named it. */
static int report_module(struct symbolizer *s, const struct sym_module *m, Dwfl_Module **dwmod)
{
	*dwmod = NULL;
	if (s->root_prefix != NULL) {
		size_t len = strlen(s->root_prefix) + strlen(m->path) + 1;
		char *file = xmalloc(len);
		snprintf(file, len, "%s%s", s->root_prefix, m->path);
		int err = report_file(s, m, file, dwmod);
		free(file);
		if (err == 0)
			return 0;
	}
	return report_file(s, m, m->path, dwmod);
}

/* libdwfl may only be queried once the report session is closed; adds are batched until then. */
static void report_flush(struct symbolizer *s)
{
	if (s->reporting) {
		dwfl_report_end(s->dwfl, NULL, NULL);
		s->reporting = false;
	}
}

/* Every module comes with its ELF already open; never search for one (the default
 * dwfl_build_id_find_elf would also ask debuginfod). */
static int find_elf_none(Dwfl_Module *mod, void **userdata, const char *modname, Dwarf_Addr base, char **file_name,
                         Elf **elfp)
{
	(void)mod, (void)userdata, (void)modname, (void)base;
	*file_name = NULL;
	*elfp = NULL;
	return -1;
}

/* 1 when a separate debug file for mod exists locally, by build-id or by debuglink,
 * under one of the search path's roots. */
static int local_debuginfo_exists(Dwfl_Module *mod, const char *file_name, const char *debuglink, const char *search)
{
	const unsigned char *id;
	GElf_Addr vaddr;
	int len = dwfl_module_build_id(mod, &id, &vaddr);
	char dir[PATH_MAX];
	char path[3 * PATH_MAX]; /* room for root + dir + link: no truncated candidate is ever tried */
	snprintf(dir, sizeof dir, "%s", file_name ? file_name : "");
	char *slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	for (const char *p = search; p && *p;) {
		const char *end = strchr(p, ':');
		int n = end ? (int)(end - p) : (int)strlen(p);
		if (n >= PATH_MAX)
			break;
		if (n > 0 && p[0] == '/' && len > 1) {
			int o = snprintf(path, sizeof path, "%.*s/.build-id/%02x/", n, p, id[0]);
			for (int i = 1; i < len && o < (int)sizeof path - 8; i++)
				o += snprintf(path + o, sizeof path - (size_t)o, "%02x", id[i]);
			snprintf(path + o, sizeof path - (size_t)o, ".debug");
			if (access(path, R_OK) == 0)
				return 1;
		}
		if (debuglink) {
			if (n > 0 && p[0] == '/')
				snprintf(path, sizeof path, "%.*s%s/%s", n, p, dir, debuglink);
			else
				snprintf(path, sizeof path, "%s/%.*s%s%s", dir, n, p, n ? "/" : "", debuglink);
			if (access(path, R_OK) == 0)
				return 1;
		}
		p = end ? end + 1 : NULL;
	}
	return 0;
}

/*
 * Separate debug info from local files only. libdwfl 0.188's standard callback,
 * when nothing is found locally, dlopens libdebuginfod (and its ~20 libraries:
 * curl, gnutls, kerberos...) even with no server configured, which costs every
 * run tens of milliseconds; so it is only asked when a local file is there.
 */
static int find_debuginfo_local(Dwfl_Module *mod, void **userdata, const char *modname, GElf_Addr base,
                                const char *file_name, const char *debuglink_file, GElf_Word debuglink_crc,
                                char **debuginfo_file_name)
{
	/* report_elf() left the symbolizer in the module's userdata */
	const struct symbolizer *s = userdata ? *userdata : NULL;
	const char *search = s ? s->debuginfo_path : ":.debug:/usr/lib/debug";
	if (!local_debuginfo_exists(mod, file_name, debuglink_file, search)) {
		*debuginfo_file_name = NULL;
		return -1;
	}
	return dwfl_standard_find_debuginfo(mod, userdata, modname, base, file_name, debuglink_file, debuglink_crc,
	                                    debuginfo_file_name);
}

/* libdwfl 0.188's dwfl_standard_find_debuginfo falls back to debuginfod, which goes to the
 * network when DEBUGINFOD_URLS is set (Debian sets it in /etc/profile.d). */
static void disable_debuginfod(void)
{
	if (getenv("DEBUGINFOD_URLS") != NULL)
		unsetenv("DEBUGINFOD_URLS");
}

/* libdwfl's search list: beside the file, its .debug/, then the debug roots (whose
 * .build-id/ trees are what Debian's -dbg/-dbgsym packages fill); the target's root first. */
static char *debuginfo_path_new(const char *root_prefix)
{
	static const char local[] = ":.debug:/usr/lib/debug";

	if (root_prefix == NULL || strchr(root_prefix, ':') != NULL)
		return xstrdup(local);
	size_t len = sizeof local + strlen(root_prefix) + sizeof ":/usr/lib/debug";
	char *path = xmalloc(len);
	snprintf(path, len, ":.debug:%s/usr/lib/debug:/usr/lib/debug", root_prefix);
	return path;
}

static struct elfsym *modentry_elfsym(struct modentry *m, uint64_t pc)
{
	if (m->symtab == NULL)
		m->symtab = symindex_symtab_new(m->dwmod);
	return symindex_symtab_find(m->symtab, pc);
}

/* ---- resolving -------------------------------------------------------------------------- */

static const char *die_string(Dwarf_Die *die, unsigned int name)
{
	Dwarf_Attribute attr;

	return dwarf_formstring(dwarf_attr_integrate(die, name, &attr));
}

/* Mangled linkage names (C++ "_Z", Rust "_R") match the ELF symbols of non-inlined code, where
 * DW_AT_name is unqualified; other linkage names are asm renames (glibc's "__GI_qsort" for
 * qsort) that users do not know, so the source name wins there. */
static const char *die_function_name(Dwarf_Die *die)
{
	const char *linkage = die_string(die, DW_AT_linkage_name);
	const char *name = die_string(die, DW_AT_name);

	if (linkage == NULL)
		linkage = die_string(die, DW_AT_MIPS_linkage_name);
	if (linkage != NULL && (strncmp(linkage, "_Z", 2) == 0 || strncmp(linkage, "_R", 2) == 0))
		return linkage;
	return name != NULL ? name : linkage;
}

/* Where the inlined instance `die` was called from (its CU's file table names call_file). */
static void die_call_site(Dwarf_Die *die, const char **file, int *line)
{
	Dwarf_Attribute attr;
	Dwarf_Word value;
	Dwarf_Die cu;
	Dwarf_Files *files;
	size_t nfiles;

	*file = NULL;
	*line = 0;
	if (dwarf_formudata(dwarf_attr(die, DW_AT_call_line, &attr), &value) == 0)
		*line = (int)value;
	if (dwarf_formudata(dwarf_attr(die, DW_AT_call_file, &attr), &value) == 0 &&
	    dwarf_diecu(die, &cu, NULL, NULL) != NULL && dwarf_getsrcfiles(&cu, &files, &nfiles) == 0 && value < nfiles)
		*file = dwarf_filesrc(files, value, NULL, NULL);
}

/* libdw joins a DWARF 5 file name with its include directory, but directories other than
 * the first are relative to the compilation directory ("src/x.c"); the TUI wants a path it
 * can open, so anchor those there. A relative comp_dir (Debian's "./stdlib") cannot help. */
static const char *intern_source(struct symbolizer *s, const char *comp_dir, const char *file)
{
	if (file == NULL || file[0] == '/' || comp_dir == NULL || comp_dir[0] != '/')
		return strset_intern(&s->strings, file);
	if (file[0] == '.' && file[1] == '/')
		file += 2;
	size_t len = strlen(comp_dir) + 1 + strlen(file) + 1;
	char *path = xmalloc(len);
	snprintf(path, len, "%s/%s", comp_dir, file);
	const char *interned = strset_intern(&s->strings, path);
	free(path);
	return interned;
}

/* Fills frames from the innermost function scope out to the first real subprogram; each
 * outer frame sits at the call site of the inlined instance inside it. Returns the count. */
/* *row_addr receives the address of the line row used (0 when none). */
static int resolve_dwarf(struct symbolizer *s, Dwfl_Module *dm, uint64_t pc, const struct sym_frame *proto,
                         struct sym_frame *out, Dwarf_Addr *row_addr)
{
	*row_addr = 0;
	Dwarf_Addr bias;
	Dwarf_Die *cu = dwfl_module_addrdie(dm, pc, &bias);
	const char *comp_dir = cu != NULL ? die_string(cu, DW_AT_comp_dir) : NULL;
	Dwarf_Die chain[SYMBOLIZE_MAX_FRAMES];
	int nchain = cu != NULL ? symindex_scopes(&s->cus, cu, pc - bias, chain, SYMBOLIZE_MAX_FRAMES) : 0;
	Dwfl_Line *row = dwfl_module_getsrc(dm, pc);
	const char *file = NULL;
	int line = 0, n = 0;

	if (row != NULL)
		file = dwfl_lineinfo(row, row_addr, &line, NULL, NULL, NULL);
	for (int i = nchain - 1; i >= 0; i--) {
		int tag = dwarf_tag(&chain[i]);
		out[n] = *proto;
		out[n].function = strset_intern(&s->strings, die_function_name(&chain[i]));
		out[n].file = intern_source(s, comp_dir, file);
		out[n].line = line;
		out[n++].inlined = tag == DW_TAG_inlined_subroutine;
		if (tag == DW_TAG_subprogram) /* a nested function's parent is not its caller */
			break;
		die_call_site(&chain[i], &file, &line);
	}
	if (n == 0) { /* line info without a function scope (e.g. assembly) */
		out[n] = *proto;
		out[n].file = intern_source(s, comp_dir, file);
		out[n++].line = line;
	}
	return n;
}

static int resolve_uncached(struct symbolizer *s, uint64_t address, bool is_return, struct sym_frame *out)
{
	uint64_t pc = is_return && address > 0 ? address - 1 : address;
	struct modentry *m = modtab_find(s, pc);
	struct sym_frame proto = {.address = address, .offset = address};

	if (m != NULL) {
		proto.module = m->path;
		proto.offset = address - m->base;
	}
	out[0] = proto;
	if (m == NULL || m->dwmod == NULL)
		return 1;
	Dwarf_Addr row;
	int n = resolve_dwarf(s, m->dwmod, pc, &proto, out, &row);
	if (out[n - 1].function == NULL) { /* no DWARF scope here: .symtab or .dynsym */
		struct elfsym *sym = modentry_elfsym(m, pc);
		out[n - 1].function = sym != NULL ? strset_intern(&s->strings, sym->name) : NULL;
		/* libdw answers a pc outside every line sequence with the last row before it,
		 * some other function's (crt1.o's _start gets main's last line): keep a row
		 * only when it lies in the same ELF symbol as pc (assembly functions do) */
		if (out[n - 1].file && (sym == NULL || row < sym->span.low || row >= sym->span.high)) {
			out[n - 1].file = NULL;
			out[n - 1].line = 0;
		}
	}
	return n;
}

/* ---- public API ------------------------------------------------------------------------- */

struct symbolizer *symbolizer_new(const char *root_prefix)
{
	struct symbolizer *s = xcalloc(1, sizeof *s);

	disable_debuginfod();
	elf_version(EV_CURRENT);
	if (root_prefix != NULL && root_prefix[0] != '\0')
		s->root_prefix = xstrdup(root_prefix);
	s->debuginfo_path = debuginfo_path_new(s->root_prefix);
	s->callbacks = (Dwfl_Callbacks){
	        .find_elf = find_elf_none,
	        .find_debuginfo = find_debuginfo_local,
	        .section_address = dwfl_offline_section_address,
	        .debuginfo_path = &s->debuginfo_path,
	};
	s->dwfl = dwfl_begin(&s->callbacks);
	if (s->dwfl == NULL) /* only fails when out of memory */
		fatal("libdwfl: %s", dwfl_errmsg(-1));
	return s;
}

int symbolizer_add_module(struct symbolizer *s, const struct sym_module *m)
{
	if (m == NULL)
		return -EINVAL;
	if (m->path == NULL || m->path[0] == '\0')
		return 0;
	if (m->end <= m->start)
		return -EINVAL;
	if (modtab_contains(s, m->path, m->base))
		return 0;
	Dwfl_Module *dwmod;
	int err = report_module(s, m, &dwmod);
	if (err != 0) {
		s->failed_modules++;
		memcpy(s->last_error, s->error, sizeof s->last_error);
	}
	modtab_insert(s, m, dwmod);
	cache_forget_unknown(&s->cache, m->start, m->end);
	return err;
}

struct disk_load {
	struct symbolizer *s;
	struct modentry *m;
};

/* One entry of a module's cache file into the address cache. */
static void disk_entry(const struct symcache_entry *e, void *arg)
{
	struct disk_load *d = arg;
	uint64_t address = d->m->base + e->offset;
	uint64_t pc = e->is_return && address > 0 ? address - 1 : address;
	if (pc < d->m->start || pc >= d->m->end || cache_find(&d->s->cache, address, e->is_return))
		return;
	struct sym_frame *copy = xmalloc((size_t)e->nframes * sizeof *copy);
	for (int i = 0; i < e->nframes; i++) {
		copy[i] = e->frames[i];
		copy[i].function = e->frames[i].function ? strset_intern(&d->s->strings, e->frames[i].function) : NULL;
		copy[i].file = e->frames[i].file ? strset_intern(&d->s->strings, e->frames[i].file) : NULL;
		copy[i].module = d->m->path;
		copy[i].offset = e->offset;
		copy[i].address = address;
	}
	cache_insert(&d->s->cache, address, e->is_return, copy, e->nframes);
}

/* Look the address up in its module's cache file (read once per module); a
 * miss is resolved from the debug information and remembered for the file. */
static struct cache_entry *resolve_slow(struct symbolizer *s, uint64_t address, bool is_return)
{
	uint64_t pc = is_return && address > 0 ? address - 1 : address;
	struct modentry *m = modtab_find(s, pc);
	if (m && m->cache_path && !m->cache_loaded) {
		struct disk_load d = {s, m};
		m->cache_loaded = true;
		symcache_load(m->cache_path, disk_entry, &d);
		struct cache_entry *e = cache_find(&s->cache, address, is_return);
		if (e)
			return e;
	}
	struct sym_frame frames[SYMBOLIZE_MAX_FRAMES];
	report_flush(s);
	int n = resolve_uncached(s, address, is_return, frames);
	struct sym_frame *copy = xmalloc(n * sizeof *copy);
	memcpy(copy, frames, n * sizeof *copy);
	if (m && m->cache_path) {
		if (m->npending == m->cappending) {
			m->cappending = m->cappending ? 2 * m->cappending : 64;
			m->pending = xrealloc(m->pending, m->cappending * sizeof *m->pending);
		}
		m->pending[m->npending++] = (struct pending){address, is_return};
	}
	return cache_insert(&s->cache, address, is_return, copy, n);
}

/* Append what this symbolizer resolved to the modules' cache files. */
static void save_disk_caches(struct symbolizer *s)
{
	for (size_t i = 0; i < s->nmods; i++) {
		struct modentry *m = &s->mods[i];
		if (!m->npending)
			continue;
		struct symcache_entry *v = xmalloc(m->npending * sizeof *v);
		size_t k = 0;
		for (size_t j = 0; j < m->npending; j++) {
			struct cache_entry *e = cache_find(&s->cache, m->pending[j].address, m->pending[j].is_return);
			if (e)
				v[k++] = (struct symcache_entry){e->address - m->base, e->is_return, e->frames,
				                                 e->nframes};
		}
		symcache_append(m->cache_path, v, k);
		free(v);
	}
}

int symbolizer_resolve(struct symbolizer *s, uint64_t address, int is_return_address, struct sym_frame *out, int max)
{
	bool is_return = is_return_address != 0;

	if (max < 1)
		return 0;
	struct cache_entry *e = cache_find(&s->cache, address, is_return);
	if (e == NULL)
		e = resolve_slow(s, address, is_return);
	int n = e->nframes < max ? e->nframes : max;
	memcpy(out, e->frames, n * sizeof *out);
	return n;
}

int symbolizer_failed_modules(const struct symbolizer *s)
{
	return s->failed_modules;
}

const char *symbolizer_last_error(const struct symbolizer *s)
{
	return s->last_error[0] != '\0' ? s->last_error : NULL;
}

void symbolizer_free(struct symbolizer *s)
{
	if (s == NULL)
		return;
	report_flush(s);
	save_disk_caches(s);
	dwfl_end(s->dwfl);
	cache_done(&s->cache);
	symindex_cus_done(&s->cus);
	strset_done(&s->strings);
	for (size_t i = 0; i < s->nmods; i++) {
		symindex_symtab_free(s->mods[i].symtab);
		free(s->mods[i].cache_path);
		free(s->mods[i].pending);
	}
	free(s->mods);
	free(s->debuginfo_path);
	free(s->root_prefix);
	free(s);
}
