#!/bin/bash
# churn_figures.sh - on churn (one thread, deterministic), memlens's peak equals churn's
# own exact figure, and its counts and bytes equal churn's plus only the little libc
# allocates by itself (the stdout buffer, allocated after every churn block is freed).
. "$(dirname "$0")/lib.sh"
need_memlens
run_churn 200000

calls=$(json_get "$T/r.json" totals.alloc_calls)
frees=$(json_get "$T/r.json" totals.frees)
bytes=$(json_get "$T/r.json" totals.bytes_allocated)
# churn's frees do not count its reallocs; memlens counts a realloc as alloc and free
expect_cmp "alloc_calls - churn's allocs" "$((calls - $(churn_own allocs)))" -ge 0
expect_cmp "alloc_calls - churn's allocs" "$((calls - $(churn_own allocs)))" -le 4
expect_eq "frees" "$frees" "$(($(churn_own frees) + $(churn_own realloc)))"
expect_json "$T/r.json" totals.peak_live_bytes "$(churn_own peak_live_bytes)"
expect_cmp "bytes_allocated - churn's" "$((bytes - $(churn_own bytes_allocated)))" -ge 0
expect_cmp "bytes_allocated - churn's" "$((bytes - $(churn_own bytes_allocated)))" -le 65536
expect_cmp "live_blocks (libc's own only)" "$(json_get "$T/r.json" totals.live_blocks)" -le 4
expect_json "$T/r.json" totals.unknown_frees 0
finish
