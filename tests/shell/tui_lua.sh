#!/bin/bash
# tui_lua.sh - the Lua runtime in the TUI (memlens demo -s FILE.lua): the header's budget
# status, a budget's limit drawn on the memory graph, the Leaks view ranking the demo's leak
# with the heuristic's reason and (Enter) its stack, the Budgets view with the violated budget
# highlighted, and a script error in the footer and the Log view while the demo goes on.
. "$(dirname "$0")/lib.sh"
need_memlens
cat >"$T/b.lua" <<'LUA'
budget "heap.live" { max = "2MiB" }
budget "threads"   { max = 100 }
budget "rss"       { max = "1GiB" }
on_sample(function(s)
  if s.t > 4 and not broken then broken = true; local x = nil; return x.y end
end)
LUA

tui_start 100 30 env TERM=screen LANG=C.UTF-8 "$MEMLENS" demo -s "$T/b.lua"
tui_expect "the header shows a pid" 20 'pid [0-9]+ +up '
pid=$(sed -n 's/.* pid \([0-9]*\) .*/\1/p' "$T/screen" | head -1)
tui_expect "the header's budget slot: heap.live goes over 2 MiB" 30 'budgets: 1 over'
# the limit's line is dashed (the only one: the other budgets are far from their limits)
tui_expect "the limit is a line on the memory graph" 10 '┄ ┄ ┄ ┄'
tui_expect "the script error is in the footer, with file:line and cause" 20 \
    "lua: .*b\.lua:5: attempt to index a nil value \(local 'x'\)"

tui_keys 5
tui_expect "5: the Leaks view ranks the demo's leak" 30 'steady-growth +session_log_append \(demo\.c.* +live bytes grow'
grep -qE '^ +[0-9.]+[KM]/s steady-growth' "$T/screen" && echo "ok: with its score in bytes per second" ||
    note_fail "no score column: $(grep steady "$T/screen")"
grep -q 'lru_cache_put' "$T/screen" && note_fail "the bounded cache is listed as a suspect" ||
    echo "ok: the bounded cache is not a suspect"
tui_keys Enter
tui_expect "Enter: the suspect's stack" 10 '#0 +session_log_append +demo\.c:[0-9]+'
tui_expect "... and the heuristic's reason" 5 '^ steady-growth: live bytes grow'
tui_keys Escape
tui_expect "Esc goes back to the suspects" 10 'suspects?, [0-9]+ fired'

tui_keys 6
tui_expect "6: the Budgets view" 10 '3 budgets: 1 over now'
grep -qE '^heap\.live +2\.0 MiB +[0-9.]+ MiB +[0-9.]+ MiB OVER since' "$T/screen" &&
    echo "ok: heap.live is OVER, with its limit, value and peak" || note_fail "no OVER row for heap.live"
grep -qE '^threads +100 +[0-9]+ +[0-9]+ ok' "$T/screen" && echo "ok: threads is ok" ||
    note_fail "no ok row for threads"

tui_keys 8
tui_expect "8: the Log view has the violation" 10 "lua: budget 'heap.live' violated"
grep -q "lua: .*b.lua:5: attempt to index a nil value" "$T/screen" && echo "ok: ... and the script error" ||
    note_fail "the Log view lacks the script error"
gone "$pid" && note_fail "the demo stopped" || echo "ok: the demo still runs after the script error"

tui_keys q
expect_eq "exit status after q" "$(tui_exit_status 20)" 0
tui_expect_restored
[ -s "$T/tui.stderr" ] && note_fail "memlens wrote to stderr: $(head -3 "$T/tui.stderr")"
finish
