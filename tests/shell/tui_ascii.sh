#!/bin/bash
# tui_ascii.sh - on the Linux console (TERM=linux: no braille in its font) the graphs are
# plotted in ASCII, and with NO_COLOR=1 the screen carries no colour at all; both still quit
# with q, exit 0 and restore the terminal.
. "$(dirname "$0")/lib.sh"
need_memlens
infocmp linux >/dev/null 2>&1 || skip "no terminfo entry for TERM=linux"

tui_start 80 24 env TERM=linux LANG=C.UTF-8 "$MEMLENS" demo
tui_expect "the TUI opens at TERM=linux" 20 'pid [0-9]+ +up '
tui_expect "ASCII graphs are plotted" 20 '\| +.*[#*]'
tui_screen >"$T/screen"
expect_eq "braille cells at TERM=linux" "$(braille_cells "$T/screen")" 0
grep -qE '^ +[0-9.]+ [KMG]?i?B\|' "$T/screen" && echo "ok: the y axis is labelled in ASCII" ||
    note_fail "no ASCII y axis: $(grep -m3 'B' "$T/screen")"
tui_keys q
expect_eq "exit status after q" "$(tui_exit_status 20)" 0
tui_expect_restored

rm -f "$T/tui.rc"
tui_stop
tui_start 80 24 env TERM=screen LANG=C.UTF-8 NO_COLOR=1 "$MEMLENS" demo
tui_expect "the TUI opens with NO_COLOR=1" 20 'pid [0-9]+ +up '
tui_expect "... with graphs" 20 '^Memory '
tui_screen -e >"$T/screen.esc"
if grep -q $'\e\[[0-9;]*\(3[0-7]\|4[0-7]\|9[0-7]\|38;\|48;\)' "$T/screen.esc"; then
    note_fail "colour escape sequences with NO_COLOR=1: $(grep -o $'\e\[[0-9;]*m' "$T/screen.esc" | sort -u | head -5 | cat -v)"
else
    echo "ok: no colour with NO_COLOR=1"
fi
grep -q $'\e\[[0-9;]*7m' "$T/screen.esc" && echo "ok: reverse video marks the bars instead" ||
    note_fail "no reverse video either: the monochrome roles are missing"
tui_keys q
expect_eq "exit status after q" "$(tui_exit_status 20)" 0
tui_expect_restored
finish
