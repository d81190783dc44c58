#!/bin/bash
# lua_budgets.sh - budgets in `memlens script`: on a target that stays under every budget the
# exit status is 0 and the table says ok; with one limit lowered the status is 100 and the
# table shows which budget was violated (and only that one). Also: `sustained` ignores a
# value over its limit for less than that long, and a component budget sums the sites whose
# frames match its regex.
. "$(dirname "$0")/lib.sh"
need_memlens
sleeper=$(prog sleeper) || exit

# sleeper -n 300 -i 10: ~3 s, keeps up to 300 blocks of 4 KiB live (1.2 MiB), one thread
budgets() { # HEAP-MAX
    cat <<LUA
budget "heap.live"  { max = "$1" }
budget "threads"    { max = 4 }
budget "rss"        { max = "1MiB", sustained = "10m" }
budget "alloc.rate" { max = "1GiB/s" }
budget "component"  { name = "ticks", match = "^main\$", max = "64MiB" }
LUA
}
budgets 64MiB >"$T/ok.lua"
budgets 100KiB >"$T/low.lua"

run_script "$T/ok" "$T/ok.json" "$T/ok.lua" --no-stdlib -- "$sleeper" -n 300 -i 10 ||
    fail "no results (status $SC_RC): $(tail -5 "$T/ok.err")"
expect_eq "every budget held: exit status" "$SC_RC" 0
for b in heap.live threads rss alloc.rate ticks; do
    expect_eq "budget $b status" "$(python3 "$SCRIPT_PY" budget "$T/ok.json" "$b" status)" ok
done
# the figures are the target's: sleeper holds 300 blocks of 4 KiB at its end
peak=$(python3 "$SCRIPT_PY" budget "$T/ok.json" heap.live peak)
expect_cmp "heap.live peak (300 x 4 KiB live at the end)" "${peak%.*}" -ge 1228800
expect_cmp "heap.live peak (nothing else of size)" "${peak%.*}" -le 1400000
ticks=$(python3 "$SCRIPT_PY" budget "$T/ok.json" ticks peak)
expect_cmp "component 'ticks' (main's blocks) peak" "${ticks%.*}" -ge 1228800
# rss goes over 1 MiB at once, but not for 10 minutes: not violated
rss=$(python3 "$SCRIPT_PY" budget "$T/ok.json" rss peak)
expect_cmp "rss peak is over its 1 MiB limit" "${rss%.*}" -gt 1048576
expect_eq "rss over the limit now" "$(python3 "$SCRIPT_PY" budget "$T/ok.json" rss over)" false

run_script "$T/low" "$T/low.json" "$T/low.lua" --no-stdlib -- "$sleeper" -n 300 -i 10 ||
    fail "no results (status $SC_RC): $(tail -5 "$T/low.err")"
expect_eq "heap.live lowered to 100 KiB: exit status" "$SC_RC" 100
expect_eq "budget heap.live status" "$(python3 "$SCRIPT_PY" budget "$T/low.json" heap.live status)" violated
at=$(python3 "$SCRIPT_PY" budget "$T/low.json" heap.live violated_at_s)
expect_cmp "heap.live violated within the run (at ${at} s)" "${at%.*}" -le 3
for b in threads rss alloc.rate ticks; do
    expect_eq "budget $b status" "$(python3 "$SCRIPT_PY" budget "$T/low.json" "$b" status)" ok
done
grep -q "budget 'heap.live' violated" "$T/low.err" && echo "ok: the violation is logged" ||
    note_fail "no 'budget 'heap.live' violated' line on stderr"

# the text table of the same script
"$MEMLENS" script --no-stdlib "$T/low.lua" -- "$sleeper" -n 300 -i 10 >"$T/text" 2>"$T/text.err"
rc=$?
expect_eq "text report: exit status" "$rc" 100
sed -n '/^Budgets:/,/^$/p' "$T/text" | sed 's/^/    /'
grep -qE '^  heap\.live +100\.0 KiB +[0-9.]+ [KM]iB +[0-9.]+ [KM]iB +VIOLATED at ' "$T/text" &&
    echo "ok: the table shows heap.live VIOLATED with its limit, value and peak" ||
    note_fail "the table has no 'heap.live 100.0 KiB ... VIOLATED at' row"
grep -qE '^  threads +4 +1 +1 +ok$' "$T/text" && echo "ok: the table shows threads ok" ||
    note_fail "the table has no 'threads 4 1 1 ok' row"
grep -q '^Budgets: 1 of 5 violated' "$T/text" && echo "ok: 1 of 5 violated" ||
    note_fail "no 'Budgets: 1 of 5 violated' line"
finish
