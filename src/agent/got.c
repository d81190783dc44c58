/* got.c — attach mode: point the GOT entries of the allocator functions in every loaded module at the hooks, and back.
 */
#include "config.h"

#include <elf.h>
#include <link.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <unistd.h>

#include "agent/agent.h"
#include "region/spinlock.h"

/*
 * A process the agent was loaded into after it started calls the allocator through the GOT
 * of each module (JUMP_SLOT entries of the PLT, GLOB_DAT entries of code built with -fno-plt
 * or taking the function's address). Patching those entries is how calls reach the hooks.
 * Skipped: the dynamic loader (it allocates with its own minimal malloc before libc is up
 * and must never see ours), the vDSO, and the agent itself. Every patch is recorded with
 * the value it replaced so detach can put it back. An entry is only patched when it holds
 * a resolved address (the global definition, or the module's own PLT stub under lazy
 * binding): a module that dlopen is still relocating is left for the next refresh.
 */

struct patch {
	uint64_t *slot;
	uint64_t orig;
	uint64_t module; /* load bias of the module holding the slot */
};

#define MAX_PATCHES (1u << 16)

static struct patch *patches; /* mmap'ed, never the program's heap */
static uint32_t npatches;
static uint32_t got_lock;
static uint64_t seen_adds; /* dlpi_adds of the last complete pass */
static int pass_incomplete;
static uint64_t next_refresh_ns;

/* The hooks by the names the GOT relocations use. */
static const struct target {
	const char *name;
	void *hook;
} targets[] = {
        {"malloc", hook_malloc},
        {"calloc", hook_calloc},
        {"realloc", hook_realloc},
        {"reallocarray", hook_reallocarray},
        {"free", hook_free},
        {"posix_memalign", hook_posix_memalign},
        {"aligned_alloc", hook_aligned_alloc},
        {"memalign", hook_memalign},
        {"valloc", hook_valloc},
        {"pvalloc", hook_pvalloc},
        {"mmap", hook_mmap},
        {"mmap64", hook_mmap64},
        {"munmap", hook_munmap},
        {"mremap", hook_mremap},
        {"pthread_create", hook_pthread_create},
        {"dlsym", hook_dlsym},
        {"dlvsym", hook_dlvsym},
};

#define NTARGETS (sizeof targets / sizeof targets[0])

/* What a resolved entry for this target holds: the definition a global lookup finds. */
static void *resolved[NTARGETS];

static const struct target *target_named(const char *name, int *index)
{
	for (size_t i = 0; i < NTARGETS; i++)
		if (strcmp(name, targets[i].name) == 0) {
			*index = (int)i;
			return &targets[i];
		}
	return NULL;
}

/* The module's dynamic section, its entries made absolute (glibc relocates most of
 * them in place; a module it did not, like the vDSO, keeps offsets). */
struct dyninfo {
	const ElfW(Sym) * symtab;
	const char *strtab;
	uint64_t strsz;
	uint64_t jmprel, pltrelsz, pltrel;
	uint64_t rela, relasz, rel, relsz;
};

static uint64_t dyn_ptr(uint64_t base, uint64_t v)
{
	return v < base ? base + v : v;
}

