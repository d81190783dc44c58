/* modmap.h — the ELF modules a running process has mapped, read from /proc/PID/maps and its memory. */
#ifndef MEMLENS_ATTACH_MODMAP_H
#define MEMLENS_ATTACH_MODMAP_H

#include <sys/types.h>

#include "core/symbolize.h"

/*
 * For every file-backed mapping at file offset 0 that holds an ELF header, call fn with the
 * module as the symbolizer wants it: the path as the target sees it, the load bias (from the
 * program headers read in the target's memory, so a deleted or replaced file still gets its
 * right bias), the range of its PT_LOAD segments and its GNU build id. The vDSO and anonymous
 * mappings are skipped. Needs the right to read the target's memory (ptrace access).
 * Returns the number of modules, or -errno when the maps cannot be read.
 */
int modmap_read(pid_t pid, void (*fn)(const struct sym_module *m, void *arg), void *arg);

#endif
