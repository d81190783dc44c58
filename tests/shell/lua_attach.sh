#!/bin/bash
# lua_attach.sh - `memlens script --pid PID`: the agent is loaded into a running leaky as
# `memlens attach` does, the standard heuristics flag its three leak sites, memlens exits 101
# after --duration, and leaky is left running (never signalled) and ends normally. Also: --pid
# with a command, and a process that does not exist.
. "$(dirname "$0")/lib.sh"
need_memlens
src=$(need_workload leaky.c) || exit
need_cmd gcc
gcc -O2 -g -o "$T/leaky" "$src" || fail "cannot build leaky"
: >"$T/empty.lua"

"$T/leaky" -s 17 -u 1000 >"$T/leaky.out" 2>"$T/leaky.err" </dev/null &
pid=$!
BG_PIDS="$pid"
sleep 1
run_script "$T/out" "$T/r.json" "$T/empty.lua" --pid "$pid" --duration 13s ||
    fail "no results (status $SC_RC): $(tail -5 "$T/out.err")"
expect_eq "exit status (a heuristic fired)" "$SC_RC" 101
expect_eq "the target is the attached pid" "$(python3 "$SCRIPT_PY" get "$T/r.json" target.pid)" "$pid"
expect_eq "it was left running" "$(python3 "$SCRIPT_PY" get "$T/r.json" target.state)" running
python3 "$SCRIPT_PY" findings "$T/r.json" >"$T/findings"
for f in leak_fast leak_medium leak_slow; do
    grep -q "^heuristic=steady-growth category=leak fired=1 .*functions=$f," "$T/findings" &&
        echo "ok: $f flagged" || note_fail "$f not flagged: $(cat "$T/findings")"
done
grep -qE "functions=(cache_put|temp_churn)," "$T/findings" && note_fail "a site that does not leak is flagged" ||
    echo "ok: cache_put and temp_churn are not flagged"
gone "$pid" && note_fail "leaky is gone after memlens detached" || echo "ok: leaky still runs after memlens ended"
rc=0
wait "$pid" || rc=$?
expect_eq "leaky's own exit status" "$rc" 0
grep -q "^leaky: expected figures after" "$T/leaky.out" && echo "ok: leaky ran to its end" ||
    note_fail "leaky did not finish: $(tail -3 "$T/leaky.err")"

rc=0
"$MEMLENS" script "$T/empty.lua" --pid 1 -- /bin/true >/dev/null 2>"$T/both.err" || rc=$?
expect_eq "--pid and a command: exit status" "$rc" 64
grep -q "either --pid PID or -- CMD" "$T/both.err" && echo "ok: says why" || note_fail "$(cat "$T/both.err")"
rc=0
"$MEMLENS" script "$T/empty.lua" --pid 999999999 >/dev/null 2>"$T/nopid.err" || rc=$?
expect_eq "a pid that does not exist: exit status (no such process)" "$rc" 81
finish
