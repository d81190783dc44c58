/* test_series.c — unit test of the bounded, downsampled time series (src/core/series.c). */
#include "config.h"

#include <math.h>
#include <stdio.h>

#include "core/series.h"
#include "check.h"

int main(void)
{
	struct series *s = series_new(10, 4);
	check(series_count(s) == 0 && series_last(s) == NULL, "a new series is empty");
	size_t mem = series_memory(s);
	for (int i = 0; i < 100000; i++) {
		struct sample x = {.t = i * 0.1, .heap_live = i == 5000 ? 1 << 30 : i, .heap_calls = (uint64_t)i};
		series_push(s, &x);
	}
	check(series_count(s) <= 40, "never more than levels x per-level samples");
	check(series_memory(s) == mem, "memory does not grow with samples");
	check(series_last(s)->t > 9999.8 && series_last(s)->heap_calls == 99999, "the newest sample is kept as is");
	int ordered = 1;
	for (size_t i = 1; i < series_count(s); i++)
		ordered &= series_get(s, i)->t > series_get(s, i - 1)->t;
	check(ordered, "samples come out in time order across levels");
	check(series_get(s, series_count(s)) == NULL, "reading past the end gives NULL");

	/* a spike survives downsampling while it is still covered by some level */
	struct series *small = series_new(4, 8);
	int64_t seen_max = 0;
	for (int i = 0; i < 200; i++) {
		struct sample x = {.t = i, .heap_live = i == 150 ? 999999 : 10, .heap_calls = (uint64_t)i};
		series_push(small, &x);
	}
	for (size_t i = 0; i < series_count(small); i++)
		if (series_get(small, i)->heap_live > seen_max)
			seen_max = series_get(small, i)->heap_live;
	check(seen_max == 999999, "merging keeps the maximum of gauges (a spike is not averaged away)");
	check(series_last(small)->heap_calls == 199, "merging keeps the later value of counters");
	series_free(s);
	series_free(small);

	/* resampling: 10 samples a second for 60 s, 100 allocations and 50 frees a second */
	struct series *r = series_new(600, 4);
	for (int i = 0; i <= 600; i++) {
		struct sample x = {.t = 10 + i * 0.1,
		                   .heap_live = i == 300 ? 5000 : 100,
		                   .threads = (uint32_t)(1 + i / 100),
		                   .heap_calls = (uint64_t)i * 10,
		                   .heap_frees = (uint64_t)i * 5};
		series_push(r, &x);
	}
	double v[12];
	series_resample(r, SERIES_HEAP_LIVE, 0, 70, v, 7);
	check(isnan(v[0]), "a bucket before the first sample has no value");
	check(v[1] == 100 && v[3] == 100 && v[4] == 5000 && v[5] == 100,
	      "a gauge bucket holds its largest sample (the spike at 40 s)");
	series_resample(r, SERIES_ALLOC_RATE, 20, 70, v, 5);
	int rates = 1;
	for (int k = 0; k < 5; k++)
		rates &= fabs(v[k] - 100) < 1e-6;
	check(rates, "a rate bucket is the counter's growth per second (100/s)");
	series_resample(r, SERIES_FREE_RATE, 20, 70, v, 5);
	check(fabs(v[2] - 50) < 1e-6, "the free rate is read from the free counter (50/s)");
	series_resample(r, SERIES_THREADS, 69, 70.6, v, 8);
	check(v[0] == 6 && v[6] == 7 && v[7] == 7, "buckets narrower than the sample period repeat the level");
	series_free(r);
	return check_done();
}
