#!/bin/bash
# demo.sh - `memlens demo --headless --duration 3s` runs the bundled workload and
# reports at least two threads and a live heap that is not zero.
. "$(dirname "$0")/lib.sh"
need_memlens

rc=0
"$MEMLENS" demo --headless --duration 3s >"$T/text" 2>"$T/err" </dev/null || rc=$?
case $rc in
64 | 69 | 70 | 71 | 73 | 126 | 127) note_fail "demo failed with status $rc: $(head -3 "$T/err")" ;;
*) echo "ok: demo exit status $rc" ;;
esac
expect_cmp "lines in the demo's text report" "$(wc -l <"$T/text")" -ge 3

rc=0
"$MEMLENS" demo --headless --duration 3s --json -r "$T/r.json" >"$T/out" 2>"$T/err" </dev/null || rc=$?
[ -s "$T/r.json" ] || fail "demo --json -r wrote no report (status $rc): $(head -3 "$T/err")"
python3 "$REPORT_PY" check "$T/r.json" || fail "the demo's report is not report JSON"
expect_json "$T/r.json" target.state running
threads=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(max(len(d["threads"]), d["process"]["max_threads"]))' "$T/r.json")
expect_cmp "threads in the demo" "$threads" -ge 2
expect_cmp "live heap of the demo" "$(json_get "$T/r.json" totals.live_bytes)" -gt 0
finish
