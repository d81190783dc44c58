#!/bin/bash
# attach_tui.sh - memlens attach on a terminal opens the same live TUI as run (driven in tmux):
# the header names the process, the heap it allocates after the attach shows up; q asks
# before detaching, n stays, y detaches and exits 0 with the terminal restored; the process
# goes on with the agent dormant, never ended by memlens.
. "$(dirname "$0")/lib.sh"
need_memlens
sleeper=$(prog sleeper) || exit
"$sleeper" -n 100000 -i 5 >"$T/out" 2>&1 </dev/null &
pid=$!
BG_PIDS="$pid"
wait_for 5 grep -q '^tick 3' "$T/out" || fail "sleeper did not start"

tui_start 100 30 env TERM=screen LANG=C.UTF-8 "$MEMLENS" attach "$pid"
tui_expect "the TUI opens on the attached process" 20 "pid $pid +up "
tui_expect "the heap allocated since the attach shows" 20 'heap live [1-9][0-9.]* [KM]iB'
tui_keys q
tui_expect "q asks before detaching" 10 "detach from pid $pid and quit\\? \\(y/n\\)"
tui_keys n
sleep 0.5
tui_screen >"$T/screen"
grep -qE "pid $pid +up " "$T/screen" && echo "ok: n keeps watching" || note_fail "n did not keep the TUI"
tui_keys q
tui_expect "q asks again" 10 "detach from pid $pid"
tui_keys y
expect_eq "exit status after detaching" "$(tui_exit_status 20)" 0
tui_expect_restored
expect_running_sleeper() {
    local before
    before=$(grep -c '^tick' "$T/out")
    if wait_for 3 eval "[ \$(grep -c '^tick' $T/out) -gt $before ]"; then
        echo "ok: the process goes on after the detach"
    else
        note_fail "the process printed nothing more after the detach"
    fi
}
expect_running_sleeper
expect_eq "copies of the agent in the process" "$(grep -c 'r-xp.*libmemlens-agent' /proc/"$pid"/maps)" 1
expect_eq "threads of the process still traced" "$(traced_threads "$pid")" 0
finish