static int read_dynamic(const struct dl_phdr_info *info, struct dyninfo *d)
{
	memset(d, 0, sizeof *d);
	const ElfW(Dyn) *dyn = NULL;
	for (int i = 0; i < info->dlpi_phnum; i++)
		if (info->dlpi_phdr[i].p_type == PT_DYNAMIC)
			dyn = (const ElfW(Dyn) *)(info->dlpi_addr + info->dlpi_phdr[i].p_vaddr);
	if (!dyn)
		return -1;
	uint64_t b = info->dlpi_addr;
	for (int n = 0; dyn->d_tag != DT_NULL && n < 4096; dyn++, n++) {
		uint64_t v = dyn->d_un.d_val;
		switch (dyn->d_tag) {
		case DT_SYMTAB: d->symtab = (const ElfW(Sym) *)dyn_ptr(b, v); break;
		case DT_STRTAB: d->strtab = (const char *)dyn_ptr(b, v); break;
		case DT_STRSZ: d->strsz = v; break;
		case DT_JMPREL: d->jmprel = dyn_ptr(b, v); break;
		case DT_PLTRELSZ: d->pltrelsz = v; break;
		case DT_PLTREL: d->pltrel = v; break;
		case DT_RELA: d->rela = dyn_ptr(b, v); break;
		case DT_RELASZ: d->relasz = v; break;
		case DT_REL: d->rel = dyn_ptr(b, v); break;
		case DT_RELSZ: d->relsz = v; break;
		default: break;
		}
	}
	return d->symtab && d->strtab && d->strsz ? 0 : -1;
}

/* The module's range and read-only-after-relocation range. */
struct ranges {
	uint64_t lo, hi, relro_lo, relro_hi;
};

static void module_ranges(const struct dl_phdr_info *info, struct ranges *r)
{
	memset(r, 0, sizeof *r);
	r->lo = UINT64_MAX;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uint64_t a = info->dlpi_addr + ph->p_vaddr;
		if (ph->p_type == PT_LOAD) {
			if (a < r->lo)
				r->lo = a;
			if (a + ph->p_memsz > r->hi)
				r->hi = a + ph->p_memsz;
		} else if (ph->p_type == PT_GNU_RELRO) {
			r->relro_lo = a;
			r->relro_hi = a + ph->p_memsz;
		}
	}
}

/* Store into a GOT entry, lifting RELRO's read-only protection around the store. */
static int write_slot(uint64_t *slot, uint64_t value, const struct ranges *r)
{
	uint64_t a = (uint64_t)(uintptr_t)slot;
	int ro = a >= r->relro_lo && a < r->relro_hi;
	long page = sysconf(_SC_PAGESIZE);
	void *pg = (void *)(uintptr_t)(a & ~((uint64_t)page - 1));
	if (ro && mprotect(pg, (size_t)page, PROT_READ | PROT_WRITE) != 0)
		return -1;
	__atomic_store_n(slot, value, RELEASE);
	if (ro)
		mprotect(pg, (size_t)page, PROT_READ);
	return 0;
}

static void record_patch(uint64_t *slot, uint64_t orig, uint64_t module)
{
	if (npatches < MAX_PATCHES)
		patches[npatches++] = (struct patch){slot, orig, module};
}

/* One relocation: patch it when it is a GOT entry of a target, resolved, not patched yet. */
static void patch_reloc(const struct dl_phdr_info *info, const struct dyninfo *d, const struct ranges *r,
                        uint64_t offset, uint64_t rinfo)
{
	uint32_t type = (uint32_t)ELF64_R_TYPE(rinfo), sym = (uint32_t)ELF64_R_SYM(rinfo);
	if ((type != R_X86_64_JUMP_SLOT && type != R_X86_64_GLOB_DAT) || sym == 0)
		return;
	uint32_t name = d->symtab[sym].st_name;
	if (name >= d->strsz)
		return;
	int k;
	const struct target *t = target_named(d->strtab + name, &k);
	if (!t || !resolved[k])
		return;
	uint64_t *slot = (uint64_t *)(uintptr_t)(info->dlpi_addr + offset);
	if ((uint64_t)(uintptr_t)slot < r->lo || (uint64_t)(uintptr_t)slot + 8 > r->hi)
		return; /* a damaged relocation: never write outside the module */
	uint64_t v = __atomic_load_n(slot, RELAXED);
	if (v == (uint64_t)(uintptr_t)t->hook)
		return;
	int lazy_stub = type == R_X86_64_JUMP_SLOT && v >= r->lo && v < r->hi;
	if (v != (uint64_t)(uintptr_t)resolved[k] && !lazy_stub) {
		pass_incomplete = 1; /* not relocated yet (dlopen in progress), or bound elsewhere */
		return;
	}
	if (write_slot(slot, (uint64_t)(uintptr_t)t->hook, r) == 0)
		record_patch(slot, v, info->dlpi_addr);
}

