#!/bin/bash
# attach_leaky.sh - memlens attach (the agent loaded into a running process) on the leaky
# workload, twice: each report names the three leak sites with the growth leaky itself
# counted between a snapshot it printed (SIGUSR1) just before the attach and one just after;
# every leaked block is live and nothing else; frees of blocks allocated before the attach
# are recognised (unknown frees: the 1024 cache entries evicted, a few temporaries); the
# second attach reuses the dormant agent; leaky runs on to the end with the same output as
# a run nobody attached to.
. "$(dirname "$0")/lib.sh"
need_memlens
src=$(need_workload leaky.c) || exit
need_cmd gcc
gcc -O2 -g -fno-omit-frame-pointer -o "$T/leaky" "$src" || fail "cannot build leaky"
args=(-n 30000 -u 200)

"$T/leaky" "${args[@]}" >"$T/native" 2>/dev/null </dev/null &
native=$!
"$T/leaky" "${args[@]}" >"$T/out" 2>"$T/err" </dev/null &
pid=$!
BG_PIDS="$native $pid"

# snapshot N: make leaky print its counters (the N-th "snapshot" block of its stderr)
snapshot() {
    kill -USR1 "$pid"
    wait_for 5 eval "[ \$(grep -c '^snapshot after' $T/err) -ge $1 ]" || fail "leaky printed no snapshot $1"
}

# leaky_calls N SITE: calls of SITE in the N-th snapshot
leaky_calls() {
    awk -v n="$1" -v site="$2" '/^snapshot after/ {k++} k == n && index($0, site) {
        sub(/.*calls=/, ""); print $1 + 0; exit }' "$T/err"
}

one_attach() { # ROUND: attach for 2 s between two snapshots; check the report against them
    local round=$1 before=$(($1 * 2 - 1)) after=$(($1 * 2)) r="$T/r$1.json" rc=0 fn want got diff
    snapshot "$before"
    "$MEMLENS" attach --duration 2s --json -r "$r" "$pid" 2>"$T/ml.err" || rc=$?
    snapshot "$after"
    expect_eq "round $round: attach exit status" "$rc" 0
    [ -s "$r" ] || fail "round $round: no report: $(cat "$T/ml.err")"
    expect_json "$r" attached true
    expect_json "$r" agent.counts_from_attach true
    expect_json "$r" agent.attach.detached true
    expect_json "$r" agent.attach.reused "$([ "$round" = 1 ] && echo false || echo true)"
    for fn in leak_fast leak_medium leak_slow; do
        want=$(($(leaky_calls "$after" "${fn} ") - $(leaky_calls "$before" "${fn} ")))
        sums=$(sites "$r" "^$fn\$")
        got=$(site_field "$sums" alloc_calls)
        diff=$((want - got))
        # the attach starts a little after the first snapshot and ends a little before the
        # second: memlens sees at most what leaky counted, and all but those moments
        if [ "$got" -le "$want" ] && [ "$diff" -le $((want / 4 + 1)) ] && [ "$got" -gt 0 ]; then
            echo "ok: round $round: $fn: memlens saw $got of the $want calls leaky made between its snapshots"
        else
            note_fail "round $round: $fn: memlens saw $got calls, leaky made $want between its snapshots"
        fi
        expect_eq "round $round: $fn: every block is still live" "$(site_field "$sums" live_blocks)" "$got"
    done
    expect_eq "round $round: leak_fast live bytes" "$(site_field "$(sites "$r" '^leak_fast$')" live_bytes)" \
        $((32 * $(site_field "$(sites "$r" '^leak_fast$')" alloc_calls)))
    expect_eq "round $round: leak_slow live bytes" "$(site_field "$(sites "$r" '^leak_slow$')" live_bytes)" \
        $((65536 * $(site_field "$(sites "$r" '^leak_slow$')" alloc_calls)))
    unknown=$(json_get "$r" totals.unknown_frees)
    if [ "$unknown" -ge 1024 ] && [ "$unknown" -le $((1024 + 16)) ]; then
        echo "ok: round $round: $unknown frees of blocks from before the attach recognised and ignored"
    else
        note_fail "round $round: unknown frees $unknown, expected the 1024 evicted cache entries (+ <= 16 temporaries)"
    fi
}

wait_for 10 grep -q '^leaky: pid=' "$T/err" || fail "leaky did not start"
sleep 0.5
one_attach 1
one_attach 2
expect_eq "copies of the agent in leaky" "$(grep -c 'r-xp.*libmemlens-agent' /proc/"$pid"/maps)" 1

wait "$pid"
rc=$?
wait "$native"
expect_eq "leaky exit status after two attaches" "$rc" 0
expect_same_file "leaky output with and without the attaches" "$T/native" "$T/out"
finish
