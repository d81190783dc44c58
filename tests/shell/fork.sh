#!/bin/bash
# fork.sh - fork with and without exec: the children run exactly as without memlens
# (same output, same exit statuses, the exec'd program has no agent in LD_PRELOAD), and
# only the parent's heap calls are counted, exactly.
. "$(dirname "$0")/lib.sh"
need_memlens
forker=$(prog forker) || exit

run_native "$T/native" "$forker"
[ "$NATIVE_RC" = 0 ] || fail "forker fails natively: $(cat "$T/native")"
r="$T/r.json"
run_memlens "$T/ml" "$r" -- "$forker" || finish
expect_same_behaviour "$T/native" "$T/ml"
expect_eq "exec'd child's LD_PRELOAD" "$(grep '^exec-child' "$T/ml")" \
    "exec-child: agent in LD_PRELOAD: no"
for k in alloc_calls frees bytes_allocated live_bytes live_blocks; do
    expect_json "$r" "totals.$k" "$(expect_kv "$T/native" expect "$k")"
done
expect_json "$r" agent.fork_children not-tracked
finish
