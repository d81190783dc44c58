#!/bin/bash
# duration.sh - `--duration 1s`: the report is taken after about a second while the
# target still runs (state "running", live heap > 0), then the target gets SIGTERM
# and memlens exits with its status, 128+15.
. "$(dirname "$0")/lib.sh"
need_memlens
sleeper=$(prog sleeper) || exit
r="$T/r.json"
start=$(date +%s%N)
ML_TIMEOUT=20 run_memlens "$T/ml" "$r" --duration 1s -- "$sleeper" -n 4000 -i 5 || finish
elapsed_ms=$((($(date +%s%N) - start) / 1000000))
expect_eq "exit status" "$ML_RC" 143
expect_json "$r" target.state running
expect_cmp "wall time of the run (ms)" "$elapsed_ms" -ge 900
expect_cmp "wall time of the run (ms)" "$elapsed_ms" -le 10000
dur=$(json_get "$r" duration_s)
expect_eq "0.9 <= duration_s ($dur) <= 5" "$(python3 -c "print(0.9 <= float('$dur') <= 5)")" True
expect_cmp "totals.live_bytes" "$(json_get "$r" totals.live_bytes)" -gt 0
ticks=$(grep -c '^tick' "$T/ml")
expect_cmp "ticks the target wrote" "$ticks" -ge 20
finish