static void patch_table(const struct dl_phdr_info *info, const struct dyninfo *d, const struct ranges *r, uint64_t at,
                        uint64_t size, int rela)
{
	if (!at || !size)
		return;
	if (rela) {
		const ElfW(Rela) *x = (const ElfW(Rela) *)(uintptr_t)at;
		for (uint64_t i = 0; i < size / sizeof *x; i++)
			patch_reloc(info, d, r, x[i].r_offset, x[i].r_info);
	} else {
		const ElfW(Rel) *x = (const ElfW(Rel) *)(uintptr_t)at;
		for (uint64_t i = 0; i < size / sizeof *x; i++)
			patch_reloc(info, d, r, x[i].r_offset, x[i].r_info);
	}
}

static uint64_t self_base;

/* ld.so (AT_BASE), the vDSO (AT_SYSINFO_EHDR) and the agent are never patched. */
static int skipped(const struct dl_phdr_info *info)
{
	uint64_t b = info->dlpi_addr;
	if (b == self_base || b == getauxval(AT_BASE))
		return 1;
	for (int i = 0; i < info->dlpi_phnum; i++)
		if (info->dlpi_phdr[i].p_type == PT_LOAD && info->dlpi_phdr[i].p_offset == 0 &&
		    b + info->dlpi_phdr[i].p_vaddr == getauxval(AT_SYSINFO_EHDR))
			return 1;
	return 0;
}

static int patch_module(struct dl_phdr_info *info, size_t size, void *data)
{
	uint64_t *adds = data;
	if (size >= offsetof(struct dl_phdr_info, dlpi_subs))
		*adds = info->dlpi_adds;
	if (skipped(info))
		return 0;
	struct dyninfo d;
	struct ranges r;
	if (read_dynamic(info, &d) != 0)
		return 0;
	module_ranges(info, &r);
	patch_table(info, &d, &r, d.jmprel, d.pltrelsz, d.pltrel != DT_REL);
	patch_table(info, &d, &r, d.rela, d.relasz, 1);
	patch_table(info, &d, &r, d.rel, d.relsz, 0);
	return 0;
}

static int find_self(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	uint64_t probe = (uint64_t)(uintptr_t)data;
	struct ranges r;
	module_ranges(info, &r);
	if (probe >= r.lo && probe < r.hi) {
		self_base = info->dlpi_addr;
		return 1;
	}
	return 0;
}

