#!/bin/bash
# tui_target.sh - the TUI and the command it runs: the command's output never reaches the
# screen (it goes to a file named at the end), the TUI stays open on the final state when the
# command exits or is killed and says how it ended, q then exits with the command's status,
# SIGTERM to memlens restores the terminal and ends the command, so does an internal error
# (then printed after the screen is restored), and --log -v keeps the
# TUI's messages and timings in a file.
. "$(dirname "$0")/lib.sh"
need_memlens
sleeper=$(prog sleeper) || exit
exitwith=$(prog exitwith) || exit

# 1. a chatty command, then killed: its output is not drawn over the TUI
tui_start 80 24 env TERM=screen LANG=C.UTF-8 TMPDIR="$T" "$MEMLENS" run --log "$T/log" -v -- "$sleeper" -n 1000000 -i 5
tui_expect "the TUI opens" 20 'pid [0-9]+ +up '
pid=$(sed -n 's/.* pid \([0-9]*\) .*/\1/p' "$T/screen" | head -1)
sleep 1
tui_screen >"$T/screen"
grep -q 'tick' "$T/screen" && note_fail "the command's output is on the TUI's screen" ||
    echo "ok: the command's output stays off the screen"
kill -KILL "$pid"
tui_expect "the header says how the command ended" 20 'killed by signal 9'
tui_expect "the TUI stays open on the final state" 5 '^Memory '
tui_keys 8
tui_expect "the Log view says so too" 10 "pid $pid killed by signal 9"
tui_keys q
expect_eq "exit status after q (the command's)" "$(tui_exit_status 20)" 137
tui_expect_restored
out=$(sed -n "s/^memlens: the command's output is in \(.*\)$/\1/p" "$T/tui.stderr")
[ -n "$out" ] && grep -q '^tick ' "$out" && echo "ok: the command's output is in the file memlens names" ||
    note_fail "no file with the command's output named on stderr: $(cat "$T/tui.stderr")"
grep -q 'refresh of the Overview view' "$T/log" && echo "ok: --log -v keeps the refresh timings" ||
    note_fail "no timings in the --log file: $(tail -3 "$T/log")"
grep -q "watching pid $pid" "$T/log" && echo "ok: --log keeps the Log view's messages" ||
    note_fail "the log file lacks the Log view's messages"

# 2. a command that exits by itself: its status, shown and returned
tui_stop
rm -f "$T/tui.rc"
tui_start 80 24 env TERM=screen LANG=C.UTF-8 TMPDIR="$T" "$MEMLENS" run -- "$exitwith" 3
tui_expect "an exit is shown with its status" 20 'exited with status 3'
tui_keys q
expect_eq "exit status after q (the command's)" "$(tui_exit_status 20)" 3
tui_expect_restored

# 3. SIGTERM to memlens: terminal restored, the command ended
tui_stop
rm -f "$T/tui.rc"
tui_start 80 24 env TERM=screen LANG=C.UTF-8 TMPDIR="$T" "$MEMLENS" run -- "$sleeper" -n 1000000 -i 5
tui_expect "the TUI opens" 20 'pid [0-9]+ +up '
pid=$(sed -n 's/.* pid \([0-9]*\) .*/\1/p' "$T/screen" | head -1)
ml=$(awk '{print $4}' "/proc/$pid/stat")
expect_eq "memlens is the command's parent" "$(cat "/proc/$ml/comm" 2>/dev/null)" memlens
kill -TERM "$ml"
expect_eq "exit status after SIGTERM" "$(tui_exit_status 30)" 143
tui_expect_restored
wait_for 10 gone "$pid" && echo "ok: the command was ended" || note_fail "the command (pid $pid) outlived memlens"

# 4. an internal error while curses owns the terminal (injected: MEMLENS_FAULT=tui-fatal makes
# the second screen call fatal()): the terminal is restored first, then the error is printed
tui_stop
rm -f "$T/tui.rc"
tui_start 80 24 env TERM=screen LANG=C.UTF-8 TMPDIR="$T" MEMLENS_FAULT=tui-fatal "$MEMLENS" run -- "$sleeper" -n 2000 -i 5 # runs on (10 s) when memlens dies
expect_eq "exit status after an internal error" "$(tui_exit_status 30)" 70
tui_expect_restored
grep -q '^memlens: internal error injected by MEMLENS_FAULT=tui-fatal$' "$T/tui.stderr" &&
    echo "ok: the error is printed after the screen is restored" ||
    note_fail "the internal error was not printed on stderr: $(head -3 "$T/tui.stderr")"
finish
