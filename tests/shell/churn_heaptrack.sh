#!/bin/bash
# churn_heaptrack.sh - memlens counts exactly the allocation calls heaptrack counts on
# the same deterministic churn run.
#
# heaptrack's "calls to allocation functions" is every malloc, calloc, realloc and
# posix_memalign the process makes, libc's own included, plus what heaptrack's preloaded
# C++ runtime allocates at load time (libstdc++'s exception pool) in a program that
# would not load it otherwise. That overhead is measured on exitwith, which allocates
# nothing, and subtracted. heaptrack 1.4's interpreter fails past ~30000 distinct
# (stack, size) pairs, hence the short run.
. "$(dirname "$0")/lib.sh"
need_memlens
need_cmd heaptrack heaptrack_print
nothing=$(prog exitwith) || exit
run_churn 20000

# ht_calls NAME CMD...: heaptrack's allocation call count for CMD
ht_calls() {
    heaptrack -o "$T/ht-$1" "${@:2}" >"$T/ht-$1.log" 2>&1 </dev/null
    heaptrack_print -f "$T/ht-$1.zst" 2>/dev/null |
        sed -n 's/^calls to allocation functions: \([0-9]*\).*/\1/p'
}
base=$(ht_calls nothing "$nothing" 0)
total=$(ht_calls churn "${CHURN[@]}")
[ -n "$base" ] || fail "heaptrack gave no count for exitwith: $(tail -3 "$T/ht-nothing.log")"
[ -n "$total" ] || fail "heaptrack gave no count for churn: $(tail -3 "$T/ht-churn.log")"
echo "heaptrack: $total calls for churn, $base for a program that allocates nothing"
expect_json "$T/r.json" totals.alloc_calls "$((total - base))"
expect_cmp "heaptrack's count less churn's own allocs" "$((total - base - $(churn_own allocs)))" -le 4
finish
