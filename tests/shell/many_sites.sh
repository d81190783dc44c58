#!/bin/bash
# many_sites.sh - a target with 10^5 distinct call stacks (tests/progs/manysites) is recorded
# whole: the agent keeps every stack without degrading, the totals match what the program
# allocated, and the target behaves as it does natively. (The peers' analyzers fall over
# past ~3*10^4 stacks: LESSONS.md.)
. "$(dirname "$0")/lib.sh"
need_memlens
ms=$(prog manysites) || exit

run_native "$T/native" "$ms" -n 100000
[ "$NATIVE_RC" = 0 ] || fail "manysites fails natively (status $NATIVE_RC)"
bytes=$(sed -n 's/.*bytes=\([0-9]*\).*/\1/p' "$T/native")

run_memlens "$T/ml" "$T/r.json" -- "$ms" -n 100000 || finish
expect_same_behaviour "$T/native" "$T/ml"
expect_json "$T/r.json" agent.state recording
expect_cmp "stacks recorded" "$(json_get "$T/r.json" agent.stacks)" -ge 100000
# the program's own calloc of its pointer array is the one block beyond its 10^5 sites
expect_json "$T/r.json" totals.live_blocks 100001
expect_json "$T/r.json" totals.live_bytes $((bytes + 100000 * 8))
finish
