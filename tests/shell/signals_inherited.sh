#!/bin/bash
# signals_inherited.sh - the target gets the signal dispositions it would get without memlens:
# `yes | head -1` kills yes with SIGPIPE natively, and must under memlens too (memlens ignores
# SIGPIPE for itself; an ignored signal would be inherited across exec).
. "$(dirname "$0")/lib.sh"
need_memlens
need_cmd yes

yes | head -1 >/dev/null
native=${PIPESTATUS[0]}
"$MEMLENS" run --headless -r "$T/r.txt" -- yes 2>"$T/err" | head -1 >/dev/null
under=${PIPESTATUS[0]}
expect_eq "yes's exit status natively" "$native" 141
expect_eq "yes's exit status under memlens (killed by SIGPIPE)" "$under" "$native"
if grep -q "Broken pipe" "$T/err"; then
    note_fail "yes saw EPIPE under memlens: SIGPIPE was ignored in it"
else
    echo "ok: no EPIPE message from yes"
fi
[ -s "$T/r.txt" ] && echo "ok: the report was written" || note_fail "no report written"
finish
