#!/bin/bash
# churn_valgrind.sh - on churn, memlens's totals equal valgrind memcheck's heap summary:
# allocations (a realloc counts as one), frees (a realloc counts as one too), bytes
# allocated, and bytes and blocks in use at exit. --run-libc-freeres=no keeps glibc
# from freeing its own buffers at exit under valgrind, as it does not natively.
. "$(dirname "$0")/lib.sh"
need_memlens
need_cmd valgrind
run_churn 200000

valgrind --run-libc-freeres=no --log-file="$T/vg.log" "${CHURN[@]}" >/dev/null 2>&1 </dev/null
s=$(grep 'total heap usage' "$T/vg.log" | tail -1 | tr -d ,)
u=$(grep 'in use at exit' "$T/vg.log" | tail -1 | tr -d ,)
[ -n "$s" ] && [ -n "$u" ] || fail "no valgrind heap summary: $(tail -3 "$T/vg.log")"
echo "valgrind: $s; $u"
r="$T/r.json"
expect_json "$r" totals.alloc_calls "$(echo "$s" | sed 's/.*usage: \([0-9]*\) allocs.*/\1/')"
expect_json "$r" totals.frees "$(echo "$s" | sed 's/.* \([0-9]*\) frees.*/\1/')"
expect_json "$r" totals.bytes_allocated "$(echo "$s" | sed 's/.* \([0-9]*\) bytes allocated.*/\1/')"
expect_json "$r" totals.live_bytes "$(echo "$u" | sed 's/.*exit: \([0-9]*\) bytes.*/\1/')"
expect_json "$r" totals.live_blocks "$(echo "$u" | sed 's/.* in \([0-9]*\) blocks.*/\1/')"
finish
