/* attach.h — the agent's entry points memlens calls inside a running process (memlens attach), by name. */
#ifndef MEMLENS_ATTACH_H
#define MEMLENS_ATTACH_H

#include <stdint.h>

/*
 * memlens loads libmemlens-agent.so into the process with dlopen and calls these through
 * ptrace on one of its threads, stopped at a safe point (never inside the allocator or the
 * dynamic loader). Arguments are integers only (they travel in registers). Names and
 * signatures are a contract between separately built pieces: never change them; add new
 * entry points instead.
 */
#define MLA_ATTACH  "memlens_agent_attach"
#define MLA_RELEASE "memlens_agent_release"
#define MLA_DETACH  "memlens_agent_detach"

/* Record into a new region of region_size bytes (enum mlr_unwinder, max_depth 1..64):
 * returns the region's memfd in the process (>= 0) or -errno. */
int memlens_agent_attach(uint64_t region_size, int unwinder, int max_depth);
/* Close the agent's descriptor of the region once memlens holds its own. 0 or -errno. */
int memlens_agent_release(int fd);
/* Stop recording, restore the GOT entries, stay loaded and dormant: the number of entries restored. */
int memlens_agent_detach(void);

#endif
