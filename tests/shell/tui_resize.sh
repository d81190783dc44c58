#!/bin/bash
# tui_resize.sh - the TUI follows the terminal's size: at 200x50 it uses the whole width
# (graphs side by side) and stays sane, at 40x10 it says the terminal is too small instead
# of drawing garbage, and back at 80x24 it draws everything again.
. "$(dirname "$0")/lib.sh"
need_memlens

tui_start 80 24 env TERM=screen LANG=C.UTF-8 "$MEMLENS" demo
tui_expect "the TUI opens" 20 'pid [0-9]+ +up '
tui_expect "with graphs" 20 '^Memory '

tui_resize 200 50
tui_expect "at 200x50 the budget slot moves to the right edge" 10 '^.{150,}budgets: none *$'
tui_screen >"$T/wide"
expect_eq "screen lines at 200x50" "$(wc -l <"$T/wide")" 50
grep -qE '^Rates .{60,}Threads' "$T/wide" && echo "ok: rates and threads graphs side by side" ||
    note_fail "no side-by-side graphs at 200 columns: $(grep -E 'Rates|Threads' "$T/wide")"
grep -q 'Top sites by live bytes' "$T/wide" && echo "ok: the top sites are shown" || note_fail "no top sites at 200x50"
expect_cmp "the longest line at 200x50 fits" "$(awk '{ if (length($0) > m) m = length($0) } END { print m }' "$T/wide")" -le 200

tui_resize 40 10
tui_expect "at 40x10 a 'too small' message" 10 'terminal too small'
tui_expect "... saying what it needs" 5 '40x10, needs [0-9]+x[0-9]+'
grep -q 'Memory' "$T/screen" && note_fail "graphs drawn at 40x10" || echo "ok: nothing else is drawn"

tui_resize 80 24
tui_expect "back at 80x24 the graphs come back" 10 '^Memory '
tui_expect "... and the header" 5 'pid [0-9]+ +up '

tui_keys C-c
expect_eq "exit status after Ctrl-C (a key: quit)" "$(tui_exit_status 20)" 0
tui_expect_restored
finish
