#!/bin/bash
# kill_target.sh - the target is killed with SIGKILL after allocating for a second:
# memlens still writes a report (target killed by signal 9, live heap > 0) and exits
# with 128+9.
. "$(dirname "$0")/lib.sh"
need_memlens
need_cmd pgrep
sleeper=$(prog sleeper) || exit
r="$T/r.json"

"$MEMLENS" run --headless --json -r "$r" -- "$sleeper" -n 100000 -i 5 >"$T/out" 2>"$T/err" </dev/null &
ml=$!
BG_PIDS="$ml"
wait_for 10 child_of "$ml" sleeper >/dev/null || fail "no sleeper process under memlens (pid $ml)"
target=$(child_of "$ml" sleeper)
sleep 1
grep -q '^tick 5' "$T/out" || note_fail "the target wrote no ticks in its first second"
kill -9 "$target"
rc=0
wait "$ml" || rc=$?
expect_eq "memlens exit status" "$rc" 137
[ -s "$r" ] || fail "no report after the target was killed; stderr: $(cat "$T/err")"
python3 "$REPORT_PY" check "$r" || fail "report is not report JSON"
expect_json "$r" target.state killed
expect_json "$r" target.signal 9
expect_json "$r" pid "$target"
expect_cmp "totals.live_bytes" "$(json_get "$r" totals.live_bytes)" -gt 0
expect_cmp "totals.alloc_calls" "$(json_get "$r" totals.alloc_calls)" -ge 10
finish
