/* cfi.h — how to step from a frame to its caller, per return address (DWARF CFI, x86-64). */
#ifndef MEMLENS_CFI_H
#define MEMLENS_CFI_H

#include <stdint.h>

#define CFI_RBP_SAVED 1u /* rbp was saved at CFA + rbp_off */
#define CFI_END       2u /* the return address is undefined: outermost frame */
#define CFI_FALLBACK  4u /* not modelled here: unwind with libunwind */

struct cfi_rule {
	int32_t cfa_off;
	int32_t rbp_off;
	uint8_t cfa_reg; /* DWARF register: 6 rbp, 7 rsp */
	uint8_t flags;
};

/* The rule of the function that `ip` (a return address) returns into.
 * 0 on success, -1 when only libunwind can step past this frame. */
int cfi_rule_for(uint64_t ip, struct cfi_rule *out);

#endif
