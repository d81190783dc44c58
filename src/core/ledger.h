/* ledger.h — the inspector's thread that drains the agent's event ring into the live map and the counters. */
#ifndef MEMLENS_CORE_LEDGER_H
#define MEMLENS_CORE_LEDGER_H

#include <pthread.h>
#include <stdint.h>

#include "core/region.h"

/*
 * The agent appends an event per allocation and free to the region's ring and
 * goes on; the ledger, a thread of memlens, is the ring's only reader and the
 * only writer of the live-block map and of every counter (region.h). The work
 * that costs cache misses (finding a freed block among millions) thus runs on
 * another core than the program's.
 */
struct ledger_stash; /* per thread slot: the block a realloc set aside */

struct ledger {
	struct region *region;
	pthread_t thread;
	int running;                /* the thread was started */
	int quit;                   /* asks the thread to end (atomic) */
	int target_gone;            /* no event will be published any more (atomic) */
	struct ledger_stash *stash; /* one per thread slot, once the region is ready */
};

/* Start draining the ring of r (which must stay where it is until ledger_stop). */
void ledger_start(struct ledger *l, struct region *r);
/* Wait, up to timeout_ms, until every event published so far is applied. With target_gone,
 * the target will publish nothing more: slots it reserved but never filled are skipped.
 * 0 when caught up, -1 on timeout or without a running ledger. */
int ledger_sync(struct ledger *l, int target_gone, int timeout_ms);
/* Drain what is published, stop the thread, free the ledger's memory. */
void ledger_stop(struct ledger *l);

#endif
