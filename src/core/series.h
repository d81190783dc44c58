/* series.h — bounded time series of samples: recent ones at full resolution, older ones downsampled. */
#ifndef MEMLENS_CORE_SERIES_H
#define MEMLENS_CORE_SERIES_H

#include <stddef.h>
#include <stdint.h>

/* One sample of the model's clock. Gauges (rss…live) keep their maximum when
 * merged, cumulative counters (calls, frees, bytes) the later value. */
struct sample {
	double t; /* seconds since the target started */
	uint64_t rss, rss_anon, hwm, vmsize;
	uint32_t threads;  /* kernel's thread count */
	int64_t heap_live; /* live heap bytes */
	int64_t mmap_live;
	uint64_t heap_calls, heap_frees, heap_bytes;
};

struct series;

/* levels * per_level samples at most: level k holds samples 2^k base periods apart. */
struct series *series_new(size_t per_level, int levels);
void series_free(struct series *s);
void series_push(struct series *s, const struct sample *x);
size_t series_count(const struct series *s);
/* i-th sample in time order (0 = oldest kept). */
const struct sample *series_get(const struct series *s, size_t i);
const struct sample *series_last(const struct series *s);
size_t series_memory(const struct series *s);

/* What a graph or a statistic reads from the series: gauges (a level at an instant) and
 * rates (per second, from the cumulative counters). */
enum series_field {
	SERIES_RSS,
	SERIES_HEAP_LIVE,
	SERIES_MMAP_LIVE,
	SERIES_THREADS,
	SERIES_ALLOC_RATE,       /* allocation calls per second */
	SERIES_FREE_RATE,        /* frees per second */
	SERIES_ALLOC_BYTES_RATE, /* bytes allocated per second */
};

/* Resample a field over [t0, t1] (seconds since the target started) into n equal buckets:
 * a gauge takes the largest sample in each bucket, a rate the counter's growth over the
 * bucket divided by its length. A bucket no sample reaches repeats the one before it
 * (NAN before the first sample and after the last). Costs O(log samples + samples in
 * the window + n). */
void series_resample(const struct series *s, enum series_field f, double t0, double t1, double *out, size_t n);

#endif
