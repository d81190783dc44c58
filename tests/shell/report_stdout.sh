#!/bin/bash
# report_stdout.sh - without -r the report goes to stdout: `--json` alone prints one
# JSON document there (the target prints nothing), with the command as given.
. "$(dirname "$0")/lib.sh"
need_memlens
exitwith=$(prog exitwith) || exit
rc=0
"$MEMLENS" run --headless --json -- "$exitwith" 0 >"$T/out" 2>"$T/err" </dev/null || rc=$?
expect_eq "exit status" "$rc" 0
if python3 "$REPORT_PY" check "$T/out"; then
    echo "ok: stdout is report JSON"
    expect_json "$T/out" command "$(python3 -c 'import json,sys; print(json.dumps(sys.argv[1:]))' "$exitwith" 0)"
    expect_json "$T/out" target.state exited
else
    note_fail "stdout is not report JSON: $(head -c 300 "$T/out")"
fi
# and the text report (no --json) is not empty
rc=0
"$MEMLENS" run --headless -- "$exitwith" 0 >"$T/text" 2>"$T/err" </dev/null || rc=$?
expect_eq "exit status (text report)" "$rc" 0
expect_cmp "lines in the text report" "$(wc -l <"$T/text")" -ge 3
finish
