/* cfi.c — DWARF call-frame rules for x86-64 return addresses, read from .eh_frame and cached per address. */
#include "config.h"

#include <link.h>
#include <string.h>
#include <sys/mman.h>

#include "agent/agent.h"
#include "agent/cfi.h"
#include "region/spinlock.h"

/*
 * For a return address, the unwinder needs three facts about the calling
 * function at that point: how to compute its CFA (rsp or rbp plus an offset),
 * where it saved rbp (if it did), and that its return address sits at CFA-8.
 * They come from the module's .eh_frame, found through .eh_frame_hdr's sorted
 * table, by running the CIE's and FDE's call-frame instructions up to the call
 * site. Anything this evaluator does not model (expressions, signal frames,
 * unusual return-address rules) is reported as CFI_FALLBACK so the caller
 * uses libunwind instead. Results are cached in a table shared by all threads:
 * lookups take no lock, inserts take one (a new address is rare).
 */

#define DW_REG_RBP 6
#define DW_REG_RSP 7
#define DW_REG_RA  16

#define CACHE_MIN_LOG2 10 /* 1024 rules, 24 KiB */
#define CACHE_MAX_LOG2 16

struct cached_rule {
	uint64_t ip; /* 0 = empty; published last */
	struct cfi_rule rule;
};

/* The table doubles when 3/4 full, so a program with few return addresses
 * touches few pages (a fixed table hashed at random touched all of its 1.5 MiB). */
struct rule_table {
	uint32_t mask;
	struct cached_rule slots[];
};

static struct rule_table *cache;
static uint32_t cache_lock;
static uint32_t cache_used;
static int cache_failed;

/* ---- reading encoded DWARF values ---------------------------------------- */

struct reader {
	const uint8_t *p, *end;
	int bad;
};

static uint64_t read_uleb(struct reader *r)
{
	uint64_t v = 0;
	for (int shift = 0; r->p < r->end && shift < 64; shift += 7) {
		uint8_t b = *r->p++;
		v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			return v;
	}
	r->bad = 1;
	return 0;
}

static int64_t read_sleb(struct reader *r)
{
	int64_t v = 0;
	int shift = 0;
	uint8_t b = 0x80;
	while (r->p < r->end && shift < 64 && (b & 0x80)) {
		b = *r->p++;
		v |= (int64_t)(b & 0x7f) << shift;
		shift += 7;
	}
	if (b & 0x80)
		r->bad = 1;
	else if (shift < 64 && (b & 0x40))
		v |= -((int64_t)1 << shift);
	return v;
}

static uint64_t read_fixed(struct reader *r, int n)
{
	if (r->end - r->p < n) {
		r->bad = 1;
		return 0;
	}
	uint64_t v = 0;
	memcpy(&v, r->p, (size_t)n);
	r->p += n;
	return v;
}

/* A DW_EH_PE_* encoded pointer; datarel is relative to `data` (.eh_frame_hdr). */
static uint64_t read_encoded(struct reader *r, uint8_t enc, uint64_t data)
{
	if (enc == 0xff)
		return 0;
	uint64_t at = (uint64_t)(uintptr_t)r->p, v;
	switch (enc & 0x0f) {
	case 0x00: v = read_fixed(r, 8); break;
	case 0x01: v = read_uleb(r); break;
	case 0x02: v = read_fixed(r, 2); break;
	case 0x03: v = read_fixed(r, 4); break;
	case 0x04: v = read_fixed(r, 8); break;
	case 0x09: v = (uint64_t)read_sleb(r); break;
	case 0x0a: v = (uint64_t)(int64_t)(int16_t)read_fixed(r, 2); break;
	case 0x0b: v = (uint64_t)(int64_t)(int32_t)read_fixed(r, 4); break;
	case 0x0c: v = read_fixed(r, 8); break;
	default: r->bad = 1; return 0;
	}
	switch (enc & 0x70) {
	case 0x00: break;
	case 0x10: v += at; break;
	case 0x30: v += data; break;
	default: r->bad = 1; return 0;
	}
	if (enc & 0x80)
		r->bad = 1; /* indirect pointers do not occur in .eh_frame_hdr tables we use */
	return v;
}

