#!/bin/bash
# degrade.sh - when the region is too small for what the program keeps live, the agent stops
# recording and says why; the program runs on exactly as without memlens; the report says the
# figures stop where recording stopped.
. "$(dirname "$0")/lib.sh"
need_memlens
hoard=$(prog hoard) || exit

run_native "$T/native" "$hoard" 1500000
run_memlens "$T/ml" "$T/r.json" --region-size 16MiB -- "$hoard" 1500000 || finish
expect_eq "memlens exit status (the program's)" "$ML_RC" 0
expect_same_file "the program's output under a full region" "$T/native" "$T/ml"
expect_json "$T/r.json" agent.state degraded
reason=$(json_get "$T/r.json" agent.degraded_reason)
case "$reason" in
*full*) echo "ok: the reason is given: $reason" ;;
*) note_fail "no reason for the degraded state: '$reason'" ;;
esac
calls=$(json_get "$T/r.json" totals.alloc_calls)
expect_cmp "allocations recorded before the table filled" "$calls" -gt 100000
expect_cmp "allocations recorded in all" "$calls" -lt 1500000

"$MEMLENS" run --region-size 16MiB -- "$hoard" 1500000 >"$T/text" 2>&1
if grep -q "when recording stopped" "$T/text"; then
    echo "ok: the text report labels the frozen figures"
else
    note_fail "the text report does not say its live figures stop where recording stopped"
fi
finish
