#!/bin/bash
# tui_frontend.sh - on a terminal, the choice between the TUI and the headless report
# (frontend_choose): --headless, --json without a report file, a pipe as stdout and
# TERM=dumb all give the report (the last with a note saying why), never a screen.
. "$(dirname "$0")/lib.sh"
need_memlens

# four commands in one terminal, one after the other, each leaving its output in a file
tui_start 80 24 env TERM=screen LANG=C.UTF-8 bash -c "
    '$MEMLENS' demo --headless --duration 2s >headless.out 2>headless.err; echo \$? >headless.rc
    '$MEMLENS' demo --json --duration 2s >json.out 2>json.err; echo \$? >json.rc
    '$MEMLENS' demo --duration 2s 2>pipe.err | cat >pipe.out; echo \$? >pipe.rc
    clear; TERM=dumb '$MEMLENS' demo --duration 2s 2>dumb.err; echo \$? >dumb.rc"
expect_eq "the four runs ended" "$(tui_exit_status 90)" 0
expect_eq "--headless exit status" "$(cat "$T/headless.rc")" 0
grep -q 'session_log_append' "$T/headless.out" && echo "ok: --headless prints the report on a terminal" ||
    note_fail "no report with --headless: $(head -3 "$T/headless.out")"
expect_eq "--json exit status" "$(cat "$T/json.rc")" 0
python3 "$REPORT_PY" check "$T/json.out" && echo "ok: --json without -r prints JSON, no TUI" ||
    note_fail "--json on a terminal did not print report JSON: $(head -c 200 "$T/json.out")"
grep -q 'session_log_append' "$T/pipe.out" && echo "ok: a pipe as stdout gets the report" ||
    note_fail "no report through a pipe: $(head -3 "$T/pipe.out")"
tui_screen -S - >"$T/dumb.out"
grep -q 'session_log_append' "$T/dumb.out" && echo "ok: TERM=dumb gets the report on the terminal" ||
    note_fail "no report with TERM=dumb: $(head -3 "$T/dumb.out")"
grep -q 'no TUI (TERM is dumb)' "$T/dumb.err" && echo "ok: ... and a note saying why" ||
    note_fail "no note on stderr with TERM=dumb: $(cat "$T/dumb.err")"
for f in headless json pipe; do
    [ -s "$T/$f.err" ] && note_fail "$f: unexpected stderr: $(head -2 "$T/$f.err")"
done
finish
