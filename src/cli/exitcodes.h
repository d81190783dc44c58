/* exitcodes.h — memlens's own exit statuses (documented in doc/memlens.1); otherwise memlens exits with the target's
 * status. */
#ifndef MEMLENS_EXITCODES_H
#define MEMLENS_EXITCODES_H

/* Values follow sysexits.h and the shell's 126/127 so scripts can tell them apart. */
enum {
	EXIT_USAGE = 64,       /* bad command line */
	EXIT_BAD_INPUT = 65,   /* malformed input file */
	EXIT_NO_INPUT = 66,    /* input file missing or unreadable */
	EXIT_NO_AGENT = 69,    /* libmemlens-agent.so not found */
	EXIT_INTERNAL = 70,    /* memlens bug or out of memory */
	EXIT_OS_ERROR = 71,    /* a system call memlens needs failed */
	EXIT_CANT_CREATE = 73, /* output file cannot be created */
	/* snapshot files (memlens report, diff, export): */
	EXIT_NOT_SNAPSHOT = 79, /* empty, or not a memlens snapshot at all */
	EXIT_NEWER_FORMAT = 80, /* a snapshot of a newer major format version */
	/* EXIT_BAD_INPUT (65) is a damaged snapshot, EXIT_NO_INPUT (66) one that cannot be read */
	EXIT_NOT_EXECUTABLE = 126,
	EXIT_NOT_FOUND = 127,
};

#endif
