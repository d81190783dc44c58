/* snapfile.h — read a snapshot for a command: the one-line error and exit status for each way it can fail. */
#ifndef MEMLENS_CLI_SNAPFILE_H
#define MEMLENS_CLI_SNAPFILE_H

#include "core/model.h"

/* 0 with *m filled, or an exit status after printing "memlens: FILE: offset N: what" to stderr:
 * 66 unreadable, 79 not a snapshot, 80 newer format, 65 damaged. */
int snapfile_load(const char *path, struct model *m);

#endif
