#!/bin/bash
# attach_dlopen.sh - a library the process dlopens after memlens attached is patched too:
# its allocations (dltest_leak in libdltest.so, called every tick once loaded) are in the
# report, and the process ends as it would have.
. "$(dirname "$0")/lib.sh"
need_memlens
lateload=$(prog lateload) || exit
lib="$PROGS/.libs/libdltest.so"
[ -f "$lib" ] || fail "$lib is missing"

run_native "$T/native" "$lateload" "$lib" 700 250
[ "$NATIVE_RC" = 0 ] || fail "lateload fails natively: $(cat "$T/native.err")"
"$lateload" "$lib" 700 250 >"$T/out" 2>&1 </dev/null &
pid=$!
BG_PIDS="$pid"
wait_for 5 grep -q '^tick 5$' "$T/out" || fail "lateload did not start"
grep -q '^loaded' "$T/out" && fail "lateload loaded the library before the attach (too slow a machine?)"
rc=0
"$MEMLENS" attach --duration 1500ms --json -r "$T/r.json" "$pid" 2>"$T/err" || rc=$?
expect_eq "attach exit status" "$rc" 0
grep -q '^loaded' "$T/out" || note_fail "lateload had not loaded the library when the attach ended"
sums=$(sites "$T/r.json" '^dltest_leak$')
echo "sites with dltest_leak: $sums"
expect_cmp "allocations seen from the library loaded after the attach" "$(site_field "$sums" alloc_calls)" -ge 10
expect_eq "each of them 2500 bytes, still live" "$(site_field "$sums" live_bytes)" \
    $((2500 * $(site_field "$sums" alloc_calls)))
wait "$pid"
expect_eq "lateload exit status" "$?" 0
expect_same_file "lateload output with and without the attach" "$T/native" "$T/out"
finish
