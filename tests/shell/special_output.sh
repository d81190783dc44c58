#!/bin/bash
# special_output.sh - a report (-r) or snapshot (-o) sent to something that is not a regular
# file (a FIFO here; /dev/null in scripts) is written into it, and the FIFO is still a FIFO
# afterwards: writing through a temporary file and rename must never replace a device or
# FIFO with a file (as root that turned /dev/null into a plain file for the whole machine).
. "$(dirname "$0")/lib.sh"
need_memlens
exitwith=$(prog exitwith) || exit

mkfifo "$T/report.fifo" "$T/snap.fifo" || skip "cannot make a FIFO in $T"
cat "$T/report.fifo" >"$T/report.got" &
r1=$!
cat "$T/snap.fifo" >"$T/snap.got" &
r2=$!
BG_PIDS="$r1 $r2"
rc=0
timeout -k 5 60 "$MEMLENS" run --headless --json -r "$T/report.fifo" -o "$T/snap.fifo" -- "$exitwith" 0 \
    >"$T/out" 2>"$T/err" </dev/null || rc=$?
expect_eq "exit status" "$rc" 0
wait "$r1" "$r2" 2>/dev/null
[ -p "$T/report.fifo" ] && echo "ok: the report FIFO is still a FIFO" || note_fail "the report FIFO was replaced by a file"
[ -p "$T/snap.fifo" ] && echo "ok: the snapshot FIFO is still a FIFO" || note_fail "the snapshot FIFO was replaced by a file"
python3 "$REPORT_PY" check "$T/report.got" && echo "ok: the report came through the FIFO" ||
    note_fail "no report JSON came through the FIFO: $(head -c 200 "$T/report.got")"
expect_cmp "snapshot bytes through the FIFO" "$(wc -c <"$T/snap.got")" -gt 64
ls "$T" | grep -q 'tmp\.' && note_fail "a temporary file was left: $(ls "$T")" || echo "ok: no temporary file left"
finish
