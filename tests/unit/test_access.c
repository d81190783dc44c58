/* test_access.c — unit test of the attach permission verdicts (src/attach/access.c), Yama included. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "attach/access.h"
#include "check.h"

#define ALL_CAPS 0x1ffffffffffULL
#define PTRACE   (1ULL << 19)

/* A plain process of uid 1000 that memlens, also uid 1000 without privileges, may trace. */
static struct access_facts plain(void)
{
	struct access_facts f;
	memset(&f, 0, sizeof f);
	f.pid = 4242;
	f.self = 100;
	f.exists = 1;
	for (int i = 0; i < 4; i++)
		f.uid[i] = f.gid[i] = 1000;
	f.my_uid = f.my_gid = 1000;
	f.yama_scope = -1;
	return f;
}

static struct access_facts as_root(struct access_facts f)
{
	f.my_uid = f.my_gid = 0;
	f.my_caps = ALL_CAPS;
	f.have_cap_ptrace = 1;
	return f;
}

static void expect(const struct access_facts *f, enum access_verdict want, const char *what)
{
	char line[600], buf[512];
	enum access_verdict got = access_decide(f);
	snprintf(line, sizeof line, "%s: verdict %d (want %d): %s", what, got, want,
	         access_explain(got, f, buf, sizeof buf));
	check(got == want, line);
}

static void classic(void)
{
	struct access_facts f = plain();
	expect(&f, ACCESS_OK, "same user, no Yama");
	f.exists = 0;
	expect(&f, ACCESS_NO_PROCESS, "no such process");
	f = plain();
	f.zombie = 1;
	expect(&f, ACCESS_NO_PROCESS, "a zombie");
	f = plain();
	f.pid = f.self;
	expect(&f, ACCESS_SELF, "memlens itself");
	f = plain();
	f.kernel_thread = 1;
	expect(&f, ACCESS_KERNEL_THREAD, "a kernel thread");
	f = as_root(f);
	expect(&f, ACCESS_KERNEL_THREAD, "a kernel thread, even for root");
	f = plain();
	f.tracer = 77;
	expect(&f, ACCESS_TRACED, "traced by another process");
	f = as_root(f);
	expect(&f, ACCESS_TRACED, "traced by another process, even for root");
	f = plain();
	f.uid[1] = 0; /* a setuid program: effective uid differs */
	expect(&f, ACCESS_OTHER_USER, "effective uid differs");
	f = plain();
	for (int i = 0; i < 4; i++)
		f.uid[i] = 1001;
	expect(&f, ACCESS_OTHER_USER, "another user's process");
	f = as_root(f);
	expect(&f, ACCESS_OK, "another user's process, memlens as root");
}

static void capabilities(void)
{
	struct access_facts f = plain();
	f.target_caps = 1ULL << 10; /* cap_net_bind_service given to the target */
	expect(&f, ACCESS_NO_CAP, "target holds a capability memlens has not");
	f.my_caps = 1ULL << 10;
	expect(&f, ACCESS_OK, "memlens holds the same capability");
	/* root in a container without CAP_SYS_PTRACE, a root process with all capabilities */
	f = as_root(plain());
	for (int i = 0; i < 4; i++)
		f.uid[i] = f.gid[i] = 0;
	f.target_caps = ALL_CAPS;
	f.my_caps = ALL_CAPS & ~PTRACE;
	f.have_cap_ptrace = 0;
	expect(&f, ACCESS_NO_CAP, "root without CAP_SYS_PTRACE, target with it");
	f.target_caps = ALL_CAPS & ~PTRACE;
	expect(&f, ACCESS_OK, "root without CAP_SYS_PTRACE, target without it either");
	check(access_after_eperm(&f) == ACCESS_NO_CAP, "EPERM with no visible reason: CAP_SYS_PTRACE needed (undumpable)");
	f.tracer = 9;
	check(access_after_eperm(&f) == ACCESS_TRACED, "EPERM with a tracer: the tracer is the reason");
}

static void yama(void)
{
	struct access_facts f = plain();
	f.yama_scope = 0;
	expect(&f, ACCESS_OK, "Yama 0 (classic)");
	f.yama_scope = 1;
	expect(&f, ACCESS_YAMA, "Yama 1, not a descendant");
	f.descendant = 1;
	expect(&f, ACCESS_OK, "Yama 1, a descendant of memlens");
	f.descendant = 0;
	f = as_root(f);
	expect(&f, ACCESS_OK, "Yama 1, root");
	f = plain();
	f.yama_scope = 2;
	f.descendant = 1;
	expect(&f, ACCESS_YAMA, "Yama 2 (admin only), a descendant");
	f = as_root(f);
	expect(&f, ACCESS_OK, "Yama 2, root");
	f.yama_scope = 3;
	expect(&f, ACCESS_YAMA, "Yama 3 (no attach), even root");
	f = plain();
	f.yama_scope = 1;
	for (int i = 0; i < 4; i++)
		f.uid[i] = 1001;
	expect(&f, ACCESS_OTHER_USER, "Yama 1 and another user: the user is said first");
}

static void explanations(void)
{
	char buf[512];
	struct access_facts f = plain();
	f.yama_scope = 1;
	access_explain(ACCESS_YAMA, &f, buf, sizeof buf);
	check(strstr(buf, "ptrace_scope is 1") && strstr(buf, "sysctl"), "Yama 1 text names the scope and the fix");
	f.yama_scope = 3;
	access_explain(ACCESS_YAMA, &f, buf, sizeof buf);
	check(strstr(buf, "ptrace_scope is 3") && strstr(buf, "memlens run"), "Yama 3 text points to memlens run");
	f.tracer = 555;
	access_explain(ACCESS_TRACED, &f, buf, sizeof buf);
	check(strstr(buf, "555") != NULL, "traced: the tracer's pid is named");
	for (enum access_verdict v = ACCESS_OK; v <= ACCESS_NO_CAP; v++) {
		access_explain(v, &f, buf, sizeof buf);
		check(!strchr(buf, '\n') && strlen(buf) > 20, "every explanation is one line");
	}
}

static void gathered(void)
{
	struct access_facts f;
	access_gather(getpid(), &f);
	check(f.exists && f.pid == f.self && access_decide(&f) == ACCESS_SELF, "gathered: this process is memlens itself");
	check(f.uid[0] == (unsigned)getuid(), "gathered: real uid read from /proc");
	access_gather(getppid(), &f);
	check(f.exists && !f.kernel_thread && !f.zombie, "gathered: the parent exists, a user process");
	access_gather(-1, &f);
	check(!f.exists && access_decide(&f) == ACCESS_NO_PROCESS, "gathered: pid -1 does not exist");
}

int main(void)
{
	classic();
	capabilities();
	yama();
	explanations();
	gathered();
	return check_done();
}
