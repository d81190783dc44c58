/* modules.c — record the target's loaded ELF modules (path, load bias, range, build id) in the region. */
#include "config.h"

#include <elf.h>
#include <link.h>
#include <string.h>
#include <unistd.h>

#include "agent/agent.h"
#include "region/spinlock.h"

static struct mlr_module *module_at(uint64_t i)
{
	return (struct mlr_module *)(agent.base + agent.hdr->modules_off) + i;
}

static int known(uint64_t base, const char *path)
{
	uint64_t n = __atomic_load_n(&agent.hdr->nmodules, ACQUIRE);
	for (uint64_t i = 0; i < n; i++)
		if (module_at(i)->base == base && strcmp(module_at(i)->path, path) == 0)
			return 1;
	return 0;
}

static void read_build_id(const struct dl_phdr_info *info, struct mlr_module *m)
{
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_NOTE)
			continue;
		const char *p = (const char *)(info->dlpi_addr + ph->p_vaddr);
		const char *end = p + ph->p_memsz;
		while (p + sizeof(ElfW(Nhdr)) <= end) {
			const ElfW(Nhdr) *n = (const ElfW(Nhdr) *)p;
			const char *name = p + sizeof *n;
			const char *desc = name + ((n->n_namesz + 3) & ~3u);
			if (desc + n->n_descsz > end)
				break;
			if (n->n_type == NT_GNU_BUILD_ID && n->n_namesz == 4 && memcmp(name, "GNU", 4) == 0) {
				m->build_id_len = n->n_descsz > MLR_BUILD_ID_LEN ? MLR_BUILD_ID_LEN : n->n_descsz;
				memcpy(m->build_id, desc, m->build_id_len);
				return;
			}
			p = desc + ((n->n_descsz + 3) & ~3u);
		}
	}
}

static void module_range(const struct dl_phdr_info *info, uint64_t *lo, uint64_t *hi)
{
	*lo = UINT64_MAX;
	*hi = 0;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_LOAD)
			continue;
		uint64_t a = info->dlpi_addr + ph->p_vaddr;
		if (a < *lo)
			*lo = a;
		if (a + ph->p_memsz > *hi)
			*hi = a + ph->p_memsz;
	}
}

static int add_module(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	(void)data;
	char exe[MLR_PATH_LEN];
	const char *path = info->dlpi_name;
	if (!path || !*path) {
		ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
		if (n <= 0)
			return 0;
		exe[n] = '\0';
		path = exe;
	}
	if (known(info->dlpi_addr, path))
		return 0;
	struct mlr_header *h = agent.hdr;
	if (h->nmodules >= h->modules_cap) {
		agent_flag(MLR_REASON_MODULES_FULL);
		return 1;
	}
	struct mlr_module *m = module_at(h->nmodules);
	memset(m, 0, sizeof *m);
	m->base = info->dlpi_addr;
	module_range(info, &m->start, &m->end);
	size_t len = strnlen(path, MLR_PATH_LEN - 1);
	memcpy(m->path, path, len); /* m was zeroed: stays terminated */
	read_build_id(info, m);
	__atomic_store_n(&h->nmodules, h->nmodules + 1, RELEASE);
	return 0;
}

/*
 * Append the modules not recorded yet. Only tried, never waited for: a thread
 * can reach here while holding the loader's lock (a dl_iterate_phdr callback
 * that allocates), and waiting for a scanner that waits for that lock would
 * deadlock. A scan already running sees the same loaded modules.
 */
void modules_scan(void)
{
	if (!agent.hdr || __atomic_exchange_n(&agent.hdr->modules_lock, 1, ACQUIRE))
		return;
	dl_iterate_phdr(add_module, NULL);
	spin_unlock(&agent.hdr->modules_lock);
}

static int covered(uint64_t ip)
{
	uint64_t n = __atomic_load_n(&agent.hdr->nmodules, ACQUIRE);
	for (uint64_t i = 0; i < n; i++)
		if (ip >= module_at(i)->start && ip < module_at(i)->end)
			return 1;
	return 0;
}

/* A new stack with a frame in no known module means a module was loaded
 * (dlopen) since the last scan: scan again. Runs once per new stack only. */
void modules_cover(const uint64_t *ips, int depth)
{
	for (int i = 0; i < depth; i++) {
		if (!covered(ips[i])) {
			modules_scan();
			return;
		}
	}
}
