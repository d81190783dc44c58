/* outfile.c — where a report goes: standard output, or a file written in full under a temporary name first. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/exitcodes.h"
#include "cli/outfile.h"
#include "core/util.h"

int outfile_open(const char *path, char *tmp, size_t len, FILE **out)
{
	if (!path) {
		*out = stdout;
		return 0;
	}
	if (util_is_special(path)) { /* /dev/null, a FIFO: written in place, never replaced */
		tmp[0] = '\0';
		if (!(*out = fopen(path, "w"))) {
			fprintf(stderr, "memlens: cannot open %s: %s\n", path, strerror(errno));
			return EXIT_CANT_CREATE;
		}
		return 0;
	}
	snprintf(tmp, len, "%s.XXXXXX", path);
	int fd = mkstemp(tmp);
	if (fd < 0 || !(*out = fdopen(fd, "w"))) {
		fprintf(stderr, "memlens: cannot create %s: %s\n", path, strerror(errno));
		return EXIT_CANT_CREATE;
	}
	/* the mode a newly created file would have (mkstemp makes it 0600) */
	mode_t mask = umask(0);
	umask(mask);
	fchmod(fd, 0666 & ~mask);
	return 0;
}

int outfile_check_writable(const char *path)
{
	if (util_is_special(path)) {
		if (access(path, W_OK) == 0)
			return 0;
		fprintf(stderr, "memlens: cannot write %s: %s\n", path, strerror(errno));
		return EXIT_CANT_CREATE;
	}
	char tmp[4096];
	snprintf(tmp, sizeof tmp, "%s.tmp.XXXXXX", path);
	int fd = mkstemp(tmp);
	if (fd < 0) {
		fprintf(stderr, "memlens: cannot create %s: %s\n", path, strerror(errno));
		return EXIT_CANT_CREATE;
	}
	close(fd);
	unlink(tmp);
	return 0;
}

/* Write to a temporary file and rename, so a crash never leaves half a report under the name. */
int outfile_finish(const char *path, const char *tmp, FILE *out)
{
	if (!path)
		return fflush(out) == 0 || errno == EPIPE ? 0 : EXIT_OS_ERROR;
	if (fclose(out) != 0 || (tmp[0] && rename(tmp, path) != 0)) {
		fprintf(stderr, "memlens: cannot write %s: %s\n", path, strerror(errno));
		if (tmp[0])
			unlink(tmp);
		return EXIT_CANT_CREATE;
	}
	return 0;
}
