#!/bin/bash
# stopped_inspector.sh - memlens is stopped (SIGSTOP) while its target allocates: the agent's
# event ring fills, nobody drains it, and after MLR_RING_PATIENCE_MS (2 s) without progress the
# agent stops recording and the target runs to its end with the output it has natively. Once
# memlens is continued, its report says recording stopped and why.
. "$(dirname "$0")/lib.sh"
need_memlens
need_cmd pgrep
build_churn
CHURN=("$T/churn" 1 3000000 512)
run_native "$T/native" "${CHURN[@]}"
[ "$NATIVE_RC" = 0 ] || fail "churn fails natively"

start_memlens churn "$T/ml" run --headless --json -r "$T/r.json" -- "${CHURN[@]}"
sleep 0.2
kill -STOP "$ML"
start=$(date +%s%N)
wait_for 60 gone "$TARGET" || { kill -CONT "$ML"; fail "the target had not finished 60 s after memlens stopped"; }
took=$((($(date +%s%N) - start) / 1000000))
echo "target finished ${took} ms after memlens was stopped"
kill -CONT "$ML"
wait "$ML"
rc=$?
[ "$rc" = 0 ] || note_fail "memlens exited $rc after it was continued (the target exited 0)"
expect_same_file "the target's stdout" "$T/native" "$T/ml"
expect_json "$T/r.json" agent.state degraded
expect_json "$T/r.json" agent.degraded_reason "memlens stopped reading the agent's events for 2 s: recording stopped"
finish
