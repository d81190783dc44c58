/* snapfile.c — snapshot reading for the commands that take snapshot files. */
#include "config.h"

#include <stdio.h>

#include "cli/exitcodes.h"
#include "cli/snapfile.h"
#include "core/snapshot.h"

int snapfile_load(const char *path, struct model *m)
{
	char err[512];
	enum snap_status st = snapshot_read(path, m, err, sizeof err);
	if (st == SNAP_OK)
		return 0;
	fprintf(stderr, "memlens: %s\n", err);
	switch (st) {
	case SNAP_UNREADABLE: return EXIT_NO_INPUT;
	case SNAP_NOT_SNAPSHOT: return EXIT_NOT_SNAPSHOT;
	case SNAP_NEWER: return EXIT_NEWER_FORMAT;
	default: return EXIT_BAD_INPUT;
	}
}
