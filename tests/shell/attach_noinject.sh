#!/bin/bash
# attach_noinject.sh - `memlens attach --no-inject --duration` on a running process samples its
# /proc figures over time (RSS grows as it allocates), ends with a thread dump, leaves the
# process running unharmed (its output is the same as without memlens), and reports a process
# that ends during the attach as gone.
. "$(dirname "$0")/lib.sh"
need_memlens
sleeper=$(prog sleeper) || exit
args=(-n 150 -i 10)

run_native "$T/native" "$sleeper" "${args[@]}"
[ "$NATIVE_RC" = 0 ] || fail "sleeper fails natively"

"$sleeper" "${args[@]}" >"$T/target" 2>&1 </dev/null &
pid=$!
BG_PIDS="$pid"
wait_for 5 grep -q '^tick 5' "$T/target" || fail "sleeper did not start"
rc=0
"$MEMLENS" attach --no-inject --headless --duration 600ms --interval 50ms --json -r "$T/r.json" "$pid" \
    2>"$T/err" || rc=$?
expect_eq "attach exit status" "$rc" 0
[ -s "$T/r.json" ] || fail "no report: $(cat "$T/err")"
python3 "$REPORT_PY" check "$T/r.json" >/dev/null 2>"$T/json.err" || note_fail "report JSON: $(head -1 "$T/json.err")"
expect_json "$T/r.json" attached true
expect_json "$T/r.json" pid "$pid"
expect_json "$T/r.json" target.state running
expect_json "$T/r.json" agent.state absent
expect_cmp "samples over 600 ms at 50 ms" "$(json_get "$T/r.json" process.samples)" -ge 8
first=$(json_get "$T/r.json" process.first_anon_rss_bytes)
last=$(json_get "$T/r.json" process.last_anon_rss_bytes)
expect_cmp "anonymous RSS grew while the sleeper allocated 4 KiB a tick (first $first)" "$last" -gt "$first"
expect_json "$T/r.json" thread_dump.groups.0.count 1
expect_json "$T/r.json" thread_dump.groups.0.threads.0.tid "$pid"
python3 "$REPORT_PY" get "$T/r.json" thread_dump.groups.0.frames >"$T/frames"
grep -q '"function": "main"' "$T/frames" && echo "ok: the dump shows the sleeper's main" ||
    note_fail "the dump has no frame 'main': $(head -c 300 "$T/frames")"

wait "$pid"
rc=$?
expect_eq "sleeper exit status after the attach" "$rc" 0
expect_same_file "sleeper output with and without the attach" "$T/native" "$T/target"

# the process ends while memlens watches: a report that says so, status 0
"$sleeper" -n 20 -i 10 >"$T/short" 2>&1 </dev/null &
pid=$!
BG_PIDS="$pid"
wait_for 5 grep -q '^tick 2' "$T/short" || fail "the short sleeper did not start"
rc=0
"$MEMLENS" attach --no-inject --duration 20s -r "$T/text" "$pid" 2>"$T/err" || rc=$?
expect_eq "attach to a process that ends: exit status" "$rc" 0
if grep -q "attached for .*, ended" "$T/text"; then
    echo "ok: the report says the process ended"
else
    note_fail "the report does not say the process ended: $(head -3 "$T/text")"
fi
wait "$pid"
finish
