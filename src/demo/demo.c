/* demo.c — memlens-demo, the bundled workload: a steady leak, a bounded cache, buffer churn, threads that never exit.
 */
#include "config.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/*
 * What a user should find in memlens, by design:
 *  - session_log_append() leaks 512 bytes every tick: the leak.
 *  - lru_cache_put() keeps at most 2048 entries of 1 KiB: grows, then flat.
 *  - render_frame() allocates and frees 64 KiB scratch buffers: churn, no leak.
 *  - spawn_worker() starts a thread every 2 s that never exits, and each
 *    worker leaks a little of its own: the "goroutine leak".
 * Runs until killed, or for the seconds given as argv[1].
 */

#define CACHE_MAX 2048
#define TICK_US   2000

static void *cache[CACHE_MAX];
static unsigned cache_head, cache_len;
static void *volatile sink;

__attribute__((noinline)) static void session_log_append(unsigned tick)
{
	char *line = malloc(512);
	snprintf(line, 512, "tick %u: request handled", tick);
	sink = line; /* never freed: the leak */
}

__attribute__((noinline)) static void lru_cache_put(unsigned key)
{
	if (cache_len == CACHE_MAX) {
		free(cache[cache_head]);
		cache_head = (cache_head + 1) % CACHE_MAX;
		cache_len--;
	}
	char *entry = calloc(1, 1024);
	memcpy(entry, &key, sizeof key);
	cache[(cache_head + cache_len++) % CACHE_MAX] = entry;
}

__attribute__((noinline)) static unsigned char *scratch_buffer(size_t size)
{
	unsigned char *p = malloc(size);
	sink = p; /* escapes: the compiler may not elide the allocation */
	return p;
}

__attribute__((noinline)) static unsigned render_frame(unsigned tick)
{
	unsigned sum = 0;
	for (int i = 0; i < 4; i++) {
		unsigned char *scratch = scratch_buffer(64 * 1024);
		memset(scratch, (int)(tick + (unsigned)i), 64 * 1024);
		sum += scratch[tick % (64 * 1024)];
		free(scratch);
	}
	return sum;
}

__attribute__((noinline)) static void *worker_main(void *arg)
{
	(void)arg;
	for (;;) {
		sink = malloc(128); /* each stuck worker leaks a little */
		sleep(1);
	}
	return NULL;
}

__attribute__((noinline)) static void spawn_worker(void)
{
	pthread_t t;
	if (pthread_create(&t, NULL, worker_main, NULL) == 0)
		pthread_detach(t);
}

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : 0;
	struct timespec t0, now;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	unsigned sum = 0;
	for (unsigned tick = 0;; tick++) {
		session_log_append(tick);
		lru_cache_put(tick);
		if (tick % 8 == 0)
			sum += render_frame(tick);
		if (tick % 1000 == 0)
			spawn_worker();
		usleep(TICK_US);
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (seconds > 0 &&
		    (double)(now.tv_sec - t0.tv_sec) + (double)(now.tv_nsec - t0.tv_nsec) / 1e9 >= seconds)
			break;
	}
	return (int)(sum & 0);
}
