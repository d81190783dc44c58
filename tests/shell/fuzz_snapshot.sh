#!/bin/bash
# fuzz_snapshot.sh - a short libFuzzer run of the snapshot reader and what reads what it
# accepts (tests/fuzz/fuzz_snapshot.c), from the seed corpus; any crash, leak, hang or
# undefined behaviour fails. FUZZ_SECONDS (20) sets the length; doc/snapshot-format.md says
# how to fuzz for hours.
. "$(dirname "$0")/lib.sh"
[ -n "${FUZZER:-}" ] || skip "no libFuzzer target: configure found no clang with -fsanitize=fuzzer (apt-get install clang libclang-rt-14-dev)"
[ -x "$FUZZER" ] || fail "FUZZER=$FUZZER is not built"
corpus="$SRCDIR/tests/fuzz/corpus"
[ -d "$corpus" ] || fail "no seed corpus at $corpus"
mkdir "$T/work"
cp "$corpus"/* "$T/work/"
cd "$T" || fail "no temporary directory"
rc=0
"$FUZZER" -max_total_time="${FUZZ_SECONDS:-20}" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 "$T/work" >"$T/fuzz.log" 2>&1 || rc=$?
grep -E '^(#[0-9]+ +DONE|stat::number_of_executed_units)' "$T/fuzz.log" | tail -2
if [ "$rc" = 0 ]; then
    echo "ok: no crash, leak, hang or undefined behaviour in $(sed -n 's/^stat::number_of_executed_units: *//p' "$T/fuzz.log") runs"
else
    tail -40 "$T/fuzz.log"
    note_fail "the fuzzer found a problem (status $rc); the input is in $(ls "$T"/crash-* "$T"/leak-* "$T"/timeout-* 2>/dev/null | head -1)"
fi
finish
