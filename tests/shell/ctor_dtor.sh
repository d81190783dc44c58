#!/bin/bash
# ctor_dtor.sh - allocations made in a constructor (before main) and in an atexit
# handler and a destructor (after main) are all counted: exact totals, and each
# stage's leaked block on a site of its own. (preinit.sh adds the earliest stage.)
. "$(dirname "$0")/lib.sh"
need_memlens
ctordtor=$(prog ctordtor) || exit

run_native "$T/native" "$ctordtor" no-preinit
[ "$NATIVE_RC" = 0 ] || fail "ctordtor fails natively"
r="$T/r.json"
run_memlens "$T/ml" "$r" -- "$ctordtor" no-preinit || finish
expect_same_behaviour "$T/native" "$T/ml"
for k in alloc_calls frees bytes_allocated live_bytes live_blocks; do
    expect_json "$r" "totals.$k" "$(expect_kv "$T/native" expect "$k")"
done
expect_json "$r" totals.unknown_frees 0
for stage in ctor_alloc:2222 atexit_alloc:3333 dtor_alloc:4444; do
    f=${stage%:*}
    s=$(sites "$r" "^$f\$")
    # each stage leaks one block (its temporaries are freed: only the totals see them)
    expect_eq "$f: live_bytes" "$(site_field "$s" live_bytes)" "${stage#*:}"
    expect_eq "$f: live_blocks" "$(site_field "$s" live_blocks)" 1
done
finish
