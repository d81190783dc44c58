#!/bin/bash
# threads_heap.sh - `memlens threads` on a process whose agent is recording (under memlens
# run) shows each thread's heap figures from the agent's region next to its stack; on a
# process whose agent an attach left dormant it shows none (they would be stale).
. "$(dirname "$0")/lib.sh"
need_memlens
need_cmd pgrep
sleeper=$(prog sleeper) || exit

"$MEMLENS" run --headless -r /dev/null -- "$sleeper" -n 100000 -i 5 >"$T/out" 2>&1 </dev/null &
ml=$!
BG_PIDS="$ml"
wait_for 10 child_of "$ml" sleeper >/dev/null || fail "no sleeper under memlens run"
pid=$(child_of "$ml" sleeper)
BG_PIDS="$ml $pid"
wait_for 5 grep -q '^tick 20' "$T/out" || fail "sleeper did not tick"
rc=0
"$MEMLENS" threads --json -r "$T/d.json" "$pid" || rc=$?
expect_eq "threads exit status" "$rc" 0
expect_cmp "the thread's bytes allocated, from the agent" \
    "$(json_get "$T/d.json" thread_dump.groups.0.threads.0.bytes_allocated)" -ge $((4096 * 20))
expect_cmp "its live bytes" "$(json_get "$T/d.json" thread_dump.groups.0.threads.0.live_bytes)" -ge $((4096 * 20))
"$MEMLENS" threads "$pid" >"$T/text"
grep -qE "tid $pid .*heap [0-9.]+ [KM]iB allocated, [0-9.]+ [KM]iB live" "$T/text" &&
    echo "ok: the text dump shows the heap figures" || note_fail "no heap figures in: $(grep "tid $pid" "$T/text")"
kill "$ml"
wait "$ml" 2>/dev/null

# a dormant agent (attached, then detached): no figures
"$sleeper" -n 100000 -i 5 >"$T/out2" 2>&1 </dev/null &
pid=$!
BG_PIDS="$pid"
wait_for 5 grep -q '^tick 5' "$T/out2" || fail "sleeper did not start"
"$MEMLENS" attach --headless --duration 200ms -r /dev/null "$pid" || note_fail "attach failed"
"$MEMLENS" threads --json -r "$T/d2.json" "$pid" || note_fail "threads failed"
expect_eq "heap figures of a dormant agent" "$(json_get "$T/d2.json" thread_dump.groups.0.threads.0.bytes_allocated)" MISSING
finish