/* The loaded segment holding a module's .eh_frame_hdr and .eh_frame: no read of
 * call-frame data may leave it, whatever the lengths in the data say (a damaged
 * or unusual module must make us fall back, never fault the program). */
struct bounds {
	const uint8_t *lo, *hi;
};

static int inside(const struct bounds *b, const uint8_t *p, uint64_t len)
{
	return p >= b->lo && p <= b->hi && len <= (uint64_t)(b->hi - p);
}

/* ---- the call-frame program ------------------------------------------------ */

struct cfa_state {
	int cfa_reg;
	int64_t cfa_off;
	int rbp_saved;
	int64_t rbp_off;
	int ra_defined;
	int64_t ra_off;
};

struct cie_info {
	uint64_t code_align;
	int64_t data_align;
	uint64_t ra_reg;
	uint8_t fde_enc;
	int has_z;
	int signal_frame;
	const uint8_t *insns, *insns_end;
};

#define STATE_STACK 8

struct machine {
	struct cfa_state cur, initial;
	struct cfa_state saved[STATE_STACK];
	int depth;
	int unsupported;
};

static void set_reg_offset(struct machine *m, uint64_t reg, int64_t off)
{
	if (reg == DW_REG_RBP) {
		m->cur.rbp_saved = 1;
		m->cur.rbp_off = off;
	} else if (reg == DW_REG_RA) {
		m->cur.ra_defined = 1;
		m->cur.ra_off = off;
	}
}

static void restore_reg(struct machine *m, uint64_t reg)
{
	if (reg == DW_REG_RBP) {
		m->cur.rbp_saved = m->initial.rbp_saved;
		m->cur.rbp_off = m->initial.rbp_off;
	} else if (reg == DW_REG_RA) {
		m->cur.ra_defined = m->initial.ra_defined;
		m->cur.ra_off = m->initial.ra_off;
	}
}

/* A rule this evaluator cannot follow for a register the walk needs. */
static void unsupported_for(struct machine *m, uint64_t reg)
{
	if (reg == DW_REG_RBP || reg == DW_REG_RA || reg == DW_REG_RSP)
		m->unsupported = 1;
}

/* Execute instructions until the location passes target. Returns 1 when it did (stop). */
static int run_one(struct machine *m, struct reader *r, const struct cie_info *c, uint64_t *loc, uint64_t target)
{
	uint8_t op = (uint8_t)read_fixed(r, 1);
	uint64_t reg, delta = 0;
	switch (op & 0xc0) {
	case 0x40: delta = (op & 0x3f) * c->code_align; goto advance;
	case 0x80: set_reg_offset(m, op & 0x3f, (int64_t)read_uleb(r) * c->data_align); return 0;
	case 0xc0: restore_reg(m, op & 0x3f); return 0;
	}
	switch (op) {
	case 0x00: return 0;
	case 0x01: m->unsupported = 1; return 1; /* set_loc: not emitted by gcc */
	case 0x02: delta = read_fixed(r, 1) * c->code_align; goto advance;
	case 0x03: delta = read_fixed(r, 2) * c->code_align; goto advance;
	case 0x04: delta = read_fixed(r, 4) * c->code_align; goto advance;
	case 0x05:
		reg = read_uleb(r);
		set_reg_offset(m, reg, (int64_t)read_uleb(r) * c->data_align);
		return 0;
	case 0x06: restore_reg(m, read_uleb(r)); return 0;
	case 0x07:
		reg = read_uleb(r);
		if (reg == DW_REG_RA)
			m->cur.ra_defined = 0; /* the outermost frame */
		else
			unsupported_for(m, reg);
		return 0;
	case 0x08:
		reg = read_uleb(r);
		if (reg == DW_REG_RBP)
			m->cur.rbp_saved = 0;
		else
			unsupported_for(m, reg);
		return 0;
	case 0x09:
		reg = read_uleb(r);
		read_uleb(r);
		unsupported_for(m, reg);
		return 0;
	case 0x0a:
		if (m->depth == STATE_STACK) {
			m->unsupported = 1;
			return 1;
		}
		m->saved[m->depth++] = m->cur;
		return 0;
	case 0x0b:
		if (m->depth == 0) {
			m->unsupported = 1;
			return 1;
		}
		/* the CFA rule comes back too: gcc's epilogue notes rely on it, as libgcc does */
		m->cur = m->saved[--m->depth];
		return 0;
	case 0x0c:
		m->cur.cfa_reg = (int)read_uleb(r);
		m->cur.cfa_off = (int64_t)read_uleb(r);
		return 0;
	case 0x0d: m->cur.cfa_reg = (int)read_uleb(r); return 0;
	case 0x0e: m->cur.cfa_off = (int64_t)read_uleb(r); return 0;
	case 0x0f:
		m->cur.cfa_reg = -1;
		r->p += read_uleb(r);
		return 0; /* def_cfa_expression */
	case 0x10:
	case 0x16:
		reg = read_uleb(r);
		unsupported_for(m, reg);
		r->p += read_uleb(r);
		return 0;
	case 0x11:
		reg = read_uleb(r);
		set_reg_offset(m, reg, read_sleb(r) * c->data_align);
		return 0;
	case 0x12:
		m->cur.cfa_reg = (int)read_uleb(r);
		m->cur.cfa_off = read_sleb(r) * c->data_align;
		return 0;
	case 0x13: m->cur.cfa_off = read_sleb(r) * c->data_align; return 0;
	case 0x14:
		reg = read_uleb(r);
		read_uleb(r);
		unsupported_for(m, reg);
		return 0;
	case 0x15:
		reg = read_uleb(r);
		read_sleb(r);
		unsupported_for(m, reg);
		return 0;
	case 0x2e: read_uleb(r); return 0; /* GNU_args_size */
	case 0x2f:
		reg = read_uleb(r);
		set_reg_offset(m, reg, -(int64_t)read_uleb(r) * c->data_align);
		return 0;
	default: m->unsupported = 1; return 1;
	}
advance:
	*loc += delta;
	return *loc > target;
}

