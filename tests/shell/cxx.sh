#!/bin/bash
# cxx.sh - C++: new/delete, new[]/delete[], vector and string growth, exceptions thrown
# and caught. The program's output is unchanged; leak_with_new's, new_and_delete's
# (every call through operator new) and thrower's sites are exact; the total is the
# program's own count plus libstdc++'s, and equals valgrind's when it is installed.
. "$(dirname "$0")/lib.sh"
need_memlens
cxxprog=$(prog cxxprog) || exit
new_rx='^(operator new|_Zn[wa])' # operator new, demangled or not (_Znwm, _Znam, ...)

run_native "$T/native" "$cxxprog"
[ "$NATIVE_RC" = 0 ] || fail "cxxprog fails natively"
r="$T/r.json"
run_memlens "$T/ml" "$r" -- "$cxxprog" || finish
expect_same_behaviour "$T/native" "$T/ml"

# check_site FUNCTION [MORE-REGEXES]: the sums over its sites equal its expect_site line
check_site() {
    local f=$1 s want k
    s=$(sites "$r" "$@")
    want=$(grep "^expect_site function=$f " "$T/native")
    for k in alloc_calls frees live_bytes live_blocks; do
        echo "$want" | grep -q " $k=" || continue
        expect_eq "sites with $*: $k" "$(site_field "$s" "$k")" \
            "$(expect_kv "$T/native" "expect_site function=$f" "$k")"
    done
}
check_site leak_with_new
check_site leak_with_new "$new_rx"
check_site new_and_delete "$new_rx"
check_site thrower
check_site thrower '__cxa_allocate_exception'

calls=$(json_get "$r" totals.alloc_calls)
own=$(expect_kv "$T/native" expect_min alloc_calls)
expect_cmp "alloc_calls - the program's own" "$((calls - own))" -ge 0
expect_cmp "alloc_calls - the program's own" "$((calls - own))" -le 8
if command -v valgrind >/dev/null; then
    valgrind --log-file="$T/vg.log" "$cxxprog" >/dev/null 2>&1 </dev/null
    vg=$(grep 'total heap usage' "$T/vg.log" | tr -d , | sed 's/.*usage: \([0-9]*\) allocs.*/\1/')
    expect_eq "alloc_calls vs valgrind" "$calls" "$vg"
fi
finish
