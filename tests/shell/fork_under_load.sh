#!/bin/bash
# fork_under_load.sh - forty forks while two other threads are inside malloc and free:
# every child can still allocate and exits 0 (none deadlocks on a lock another thread
# held at the fork), and the parent finishes normally.
. "$(dirname "$0")/lib.sh"
need_memlens
forkload=$(prog forkload) || exit

run_native "$T/native" "$forkload" 40
[ "$NATIVE_RC" = 0 ] || fail "forkload fails natively: $(cat "$T/native")"
run_memlens "$T/ml" "$T/r.json" -- "$forkload" 40 || finish
expect_same_behaviour "$T/native" "$T/ml"
expect_json "$T/r.json" target.state exited
finish
