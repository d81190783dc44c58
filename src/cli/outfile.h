/* outfile.h — where a report goes: standard output, or a file written in full under a temporary name first. */
#ifndef MEMLENS_CLI_OUTFILE_H
#define MEMLENS_CLI_OUTFILE_H

#include <stddef.h>
#include <stdio.h>

/* path NULL: *out = stdout. A device or FIFO (/dev/null): opened in place (tmp empty).
 * Else a temporary "path.XXXXXX" (its name in tmp) to be renamed by outfile_finish.
 * 0, or EXIT_CANT_CREATE after a "memlens: cannot create" line. */
int outfile_open(const char *path, char *tmp, size_t len, FILE **out);
/* Flush stdout, or close and rename the temporary file to path (a crash never leaves half a
 * report under the name). 0, EXIT_OS_ERROR or EXIT_CANT_CREATE. */
int outfile_finish(const char *path, const char *tmp, FILE *out);

/* Fail early, not after a long run: 0 when a file can be created at path (a probe file is
 * created and removed), else EXIT_CANT_CREATE after a "memlens: cannot create" line. */
int outfile_check_writable(const char *path);

#endif
