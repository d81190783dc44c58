#!/bin/bash
# exact_reference.sh - the exact-figure programs' own ledgers agree with valgrind, an
# independent reference, so a mismatch in exact_totals.sh or ctor_dtor.sh is memlens's.
# (valgrind 3.19 aborts on pvalloc, hence "exact no-pvalloc"; forked children write
# their own summaries first, the parent's is the last.) Does not need memlens.
. "$(dirname "$0")/lib.sh"
need_cmd valgrind

# vg OUTFILE CMD...: run CMD under memcheck; its heap summary in OUTFILE.vg
vg() {
    local out=$1
    shift
    valgrind --run-libc-freeres=no --log-file="$out.vg" "$@" >"$out" 2>&1 </dev/null
}

for p in "exact no-pvalloc" ctordtor forker; do
    # shellcheck disable=SC2086
    set -- $p
    bin=$(prog "$1") || exit
    shift
    out="$T/$(basename "$bin")"
    vg "$out" "$bin" "$@"
    summary=$(grep 'total heap usage' "$out.vg" | tail -1 | tr -d ,)
    [ -n "$summary" ] || { note_fail "$p: no valgrind summary"; continue; }
    allocs=$(echo "$summary" | sed 's/.*usage: \([0-9]*\) allocs.*/\1/')
    frees=$(echo "$summary" | sed 's/.* \([0-9]*\) frees.*/\1/')
    bytes=$(echo "$summary" | sed 's/.* \([0-9]*\) bytes allocated.*/\1/')
    inuse=$(grep 'in use at exit' "$out.vg" | tail -1 | tr -d , | sed 's/.*exit: \([0-9]*\) bytes in \([0-9]*\) blocks.*/\1 \2/')
    expect_eq "$p: alloc_calls (valgrind)" "$(expect_kv "$out" expect alloc_calls)" "$allocs"
    expect_eq "$p: frees (valgrind)" "$(expect_kv "$out" expect frees)" "$frees"
    expect_eq "$p: bytes_allocated (valgrind)" "$(expect_kv "$out" expect bytes_allocated)" "$bytes"
    expect_eq "$p: live bytes and blocks (valgrind)" \
        "$(expect_kv "$out" expect live_bytes) $(expect_kv "$out" expect live_blocks)" "$inuse"
done
finish
