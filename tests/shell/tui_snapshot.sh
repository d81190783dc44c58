#!/bin/bash
# tui_snapshot.sh - `s` in the TUI writes a snapshot file that `memlens report` reads, the Log
# view says so, and the Snapshots view compares two of them as `memlens diff` prints it.
. "$(dirname "$0")/lib.sh"
need_memlens

tui_start 100 30 env TERM=screen LANG=C.UTF-8 "$MEMLENS" demo
tui_expect "the TUI opens" 20 'pid [0-9]+ +up '
pid=$(sed -n 's/.* pid \([0-9]*\) .*/\1/p' "$T/screen" | head -1)
tui_expect "the demo has leaked something" 20 'session_log_append'
tui_keys s
tui_expect "s says where the snapshot went" 30 "snapshot written: ./memlens-$pid-1.mls"
[ -s "$T/memlens-$pid-1.mls" ] && echo "ok: the snapshot file exists" || note_fail "no file memlens-$pid-1.mls in $T"
"$MEMLENS" report "$T/memlens-$pid-1.mls" >"$T/report" 2>"$T/report.err" &&
    grep -q session_log_append "$T/report" && echo "ok: memlens report reads it, the leak included" ||
    note_fail "memlens report cannot read the snapshot: $(head -3 "$T/report.err")"

sleep 1 # the demo leaks on; the second snapshot holds more
tui_keys s
tui_expect "a second snapshot" 30 "snapshot written: ./memlens-$pid-2.mls"
tui_keys 8
tui_expect "the Log view lists the snapshots written" 10 "snapshot written: ./memlens-$pid-2.mls"
tui_keys 7
tui_expect "the Snapshots view lists both" 10 "memlens-$pid-2.mls"
tui_keys Enter
tui_expect "Enter compares them as memlens diff does" 30 "memlens diff: ./memlens-$pid-1.mls -> ./memlens-$pid-2.mls"
tui_expect "... the leak grew" 10 'Grew: '
grep -q session_log_append "$T/screen" && echo "ok: the leak is among what grew" || note_fail "the leak is not in the diff"
(cd "$T" && "$MEMLENS" diff "./memlens-$pid-1.mls" "./memlens-$pid-2.mls" 2>&1 | head -3 >"$T/cli.diff")
line=$(sed -n 2p "$T/cli.diff" | cut -c1-60) # the screen is 100 columns wide
grep -qF -- "$line" "$T/screen" && echo "ok: the same totals line as memlens diff prints" ||
    note_fail "memlens diff's totals line '$line' is not on the screen"
tui_keys '>'
tui_expect "> groups by function" 30 '\(by function\)'

tui_keys q
expect_eq "exit status after q" "$(tui_exit_status 20)" 0
tui_expect_restored
finish
