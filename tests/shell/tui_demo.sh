#!/bin/bash
# tui_demo.sh - `memlens demo` on an 80x24 terminal (tmux) opens the TUI: the header shows the
# demo's pid, the graphs fill with braille cells, every view key shows its view, Tab and the
# help work, colours are used, and q ends the demo, exits 0 and gives the terminal back.
. "$(dirname "$0")/lib.sh"
need_memlens

tui_start 80 24 env TERM=screen LANG=C.UTF-8 "$MEMLENS" demo
tui_expect "the header shows a pid" 20 'pid [0-9]+ +up '
pid=$(sed -n 's/.* pid \([0-9]*\) .*/\1/p' "$T/screen" | head -1)
comm=$(cat "/proc/$pid/comm" 2>/dev/null)
expect_eq "the process of the header's pid" "$comm" memlens-demo

# the graph area fills as samples come (braille: two samples a column)
cells=0
for _ in $(seq 100); do
    tui_screen >"$T/screen"
    cells=$(braille_cells "$T/screen")
    [ "$cells" -ge 30 ] && break
    sleep 0.1
done
expect_cmp "plotted braille cells after a few seconds" "$cells" -ge 30
grep -q 'Memory' "$T/screen" && grep -q 'Rates' "$T/screen" && grep -q 'Threads' "$T/screen" &&
    echo "ok: the Overview has the memory, rates and threads graphs" || note_fail "graphs missing: $(cat "$T/screen")"
grep -qE 'MiB|KiB' "$T/screen" && grep -qE -- '-[0-9]+s ' "$T/screen" &&
    echo "ok: the axes are labelled in bytes and seconds" || note_fail "unlabelled axes"
tui_expect "the top sites list the demo's leak" 10 'session_log_append|lru_cache_put'

# every view by its number, and back to the first with Tab
tui_keys 2
tui_expect "2 shows the Call sites view" 10 'sites, by live bytes'
tui_expect "... with its columns" 5 'Live.*Blocks.*Allocated.*Calls.*Peak%.*Age'
tui_keys 3
tui_expect "3 shows the Tree view" 10 'top-down: callers first'
tui_keys 4
tui_expect "4 shows the Threads view" 10 'threads, by live bytes'
tui_keys 5
tui_expect "5 shows the Leaks view" 10 'suspects?, [0-9]+ fired'
tui_keys 6
tui_expect "6 shows the Budgets view" 10 'no budgets: define them in a script'
tui_keys 7
tui_expect "7 shows the Snapshots view" 10 'snapshots; s takes one'
tui_keys 8
tui_expect "8 shows the Log view" 10 'watching pid'
tui_keys Tab
tui_expect "Tab goes round to the Overview" 10 '^Memory '
tui_keys '?'
tui_expect "? shows the help" 10 'memlens keys'
tui_keys x
tui_expect "any key closes the help" 10 '^Memory '
tui_screen -e >"$T/screen.esc"
grep -q $'\e\[[0-9;]*3[0-7]m\|\e\[[0-9;]*4[0-7]m' "$T/screen.esc" && echo "ok: colours are used" ||
    note_fail "no colour in the screen's escape sequences"

tui_keys q
expect_eq "exit status after q" "$(tui_exit_status 20)" 0
tui_expect_restored
wait_for 10 gone "$pid" && echo "ok: the demo was ended" || note_fail "the demo (pid $pid) still runs after q"
[ -s "$T/tui.stderr" ] && note_fail "memlens wrote to stderr: $(head -3 "$T/tui.stderr")"
finish
