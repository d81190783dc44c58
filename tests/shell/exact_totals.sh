#!/bin/bash
# exact_totals.sh - memlens's totals equal exactly what tests/progs/exact knows it did:
# every allocator entry point and the realloc edge cases, a known leak, a known peak,
# anonymous mmap/munmap/mremap, and one leaking site checked by function and line.
# Run with both unwinders: counting must not depend on how stacks are taken.
. "$(dirname "$0")/lib.sh"
need_memlens
exact=$(prog exact) || exit

run_native "$T/native" "$exact"
[ "$NATIVE_RC" = 0 ] || fail "exact fails natively (status $NATIVE_RC): $(cat "$T/native")"
grep -q '^expect ' "$T/native" || fail "exact printed no expect line"
e() { expect_kv "$T/native" "$1" "$2"; }

leak_line=$(grep -n 'the leak site' "$SRCDIR/tests/progs/exact.c" | head -1 | cut -d: -f1)
[ -n "$leak_line" ] || fail "cannot find the leak_here malloc line in exact.c"

for unwind in libunwind fp; do
    echo "--- --unwind $unwind"
    r="$T/report-$unwind.json"
    run_memlens "$T/ml-$unwind" "$r" --unwind "$unwind" -- "$exact" || continue
    expect_same_behaviour "$T/native" "$T/ml-$unwind"
    expect_json "$r" target.state exited
    expect_json "$r" target.exit_code 0
    for k in alloc_calls frees bytes_allocated peak_live_bytes live_bytes live_blocks; do
        expect_json "$r" "totals.$k" "$(e expect "$k")"
    done
    expect_json "$r" totals.unknown_frees 0
    for k in calls unmaps bytes_mapped live_bytes live_regions; do
        expect_json "$r" "totals.mmap.$k" "$(e expect_mmap "$k")"
    done
    # leak_here is one site: 5 blocks of 1234 bytes, from one malloc call
    s=$(sites "$r" '^leak_here$')
    for k in alloc_calls live_bytes live_blocks; do
        expect_eq "sites with leak_here: $k" "$(site_field "$s" "$k")" \
            "$(e 'expect_site function=leak_here' "$k")"
    done
    expect_eq "sites with leak_here" "$(site_field "$s" sites)" 1
    # and its leak_here frame points at the malloc call's line
    loc=$(python3 "$REPORT_PY" frames "$r" leak_here)
    if echo "$loc" | grep -q "exact\.c:$leak_line\$"; then
        echo "ok: leak_here frame at exact.c:$leak_line"
    else
        note_fail "no leak_here frame at exact.c:$leak_line; leak_here frames: $(echo "$loc" | tr '\n' ' ')"
    fi
done
finish
