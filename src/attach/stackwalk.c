/* stackwalk.c — unwind a ptrace-stopped thread of another process with libunwind-ptrace. */
#include "config.h"

#include <errno.h>
#include <libunwind-ptrace.h>
#include <stdlib.h>
#include <string.h>

#include "attach/stackwalk.h"
#include "core/util.h"

struct stackwalk {
	unw_addr_space_t as;
};

struct stackwalk *stackwalk_new(void)
{
	unw_addr_space_t as = unw_create_addr_space(&_UPT_accessors, 0);
	if (!as)
		return NULL;
	/* one address space serves every thread of the process: its unwind tables are read once */
	unw_set_caching_policy(as, UNW_CACHE_GLOBAL);
	struct stackwalk *w = xmalloc(sizeof *w);
	w->as = as;
	return w;
}

void stackwalk_free(struct stackwalk *w)
{
	if (!w)
		return;
	unw_destroy_addr_space(w->as);
	free(w);
}

int stackwalk_take(struct stackwalk *w, pid_t tid, int max, struct stack *s)
{
	memset(s, 0, sizeof *s);
	if (max <= 0 || max > STACKWALK_MAX)
		max = STACKWALK_MAX;
	void *upt = _UPT_create(tid); /* per thread: the registers come from this tid */
	if (!upt)
		return -ENOMEM;
	unw_cursor_t c;
	if (unw_init_remote(&c, w->as, upt) < 0) {
		_UPT_destroy(upt);
		return -EIO;
	}
	int exact_next = 1; /* frame 0 is where the thread is, not a return address */
	for (;;) {
		unw_word_t ip = 0;
		if (unw_get_reg(&c, UNW_REG_IP, &ip) < 0 || ip == 0) {
			s->complete = ip == 0;
			break;
		}
		if (s->depth == max) {
			s->truncated = 1;
			break;
		}
		if (exact_next && s->depth < 64)
			s->exact |= (uint64_t)1 << s->depth;
		s->ips[s->depth++] = ip;
		exact_next = unw_is_signal_frame(&c) > 0; /* below a signal frame: the interrupted pc */
		int r = unw_step(&c);
		if (r <= 0) {
			s->complete = r == 0;
			break;
		}
	}
	_UPT_destroy(upt);
	return 0;
}