static void run_program(struct machine *m, const uint8_t *p, const uint8_t *end, const struct cie_info *c, uint64_t loc,
                        uint64_t target)
{
	struct reader r = {p, end, 0};
	while (r.p < r.end && !r.bad && !m->unsupported)
		if (run_one(m, &r, c, &loc, target))
			break;
	if (r.bad || r.p > r.end)
		m->unsupported = 1;
}

/* ---- CIE, FDE and the .eh_frame_hdr search --------------------------------- */

static int parse_cie(const uint8_t *cie, const struct bounds *b, struct cie_info *c)
{
	if (!inside(b, cie, 8))
		return -1;
	struct reader r = {cie, cie + 4, 0};
	uint64_t len = read_fixed(&r, 4);
	if (len == 0 || len == 0xffffffffu || !inside(b, cie, 4 + len))
		return -1;
	r.end = cie + 4 + len;
	if (read_fixed(&r, 4) != 0)
		return -1; /* not a CIE */
	uint8_t version = (uint8_t)read_fixed(&r, 1);
	const char *aug = (const char *)r.p;
	size_t auglen = strnlen(aug, (size_t)(r.end - r.p));
	r.p += auglen + 1;
	if (strstr(aug, "eh"))
		return -1;
	c->code_align = read_uleb(&r);
	c->data_align = read_sleb(&r);
	c->ra_reg = version == 1 ? read_fixed(&r, 1) : read_uleb(&r);
	c->fde_enc = 0;
	c->signal_frame = 0;
	c->has_z = aug[0] == 'z';
	if (aug[0] == 'z') {
		uint64_t alen = read_uleb(&r);
		const uint8_t *aend = r.p + alen;
		for (const char *a = aug + 1; *a && !r.bad; a++) {
			if (*a == 'R')
				c->fde_enc = (uint8_t)read_fixed(&r, 1);
			else if (*a == 'P')
				read_encoded(&r, (uint8_t)read_fixed(&r, 1) & 0x7f, 0);
			else if (*a == 'L')
				read_fixed(&r, 1);
			else if (*a == 'S')
				c->signal_frame = 1;
			else if (*a != 'B')
				return -1;
		}
		r.p = aend;
	} else if (aug[0]) {
		return -1;
	}
	c->insns = r.p;
	c->insns_end = r.end;
	return r.bad || c->ra_reg != DW_REG_RA ? -1 : 0;
}

