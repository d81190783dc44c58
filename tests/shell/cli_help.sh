#!/bin/bash
# cli_help.sh - `--version`, `--help` and `run --help` print what a user needs and exit 0.
. "$(dirname "$0")/lib.sh"
need_memlens

rc=0
"$MEMLENS" --version >"$T/v" 2>"$T/v.err" || rc=$?
expect_eq "--version exit status" "$rc" 0
if grep -qE '^memlens [0-9]+\.[0-9]+\.[0-9]+$' "$T/v" && [ "$(wc -l <"$T/v")" = 1 ]; then
    echo "ok: --version prints '$(cat "$T/v")'"
else
    note_fail "--version output is not one line 'memlens X.Y.Z': $(head -3 "$T/v")"
fi

rc=0
"$MEMLENS" --help >"$T/h" 2>&1 || rc=$?
expect_eq "--help exit status" "$rc" 0
for word in run demo; do
    if grep -qw -- "$word" "$T/h"; then
        echo "ok: --help mentions $word"
    else
        note_fail "--help does not mention '$word'"
    fi
done

rc=0
"$MEMLENS" run --help >"$T/rh" 2>&1 || rc=$?
expect_eq "run --help exit status" "$rc" 0
for opt in --duration --headless --json --top --unwind; do
    if grep -q -- "$opt" "$T/rh"; then
        echo "ok: run --help mentions $opt"
    else
        note_fail "run --help does not mention $opt"
    fi
done

# the version in reports is the same as --version's
exitwith=$(prog exitwith) || exit
if run_memlens "$T/ml" "$T/r.json" -- "$exitwith" 0; then
    expect_eq "memlens_version in the report" "memlens $(json_get "$T/r.json" memlens_version)" \
        "$(cat "$T/v")"
fi
finish
