#!/bin/bash
# preinit.sh - a malloc from the program's .preinit_array runs before any shared
# library's initialiser, the agent's included: the agent must take it (every hook works
# from the very first call), and count it and everything after it exactly.
. "$(dirname "$0")/lib.sh"
need_memlens
ctordtor=$(prog ctordtor) || exit

run_native "$T/native" "$ctordtor"
[ "$NATIVE_RC" = 0 ] || fail "ctordtor fails natively"
r="$T/r.json"
run_memlens "$T/ml" "$r" -- "$ctordtor" || finish
expect_same_behaviour "$T/native" "$T/ml"
expect_json "$r" agent.state recording
for k in alloc_calls frees bytes_allocated live_bytes live_blocks; do
    expect_json "$r" "totals.$k" "$(expect_kv "$T/native" expect "$k")"
done
expect_json "$r" totals.unknown_frees 0
s=$(sites "$r" '^preinit_alloc$')
expect_eq "preinit_alloc: live_bytes" "$(site_field "$s" live_bytes)" 1111
expect_eq "preinit_alloc: live_blocks" "$(site_field "$s" live_blocks)" 1
finish
