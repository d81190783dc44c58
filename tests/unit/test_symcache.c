/* test_symcache.c — unit test of the on-disk symbol cache: round trip, damaged files, the off switch. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/symcache.h"
#include "check.h"

struct seen {
	int n;
	uint64_t offsets[8];
	int nframes[8];
	char fn[8][64];
	char file[8][64];
	int line[8];
	int inlined_first[8];
};

static void collect(const struct symcache_entry *e, void *arg)
{
	struct seen *s = arg;
	if (s->n == 8)
		return;
	s->offsets[s->n] = e->offset;
	s->nframes[s->n] = e->nframes;
	snprintf(s->fn[s->n], 64, "%s", e->frames[0].function ? e->frames[0].function : "(null)");
	snprintf(s->file[s->n], 64, "%s", e->frames[0].file ? e->frames[0].file : "(null)");
	s->line[s->n] = e->frames[0].line;
	s->inlined_first[s->n] = e->frames[0].inlined;
	s->n++;
}

/* Every entry a damaged file still yields must be well-formed: frames within bounds. */
static int entry_ok = 1;

static void check_entry(const struct symcache_entry *e, void *arg)
{
	(void)arg;
	if (e->nframes < 1 || e->nframes > SYMBOLIZE_MAX_FRAMES || !e->frames)
		entry_ok = 0;
	for (int i = 0; i < e->nframes && entry_ok; i++)
		if (e->frames[i].line < 0 || (e->frames[i].inlined != 0 && e->frames[i].inlined != 1))
			entry_ok = 0;
}

/* Flip, delete and insert random bytes of a valid file, many times over. */
static int survives_mutations(const char *dir)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/mutated.syms", dir);
	const char *valid = "memlens-symcache 1\nA\t1a2b\t1\t2\nF\t1\t7\tinner\ta.c\nF\t0\t0\touter\t-\n"
	                    "A\tff\t0\t1\nF\t0\t12\t-\tb.c\n";
	size_t len = strlen(valid);
	unsigned seed = 12345;
	char buf[256];
	for (int round = 0; round < 2000; round++) {
		memcpy(buf, valid, len);
		size_t n = len;
		for (int k = 0; k < 1 + round % 6; k++) {
			seed = seed * 1103515245u + 12345u;
			size_t at = (seed >> 8) % n;
			switch ((seed >> 4) % 3) {
			case 0: buf[at] = (char)(seed >> 16); break;
			case 1: memmove(buf + at, buf + at + 1, n - at - 1), n--; break;
			default:
				if (n + 1 < sizeof buf) {
					memmove(buf + at + 1, buf + at, n - at);
					buf[at] = "\t\n-A F0123456789abcdef"[(seed >> 12) % 23];
					n++;
				}
			}
		}
		FILE *f = fopen(path, "w");
		if (!f || fwrite(buf, 1, n, f) != n || fclose(f) != 0)
			return 0;
		symcache_load(path, check_entry, NULL);
	}
	return entry_ok;
}

int main(void)
{
	char dir[] = "/tmp/memlens-symcache-test.XXXXXX";
	if (!mkdtemp(dir))
		return 77;
	setenv("MEMLENS_SYMBOL_CACHE", dir, 1);
	const uint8_t id[4] = {0xde, 0xad, 0xbe, 0xef};
	char path[4096];
	check(symcache_path(id, sizeof id, 1, path, sizeof path) == 0 && strstr(path, "deadbeef.d1.r"),
	      "the file is named after the build id and the debug-file flag");

	struct sym_frame two[2] = {{.function = "inner\tname", .file = "a.c", .line = 7, .inlined = 1},
				   {.function = "outer", .file = NULL, .line = 0}};
	struct sym_frame one[1] = {{.function = NULL, .file = NULL}};
	struct symcache_entry e[2] = {{0x1234, 1, two, 2}, {0xabc, 0, one, 1}};
	check(symcache_append(path, e, 2) == 0, "entries are appended");
	struct seen s = {0};
	int n = symcache_load(path, collect, &s);
	check(n == 2 && s.n == 2, "both entries load back");
	check(s.offsets[0] == 0x1234 && s.nframes[0] == 2 && s.line[0] == 7 && s.inlined_first[0] == 1,
	      "offset, frame count, line and inlined flag survive");
	check(strcmp(s.fn[0], "inner name") == 0 && strcmp(s.file[0], "a.c") == 0, "a tab in a name becomes a space");
	check(strcmp(s.fn[1], "(null)") == 0 && strcmp(s.file[1], "(null)") == 0, "unknown names stay unknown");

	/* a damaged tail: what came before it still loads */
	FILE *f = fopen(path, "a");
	fputs("A\t99\t1\t3\nF\t0\t1\tx\ty\nGARBAGE\n", f);
	fclose(f);
	memset(&s, 0, sizeof s);
	check(symcache_load(path, collect, &s) == 2, "a damaged entry ends the file, earlier ones load");

	/* not a cache file at all */
	f = fopen(path, "w");
	fputs("\x7f" "ELF binary junk\nA\t1\t1\t1\nF\t0\t1\tx\ty\n", f);
	fclose(f);
	memset(&s, 0, sizeof s);
	check(symcache_load(path, collect, &s) == 0 && s.n == 0, "a file without the magic line gives nothing");
	check(symcache_load("/nonexistent/x.syms", collect, &s) == -1, "a missing file is reported as -1");

	check(survives_mutations(dir), "2000 randomly damaged cache files load without a crash, every entry well-formed");

	setenv("MEMLENS_SYMBOL_CACHE", "off", 1);
	check(symcache_path(id, sizeof id, 0, path, sizeof path) == -1, "MEMLENS_SYMBOL_CACHE=off turns it off");
	char cmd[200];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 1;
	return check_done();
}
