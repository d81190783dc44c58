/* check.h — the reporting helper the C unit tests share (each test is one translation unit).
 *
 * check(ok, what) prints "ok N - what" or "not ok N - what", N counting the checks made
 * so far from 1, and counts the failures; check_done() prints "F of N checks failed" and
 * returns the exit status: 0 when every check held, 1 otherwise. */
#ifndef MEMLENS_TESTS_UNIT_CHECK_H
#define MEMLENS_TESTS_UNIT_CHECK_H

#include <stdio.h>

static int check_failures, check_count;

static inline void check(int ok, const char *what)
{
	check_count++;
	if (!ok)
		check_failures++;
	printf("%s %d - %s\n", ok ? "ok" : "not ok", check_count, what);
}

static inline int check_done(void)
{
	printf("%d of %d checks failed\n", check_failures, check_count);
	return check_failures ? 1 : 0;
}

#endif
