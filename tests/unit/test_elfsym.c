/* test_elfsym.c — unit test of the .dynsym reader (src/attach/elfsym.c): real libc, then damaged copies of it. */
#include "config.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "attach/elfsym.h"
#include "check.h"

/* The file this process's libc was loaded from, and its load bias. */
static int libc_file(char *path, size_t len, uint64_t *bias)
{
	Dl_info info;
	struct link_map *lm = NULL;
	if (!dladdr1((void *)malloc, &info, (void **)&lm, RTLD_DL_LINKMAP) || !lm || !info.dli_fname)
		return -1;
	snprintf(path, len, "%s", info.dli_fname);
	*bias = lm->l_addr;
	return 0;
}

static void real_file(const char *path, uint64_t bias)
{
	struct elfsyms s;
	check(elfsyms_load(path, &s) == 0 && s.n > 100, "libc's .dynsym is read");
	const struct elfsym *m = elfsyms_find(&s, "malloc");
	check(m && bias + m->value == (uint64_t)(uintptr_t)dlsym(RTLD_DEFAULT, "malloc"),
	      "malloc's address = bias + its symbol value (as memlens computes it for another process)");
	check(elfsyms_find(&s, "dlopen") || elfsyms_find(&s, "__libc_dlopen_mode"), "dlopen is found");
	check(m && elfsyms_covering(&s, m->value + 1) && m->size &&
	              strcmp(elfsyms_covering(&s, m->value + 1)->name, "free") != 0,
	      "an address inside malloc is covered by a symbol there");
	check(!elfsyms_find(&s, "memlens_no_such_symbol"), "an absent name is not found");
	elfsyms_free(&s);
	check(elfsyms_load("/nonexistent/file", &s) < 0, "a missing file is an error");
	check(elfsyms_load("/proc/self/status", &s) < 0, "a text file is not ELF");
}

/* Copies of the file cut short or with bytes overwritten: an error or a table, never a crash. */
static void damaged(const char *path)
{
	int fd = open(path, O_RDONLY);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0) {
		check(0, "libc can be read");
		return;
	}
	size_t len = (size_t)st.st_size;
	unsigned char *orig = malloc(len), *buf = malloc(len);
	ssize_t got = read(fd, orig, len);
	close(fd);
	char tmp[] = "/tmp/memlens-test-elfsym.XXXXXX";
	int out = mkstemp(tmp);
	srand(7);
	int survived = 0, rounds = 200;
	for (int i = 0; got == (ssize_t)len && out >= 0 && i < rounds; i++) {
		memcpy(buf, orig, len);
		size_t n = len;
		if (i % 2)
			n = (size_t)rand() % len;
		else
			for (int k = 0; k < 64; k++)
				buf[(size_t)rand() % 4096] = (unsigned char)rand(); /* headers and section table area */
		if (ftruncate(out, 0) != 0 || pwrite(out, buf, n, 0) != (ssize_t)n)
			break;
		struct elfsyms s;
		if (elfsyms_load(tmp, &s) == 0) {
			for (size_t k = 0; k < s.n; k++)
				(void)strlen(s.v[k].name);
			elfsyms_free(&s);
		}
		survived++;
	}
	char what[96];
	snprintf(what, sizeof what, "%d of %d damaged copies read without a crash", survived, rounds);
	check(survived == rounds, what);
	if (out >= 0) {
		close(out);
		unlink(tmp);
	}
	free(orig);
	free(buf);
}

int main(void)
{
	char path[4096];
	uint64_t bias;
	if (libc_file(path, sizeof path, &bias) != 0) {
		check(0, "libc's file is known");
		return check_done();
	}
	real_file(path, bias);
	damaged(path);
	return check_done();
}