int got_init(void)
{
	if (!patches) {
		void *p = real.mmap(NULL, MAX_PATCHES * sizeof *patches, PROT_READ | PROT_WRITE,
		                    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			return -1;
		patches = p;
		dl_iterate_phdr(find_self, (void *)(uintptr_t)got_init);
	}
	for (size_t i = 0; i < NTARGETS; i++)
		resolved[i] = real_lookup(targets[i].name);
	got_real_dlsym = real_lookup("dlsym");
	got_real_dlvsym = real_lookup("dlvsym");
	return 0;
}

/* A full pass over the loaded modules; the caller holds got_lock. */
static void patch_pass(void)
{
	uint64_t adds = 0;
	pass_incomplete = 0;
	dl_iterate_phdr(patch_module, &adds);
	seen_adds = pass_incomplete ? 0 : adds;
}

static int loaded_adds(struct dl_phdr_info *info, size_t size, void *data)
{
	if (size >= offsetof(struct dl_phdr_info, dlpi_subs))
		*(uint64_t *)data = info->dlpi_adds;
	return 1;
}

int got_patch_all(void)
{
	spin_lock(&got_lock);
	uint32_t before = npatches;
	patch_pass();
	next_refresh_ns = agent_now_coarse() + 100000000u;
	spin_unlock(&got_lock);
	return (int)(npatches - before);
}

/* From the hooks, at most every 100 ms: patch modules loaded since the last pass (dlopen)
 * and those a pass found still being relocated. Never waits for the lock. */
void got_refresh(void)
{
	uint64_t now = agent_now_coarse();
	if (now < __atomic_load_n(&next_refresh_ns, RELAXED) || __atomic_exchange_n(&got_lock, 1, ACQUIRE))
		return;
	next_refresh_ns = now + 100000000u;
	uint64_t adds = 0;
	dl_iterate_phdr(loaded_adds, &adds);
	if (adds != seen_adds)
		patch_pass();
	spin_unlock(&got_lock);
}

/*
 * dlsym and dlvsym: a program that dlopens a library usually asks it for a function next;
 * modules loaded since the last pass are patched first, so the library's allocations are
 * seen from its first call. The hooks jump to the real function with the caller's return
 * address in place (glibc resolves RTLD_NEXT from it), so they are written in assembly:
 * save the argument registers, call got_on_dlsym, restore them, jump.
 */
void *got_real_dlsym, *got_real_dlvsym;
void got_on_dlsym(void) __attribute__((visibility("hidden")));

void got_on_dlsym(void)
{
	if (!__atomic_load_n(&agent.active, ACQUIRE) || __atomic_exchange_n(&got_lock, 1, ACQUIRE))
		return;
	int was_busy = agent_self.busy;
	agent_self.busy = 1;
	uint64_t adds = 0;
	dl_iterate_phdr(loaded_adds, &adds);
	if (adds != seen_adds)
		patch_pass();
	agent_self.busy = was_busy;
	spin_unlock(&got_lock);
}

#define DLSYM_TRAMPOLINE(name, real)                                                                                   \
	__asm__(".text\n"                                                                                              \
	        ".globl " #name "\n"                                                                                   \
	        ".hidden " #name "\n"                                                                                  \
	        ".type " #name ", @function\n" #name ":\n"                                                             \
	        "	push %rdi\n"                                                                                         \
	        "	push %rsi\n"                                                                                         \
	        "	push %rdx\n" /* 8 + 24 bytes below a 16-byte boundary: aligned for the call */                 \
	        "	call got_on_dlsym\n"                                                                                 \
	        "	pop %rdx\n"                                                                                          \
	        "	pop %rsi\n"                                                                                          \
	        "	pop %rdi\n"                                                                                          \
	        "	jmp *" #real "(%rip)\n"                                                                        \
	        ".size " #name ", .-" #name "\n");

DLSYM_TRAMPOLINE(hook_dlsym, got_real_dlsym)
DLSYM_TRAMPOLINE(hook_dlvsym, got_real_dlvsym)

/* Put back every entry that still holds our hook, newest patch first, in modules still
 * loaded (a module dlclose'd meanwhile is never touched). */
static int restore_module(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	int *restored = data;
	struct ranges r;
	module_ranges(info, &r);
	for (uint32_t i = npatches; i-- > 0;) {
		struct patch *p = &patches[i];
		uint64_t a = (uint64_t)(uintptr_t)p->slot;
		if (p->module != info->dlpi_addr || a < r.lo || a + 8 > r.hi || !p->slot)
			continue;
		uint64_t v = __atomic_load_n(p->slot, RELAXED);
		for (size_t k = 0; k < NTARGETS; k++)
			if (v == (uint64_t)(uintptr_t)targets[k].hook) {
				if (write_slot(p->slot, p->orig, &r) == 0)
					(*restored)++;
				break;
			}
	}
	return 0;
}

int got_restore_all(void)
{
	int restored = 0;
	spin_lock(&got_lock);
	dl_iterate_phdr(restore_module, &restored);
	npatches = 0;
	seen_adds = 0;
	spin_unlock(&got_lock);
	return restored;
}
