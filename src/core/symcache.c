/* symcache.c — read and append the per-build-id symbol cache files (text, one frame a line). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/symcache.h"
#include "core/util.h"

/*
 * Format (text, tab-separated; names never contain tabs or newlines, which
 * are written as spaces):
 *   memlens-symcache 1
 *   A <offset hex> <is_return 0|1> <nframes>
 *   F <inlined 0|1> <line> <function or -> <file or ->     (nframes lines)
 */
#define MAGIC "memlens-symcache 1\n"
/* Part of every file name: bump it whenever what the symbolizer reports can change
 * (a fix, more detail), so results cached by an older memlens are not reused. */
#define SYMBOLIZER_REVISION  2
#define MAX_FILE             (64u << 20)
#define MAX_FRAMES_PER_ENTRY SYMBOLIZE_MAX_FRAMES

/* mkdir -p with private permissions; 0 when dir exists as a directory we own. */
static int make_dirs(char *dir)
{
	for (char *p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		mkdir(dir, 0700);
		*p = '/';
	}
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return -1;
	struct stat st;
	return stat(dir, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == getuid() ? 0 : -1;
}

int symcache_path(const uint8_t *build_id, size_t len, int has_debug_file, char *out, size_t outlen)
{
	char dir[4096];
	const char *forced = getenv("MEMLENS_SYMBOL_CACHE");
	const char *xdg = getenv("XDG_CACHE_HOME");
	const char *home = getenv("HOME");
	if (!build_id || len == 0 || len > 64)
		return -1;
	if (forced && (strcmp(forced, "off") == 0 || !*forced))
		return -1;
	if (forced)
		snprintf(dir, sizeof dir, "%s", forced);
	else if (xdg && *xdg == '/')
		snprintf(dir, sizeof dir, "%s/memlens/symbols", xdg);
	else if (home && *home == '/')
		snprintf(dir, sizeof dir, "%s/.cache/memlens/symbols", home);
	else
		return -1;
	if (make_dirs(dir) != 0)
		return -1;
	char hex[2 * 64 + 1];
	for (size_t i = 0; i < len; i++)
		snprintf(hex + 2 * i, 3, "%02x", build_id[i]);
	int n = snprintf(out, outlen, "%s/%s.d%d.r%d.syms", dir, hex, has_debug_file ? 1 : 0, SYMBOLIZER_REVISION);
	return n > 0 && (size_t)n < outlen ? 0 : -1;
}

/* Split a line at tabs into at most max fields (in place). Returns the count. */
static int split_tabs(char *line, char **fields, int max)
{
	int n = 0;
	while (n < max) {
		fields[n++] = line;
		char *tab = strchr(line, '\t');
		if (!tab)
			break;
		*tab = '\0';
		line = tab + 1;
	}
	return n;
}

static const char *field_or_null(const char *f)
{
	return strcmp(f, "-") == 0 ? NULL : f;
}

/* Parse one "F ..." line into *fr; its strings point into line. 0 or -1. */
static int parse_frame(char *line, struct sym_frame *fr)
{
	char *f[5];
	char *end;
	if (split_tabs(line, f, 5) != 5 || strcmp(f[0], "F") != 0)
		return -1;
	long inlined = strtol(f[1], &end, 10);
	if (*end || (inlined != 0 && inlined != 1))
		return -1;
	long ln = strtol(f[2], &end, 10);
	if (*end || ln < 0 || ln > 100000000)
		return -1;
	memset(fr, 0, sizeof *fr);
	fr->inlined = (int)inlined;
	fr->line = (int)ln;
	fr->function = field_or_null(f[3]);
	fr->file = field_or_null(f[4]);
	return 0;
}

/* Parse "A <offset> <is_return> <n>". 0 or -1. */
static int parse_header(char *line, struct symcache_entry *e)
{
	char *f[4];
	char *end;
	if (split_tabs(line, f, 4) != 4 || strcmp(f[0], "A") != 0)
		return -1;
	e->offset = strtoull(f[1], &end, 16);
	if (*end || !*f[1])
		return -1;
	long r = strtol(f[2], &end, 10);
	if (*end || (r != 0 && r != 1))
		return -1;
	long n = strtol(f[3], &end, 10);
	if (*end || n < 1 || n > MAX_FRAMES_PER_ENTRY)
		return -1;
	e->is_return = (int)r;
	e->nframes = (int)n;
	return 0;
}

/* Read the whole file (bounded) into a NUL-terminated buffer. */
static char *slurp(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return NULL;
	struct stat st;
	char *buf = NULL;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 && (uint64_t)st.st_size <= MAX_FILE) {
		buf = xmalloc((size_t)st.st_size + 1);
		ssize_t n = read(fd, buf, (size_t)st.st_size);
		if (n != st.st_size) {
			free(buf);
			buf = NULL;
		} else {
			buf[n] = '\0';
			*len = (size_t)n;
		}
	}
	close(fd);
	return buf;
}