/* Evaluate the FDE at `fde` for `target`; fills *out. */
static int eval_fde(const uint8_t *fde, const struct bounds *b, uint64_t target, struct cfi_rule *out)
{
	if (!inside(b, fde, 8))
		return -1;
	struct reader r = {fde, fde + 8, 0};
	uint64_t len = read_fixed(&r, 4);
	if (len < 8 || len == 0xffffffffu || !inside(b, fde, 4 + len))
		return -1;
	const uint8_t *idfield = r.p;
	uint32_t cie_off = (uint32_t)read_fixed(&r, 4);
	r.end = fde + 4 + len;
	struct cie_info c;
	if (cie_off == 0 || cie_off > (uint64_t)(idfield - b->lo) || parse_cie(idfield - cie_off, b, &c) != 0)
		return -1;
	uint64_t begin = read_encoded(&r, c.fde_enc, 0);
	uint64_t range = read_encoded(&r, c.fde_enc & 0x0f, 0);
	if (r.bad || target < begin || target >= begin + range)
		return -1;
	if (c.has_z)
		r.p += read_uleb(&r); /* augmentation data */
	struct machine m = {.cur = {.cfa_reg = DW_REG_RSP, .cfa_off = 8}};
	run_program(&m, c.insns, c.insns_end, &c, begin, UINT64_MAX);
	m.initial = m.cur;
	m.depth = 0;
	run_program(&m, r.p, r.end, &c, begin, target);
	if (m.unsupported || c.signal_frame)
		return -1;
	if (!m.cur.ra_defined) {
		out->flags = CFI_END;
		return 0;
	}
	if ((m.cur.cfa_reg != DW_REG_RSP && m.cur.cfa_reg != DW_REG_RBP) || m.cur.ra_off != -8)
		return -1;
	out->cfa_reg = (uint8_t)m.cur.cfa_reg;
	out->cfa_off = (int32_t)m.cur.cfa_off;
	out->rbp_off = (int32_t)m.cur.rbp_off;
	out->flags = m.cur.rbp_saved ? CFI_RBP_SAVED : 0;
	return 0;
}

/* Binary search of .eh_frame_hdr's table (datarel sdata4, the only layout ld writes). */
static const uint8_t *find_fde(const uint8_t *hdr, uint64_t hdr_size, uint64_t target)
{
	if (hdr_size < 12 || hdr[0] != 1 || hdr[3] != 0x3b)
		return NULL;
	struct reader r = {hdr + 4, hdr + hdr_size, 0};
	read_encoded(&r, hdr[1], (uint64_t)(uintptr_t)hdr);
	uint64_t count = read_encoded(&r, hdr[2], (uint64_t)(uintptr_t)hdr);
	if (r.bad || count == 0 || count > (uint64_t)(r.end - r.p) / 8)
		return NULL; /* the table must lie inside the segment the header came in */
	const int32_t *table = (const int32_t *)r.p;
	uint64_t base = (uint64_t)(uintptr_t)hdr;
	uint64_t lo = 0, hi = count;
	while (hi - lo > 1) {
		uint64_t mid = (lo + hi) / 2;
		if (base + (int64_t)table[2 * mid] <= target)
			lo = mid;
		else
			hi = mid;
	}
	if (base + (int64_t)table[2 * lo] > target)
		return NULL;
	return (const uint8_t *)(uintptr_t)(base + (int64_t)table[2 * lo + 1]);
}

struct module_search {
	uint64_t ip;
	const uint8_t *eh_hdr;
	uint64_t eh_hdr_size;
	struct bounds seg; /* the PT_LOAD segment holding eh_hdr */
};

static int search_module(struct dl_phdr_info *info, size_t size, void *data)
{
	struct module_search *s = data;
	const uint8_t *hdr = NULL;
	int holds_ip = 0;
	(void)size;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uint64_t lo = info->dlpi_addr + ph->p_vaddr;
		if (ph->p_type == PT_LOAD && s->ip >= lo && s->ip < lo + ph->p_memsz)
			holds_ip = 1;
		else if (ph->p_type == PT_GNU_EH_FRAME) {
			hdr = (const uint8_t *)(uintptr_t)lo;
			s->eh_hdr_size = ph->p_memsz;
		}
	}
	if (!holds_ip)
		return 0;
	for (int i = 0; hdr && i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		const uint8_t *lo = (const uint8_t *)(uintptr_t)(info->dlpi_addr + ph->p_vaddr);
		if (ph->p_type == PT_LOAD && hdr >= lo && hdr < lo + ph->p_filesz) {
			s->seg = (struct bounds){lo, lo + ph->p_filesz};
			s->eh_hdr = hdr;
		}
	}
	return 1;
}

