/* fuzz_snapshot.c — libFuzzer target: the snapshot reader, and everything that reads what it accepts. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>

#include "core/diff.h"
#include "core/export.h"
#include "core/report.h"
#include "core/snapshot.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct model m;
	char err[512];
	if (snapshot_decode(data, size, "fuzz.mls", &m, err, sizeof err) != SNAP_OK)
		return 0;
	/* a file the reader accepts must be safe for every consumer */
	static FILE *sink;
	if (!sink)
		sink = fopen("/dev/null", "w");
	struct report_opts ro = {.top = 5};
	report_write(sink, &m, NULL, &ro);
	ro.json = 1;
	report_write(sink, &m, NULL, &ro);
	struct diff_opts o = {.by = DIFF_BY_SITE};
	struct diff d;
	if (diff_compute(&m, &m, &o, &d, err, sizeof err) == 0) {
		diff_write_text(sink, &d, "a", "b", 5);
		diff_free(&d);
	}
	export_collapsed(sink, &m, EXPORT_INUSE_SPACE);
	export_json(sink, &m);
	export_pprof(sink, &m);
	model_done(&m);
	return 0;
}