/* Take the next line (in place); NULL at the end. */
static char *next_line(char **cursor)
{
	char *p = *cursor;
	if (!p || !*p)
		return NULL;
	char *nl = strchr(p, '\n');
	if (!nl)
		return NULL; /* a partial last line (an append cut short) is dropped */
	*nl = '\0';
	*cursor = nl + 1;
	return p;
}

int symcache_load(const char *path, void (*fn)(const struct symcache_entry *e, void *arg), void *arg)
{
	size_t len = 0;
	char *buf = slurp(path, &len);
	if (!buf)
		return -1;
	int count = 0;
	char *cursor = buf;
	if (strncmp(buf, MAGIC, sizeof MAGIC - 1) == 0) {
		cursor += sizeof MAGIC - 1;
		char *line;
		struct sym_frame frames[MAX_FRAMES_PER_ENTRY];
		while ((line = next_line(&cursor)) != NULL) {
			struct symcache_entry e;
			if (parse_header(line, &e) != 0)
				break; /* a damaged file: keep what came before */
			int ok = 1;
			for (int i = 0; i < e.nframes && ok; i++) {
				char *fl = next_line(&cursor);
				ok = fl && parse_frame(fl, &frames[i]) == 0;
			}
			if (!ok)
				break;
			e.frames = frames;
			fn(&e, arg);
			count++;
		}
	}
	free(buf);
	return count;
}

/* A name as one field: tabs and newlines become spaces, NULL becomes "-". */
static void put_field(FILE *f, const char *s)
{
	if (!s || !*s) {
		fputc('-', f);
		return;
	}
	for (; *s; s++)
		fputc(*s == '\t' || *s == '\n' ? ' ' : *s, f);
}

int symcache_append(const char *path, const struct symcache_entry *e, size_t n)
{
	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);
	if (!mem)
		return -errno;
	for (size_t i = 0; i < n; i++) {
		fprintf(mem, "A\t%llx\t%d\t%d\n", (unsigned long long)e[i].offset, e[i].is_return, e[i].nframes);
		for (int k = 0; k < e[i].nframes; k++) {
			const struct sym_frame *fr = &e[i].frames[k];
			fprintf(mem, "F\t%d\t%d\t", fr->inlined ? 1 : 0, fr->line);
			put_field(mem, fr->function);
			fputc('\t', mem);
			put_field(mem, fr->file);
			fputc('\n', mem);
		}
	}
	fclose(mem);
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	int err = 0;
	if (fd < 0) {
		err = -errno;
	} else {
		flock(fd, LOCK_EX);
		struct stat st;
		if (fstat(fd, &st) == 0 && st.st_size == 0 && write(fd, MAGIC, sizeof MAGIC - 1) < 0)
			err = -errno;
		if (!err && st.st_size + (off_t)len <= (off_t)MAX_FILE && write(fd, text, len) != (ssize_t)len)
			err = -EIO;
		flock(fd, LOCK_UN);
		close(fd);
	}
	free(text);
	return err;
}