static int compute_rule(uint64_t ip, struct cfi_rule *out)
{
	struct module_search s = {.ip = ip - 1};
	dl_iterate_phdr(search_module, &s);
	if (!s.eh_hdr || !inside(&s.seg, s.eh_hdr, s.eh_hdr_size))
		return -1;
	const uint8_t *fde = find_fde(s.eh_hdr, s.eh_hdr_size, ip - 1);
	return fde ? eval_fde(fde, &s.seg, ip - 1, out) : -1;
}

/* ---- the shared cache ------------------------------------------------------ */

static struct rule_table *table_new(int log2)
{
	size_t size = sizeof(struct rule_table) + ((size_t)1 << log2) * sizeof(struct cached_rule);
	void *p = real.mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	struct rule_table *t = p;
	t->mask = (1u << log2) - 1;
	return t;
}

static struct rule_table *cache_table(void)
{
	struct rule_table *t = __atomic_load_n(&cache, ACQUIRE);
	if (t || cache_failed)
		return t;
	spin_lock(&cache_lock);
	if (!cache) {
		struct rule_table *fresh = table_new(CACHE_MIN_LOG2);
		if (!fresh)
			cache_failed = 1;
		else
			__atomic_store_n(&cache, fresh, RELEASE);
	}
	spin_unlock(&cache_lock);
	return cache;
}

static inline uint32_t slot_of(uint64_t ip, uint32_t mask)
{
	return (uint32_t)((ip * 0x9E3779B97F4A7C15ull) >> 32) & mask;
}

/* 1 when ip was added, 0 when it was there already. */
static int table_put(struct rule_table *t, uint64_t ip, const struct cfi_rule *rule)
{
	uint32_t i = slot_of(ip, t->mask);
	while (t->slots[i].ip && t->slots[i].ip != ip)
		i = (i + 1) & t->mask;
	if (t->slots[i].ip)
		return 0;
	t->slots[i].rule = *rule;
	__atomic_store_n(&t->slots[i].ip, ip, RELEASE);
	return 1;
}

/* Move to a table twice the size; lock held. The old one stays as it is, never
 * unmapped nor cleared (a lookup may still be reading it): the tables a
 * process outgrew take as much memory again as the last one. */
static struct rule_table *table_grow(struct rule_table *old)
{
	int log2 = 0;
	while ((1u << log2) <= old->mask)
		log2++;
	if (log2 >= CACHE_MAX_LOG2)
		return NULL;
	struct rule_table *t = table_new(log2 + 1);
	if (!t)
		return NULL;
	for (uint32_t i = 0; i <= old->mask; i++)
		if (old->slots[i].ip)
			table_put(t, old->slots[i].ip, &old->slots[i].rule);
	__atomic_store_n(&cache, t, RELEASE);
	return t;
}

int cfi_rule_for(uint64_t ip, struct cfi_rule *out)
{
	struct rule_table *t = cache_table();
	if (!t)
		return compute_rule(ip, out);
	for (uint32_t i = slot_of(ip, t->mask), n = 0; n < 64; i = (i + 1) & t->mask, n++) {
		uint64_t key = __atomic_load_n(&t->slots[i].ip, ACQUIRE);
		if (key == ip) {
			*out = t->slots[i].rule;
			return out->flags & CFI_FALLBACK ? -1 : 0;
		}
		if (key == 0)
			break;
	}
	struct cfi_rule rule = {0};
	int r = compute_rule(ip, &rule);
	if (r != 0)
		rule.flags = CFI_FALLBACK;
	spin_lock(&cache_lock);
	t = cache;
	if ((cache_used + 1) * 4 > (t->mask + 1) * 3)
		t = table_grow(t);
	if (t)
		cache_used += (uint32_t)table_put(t, ip, &rule);
	spin_unlock(&cache_lock);
	*out = rule;
	return r;
}
