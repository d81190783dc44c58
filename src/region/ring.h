/* ring.h — the event ring's wake-up, shared by the agent (producers) and the ledger. */
#ifndef MEMLENS_REGION_RING_H
#define MEMLENS_REGION_RING_H

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "memlens/region.h"

/* The ledger sleeps on ledger_waiting (a futex in the shared region) while the ring is
 * empty: clear it and wake the ledger, if it sleeps. */
static inline void ring_wake_ledger(struct mlr_header *h)
{
	if (__atomic_exchange_n(&h->ledger_waiting, 0, __ATOMIC_ACQ_REL))
		syscall(SYS_futex, &h->ledger_waiting, FUTEX_WAKE, 1, NULL, NULL, 0);
}

#endif
