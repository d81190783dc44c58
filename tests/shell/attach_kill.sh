#!/bin/bash
# attach_kill.sh - memlens killed with SIGKILL while attached (the agent loaded, recording):
# the process goes on unharmed, no thread is left stopped or traced, and the next attach takes
# the orphaned agent over (stops it, restores nothing twice, records into a new region).
. "$(dirname "$0")/lib.sh"
need_memlens
start_parked "$T/out" 2 1 1
pid=$PARKED

"$MEMLENS" attach --duration 30s -r "$T/r1" "$pid" 2>"$T/err1" &
ml=$!
BG_PIDS="$BG_PIDS $ml"
wait_for 10 grep -q 'memlens-region' /proc/"$pid"/maps || fail "the agent did not start: $(cat "$T/err1")"
sleep 0.3
kill -9 "$ml"
wait "$ml" 2>/dev/null
expect_running "$pid" "$T/out" "after memlens was killed while attached"

rc=0
"$MEMLENS" attach --duration 300ms --json -r "$T/r2.json" "$pid" 2>"$T/err2" || rc=$?
expect_eq "the next attach: exit status" "$rc" 0
expect_json "$T/r2.json" agent.attach.reused true
expect_json "$T/r2.json" agent.attach.detached true
expect_eq "copies of the agent" "$(grep -c 'r-xp.*libmemlens-agent' /proc/"$pid"/maps)" 1
expect_running "$pid" "$T/out" "after the second attach"
finish
