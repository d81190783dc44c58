#!/bin/bash
# attach_cycles.sh - 100 attach/detach cycles in a row on churn with 2 threads busy allocating
# and freeing: every cycle ends with a report, the agent is loaded once and reused, and churn
# ends with the output (figures and checksum) and exit status of a run nobody attached to.
. "$(dirname "$0")/lib.sh"
need_memlens
build_churn
args=(2 60000000 512) # long enough for 100 cycles, also on a loaded machine

# the reference run yields the CPU to the attached one (its output does not depend on timing)
nice -n 19 "$T/churn" "${args[@]}" >"$T/native" 2>&1 </dev/null &
native=$!
"$T/churn" "${args[@]}" >"$T/out" 2>&1 </dev/null &
pid=$!
BG_PIDS="$native $pid"
sleep 0.2

cycles=0 failures=0
start=$(date +%s)
while [ "$cycles" -lt 100 ] && ! gone "$pid"; do
    rc=0
    timeout -k 5 30 "$MEMLENS" attach --duration 20ms --top 1 --json -r "$T/r.json" "$pid" 2>"$T/err" || rc=$?
    gone "$pid" && break
    cycles=$((cycles + 1))
    # grep, not python: 100 interpreter start-ups would cost more than the cycles
    if [ "$rc" != 0 ] || ! grep -q '"detached": true' "$T/r.json"; then
        failures=$((failures + 1))
        echo "cycle $cycles: status $rc: $(head -2 "$T/err")"
    fi
done
echo "$cycles cycles in $(($(date +%s) - start)) s"
expect_eq "attach/detach cycles done while churn ran" "$cycles" 100
expect_eq "cycles that failed" "$failures" 0
expect_json "$T/r.json" agent.attach.reused true
if ! gone "$pid"; then
    expect_eq "copies of the agent in churn" "$(grep -c 'r-xp.*libmemlens-agent' /proc/"$pid"/maps)" 1
    expect_eq "regions mapped in churn (the last one only)" "$(grep -c 'memlens-region' /proc/"$pid"/maps)" 1
fi

wait "$pid"
rc=$?
wait "$native"
nrc=$?
expect_eq "churn exit status after 100 attaches (native: $nrc)" "$rc" "$nrc"
expect_same_file "churn output with and without the attaches" "$T/native" "$T/out"
finish
