#!/bin/bash
# lua_examples.sh - every script in lua/examples/ runs without a script error and does what
# its header says, on a target that shows it: the nightly growth budget fails a growing heap
# and passes a flat one, the parser component budget logs its top sites when exceeded, the
# thread script fails a thread leak and prints threads by creator, the RSS script writes a
# snapshot `memlens report` reads, the release table prints every row, and the custom
# heuristic replaces the standard one.
. "$(dirname "$0")/lib.sh"
need_memlens
src=$(need_workload leaky.c) || exit
need_cmd gcc
gcc -O2 -g -o "$T/leaky" "$src" || fail "cannot build leaky"
leak=$(prog threadleak) || exit
pool=$(prog threadpool) || exit
sleeper=$(prog sleeper) || exit
EX="$SRCDIR/lua/examples"
LEAKY=("$T/leaky" -s 60 -u 1000)

# example NAME SCRIPT-OPTIONS... -- CMD: run it in the background (status in $T/NAME.rc)
example() {
    local name=$1
    shift
    (run_script "$T/$name" "$T/$name.json" "$@"
     echo "$SC_RC" >"$T/$name.rc") &
}
(export WARMUP=2s WINDOW=6s MAX=50KiB/min
 example growth "$EX/nightly_growth.lua" --duration 9s -- "${LEAKY[@]}"
 example flat "$EX/nightly_growth.lua" -- "$pool" -s 9 -n 4
 export PARSER_RE='^leak_medium$' PARSER_MAX=300KiB
 example parser "$EX/parser_share.lua" --duration 7s -- "${LEAKY[@]}"
 wait)
(example threads "$EX/thread_growth.lua" -- "$leak" -s 10
 RSS_LIMIT=3MiB SNAPSHOT="$T/near.mls" example rss "$EX/snapshot_on_rss.lua" --duration 6s -- "${LEAKY[@]}"
 example release "$EX/release_budgets.lua" -- "$sleeper" -n 400 -i 10 # 4 s: alloc.rate has a value once half its 5 s window filled
 example custom "$EX/custom_heuristic.lua" --duration 11s -- "${LEAKY[@]}"
 wait)

for f in "$EX"/*.lua; do
    name=$(basename "$f" .lua)
    grep -q "$name.lua" "$0" && echo "ok: $name.lua is run here" || note_fail "$name.lua is not run by this test"
done
for c in growth flat parser threads rss release custom; do
    expect_eq "$c: script errors" "$(python3 "$SCRIPT_PY" get "$T/$c.json" error_count 2>&1)" 0
done

expect_eq "nightly_growth on a leak: exit status" "$(cat "$T/growth.rc")" 100
grep -q "^heap growth over the last 6s: .*/min (limit 50.0 KiB/min)" "$T/growth" &&
    echo "ok: nightly_growth prints the growth" || note_fail "nightly_growth printed: $(cat "$T/growth")"
expect_eq "nightly_growth on a fixed pool: exit status" "$(cat "$T/flat.rc")" 0

expect_eq "parser_share: exit status" "$(cat "$T/parser.rc")" 100
grep -q "the parser holds .*, over its 300.0 KiB" "$T/parser.err" && echo "ok: parser_share logs the violation" ||
    note_fail "parser_share: no 'the parser holds' line: $(tail -5 "$T/parser.err")"
grep -q "  1\. leak_medium (leaky\.c:[0-9]*): " "$T/parser.err" && echo "ok: parser_share lists the top site" ||
    note_fail "parser_share: no top site line"

expect_eq "thread_growth on a thread leak: exit status" "$(cat "$T/threads.rc")" 101
n=$(sed -n 's/^ *\([0-9]*\) threads ([0-9]* exited)  spawn_worker (threadleak\.c:[0-9]*)$/\1/p' "$T/threads")
expect_cmp "thread_growth: threads created by spawn_worker" "${n:-0}" -ge 30

[ -s "$T/near.mls" ] && echo "ok: snapshot_on_rss wrote near.mls" || note_fail "snapshot_on_rss wrote no snapshot"
grep -q "RSS .* passed 3.0 MiB: snapshot in $T/near.mls" "$T/rss.err" && echo "ok: snapshot_on_rss logs it" ||
    note_fail "snapshot_on_rss: no log line"
rc=0
"$MEMLENS" report "$T/near.mls" >"$T/near.txt" 2>&1 || rc=$?
expect_eq "memlens report of the snapshot: exit status" "$rc" 0
# leak_fast allocates at every iteration (leak_medium only at every 10th): the snapshot comes at
# the first sample past 3 MiB (about 2 s in), or earlier when leaky starts with a larger RSS
grep -q "leak_fast" "$T/near.txt" && echo "ok: the snapshot holds leaky's sites" ||
    note_fail "the snapshot's report does not name leak_fast"

expect_eq "release_budgets: exit status" "$(cat "$T/release.rc")" 0
grep -q "^release checklist, memory:" "$T/release" && echo "ok: release_budgets prints its table" ||
    note_fail "release_budgets printed no table: $(cat "$T/release")"
for b in heap.live heap.peak rss threads alloc.rate mmap.live mean.alloc; do
    grep -qE "^  $b +[0-9.]+ ?[KMG]?i?B?(/s)? .* ok$" "$T/release" && echo "ok: release table row $b" ||
        note_fail "release table has no ok row for $b"
done

expect_eq "custom_heuristic: exit status" "$(cat "$T/custom.rc")" 101
python3 "$SCRIPT_PY" findings "$T/custom.json" >"$T/custom.findings"
grep -q "^heuristic=steady-growth .*fired=1 .*functions=leak_medium" "$T/custom.findings" &&
    echo "ok: the custom steady-growth fires on leak_medium" || note_fail "custom steady-growth did not fire"
grep -q "^heuristic=unbounded-count" "$T/custom.findings" && note_fail "unbounded-count was not removed" ||
    echo "ok: unbounded-count was removed"
finish
