#!/bin/bash
# lua_stdlib.sh - the standard heuristics not covered by lua_leaky and lua_threads: on copier,
# duplicate-buffers names the function that copies a 2 MiB frame while the original is live,
# and churn names the 4 KiB scratch blocks allocated and freed 1 500 times a second (listed
# under its 64 MiB/s threshold); on leaky, old-blocks (its age lowered to 3 s by a script, as a
# user would) flags the leak sites and not the FIFO cache, whose blocks live about a second.
. "$(dirname "$0")/lib.sh"
need_memlens
copier=$(prog copier) || exit
src=$(need_workload leaky.c) || exit
need_cmd gcc
gcc -O2 -g -o "$T/leaky" "$src" || fail "cannot build leaky"
: >"$T/empty.lua"
cat >"$T/old.lua" <<'LUA'
local std = require "memlens.std"
std.settings.old_blocks.age = "3s"
LUA

(run_script "$T/old" "$T/old.json" "$T/old.lua" --duration 12s -- "$T/leaky" -s 60 -u 1000
 echo "$SC_RC" >"$T/old.rc") &
run_script "$T/copy" "$T/copy.json" "$T/empty.lua" -- "$copier" -s 9 ||
    fail "no results for copier (status $SC_RC): $(tail -5 "$T/copy.err")"
wait

python3 "$SCRIPT_PY" findings "$T/copy.json" >"$T/copy.findings"
sed 's/^/    copier: /' "$T/copy.findings"
expect_eq "copier: exit status (duplicate-buffers fired)" "$SC_RC" 101
# the newest block is the copy or, caught between the two, the next frame: both are named
line=$(grep -E '^heuristic=duplicate-buffers .*fired=1 .*functions=(keep_copy|load_frame),' "$T/copy.findings" | head -1)
if echo "$line" | grep -q 'functions=keep_copy,'; then other=load_frame; else other=keep_copy; fi
[ -n "$line" ] && echo "ok: duplicate-buffers names keep_copy or load_frame (the newest of the copies)" ||
    note_fail "duplicate-buffers names neither keep_copy nor load_frame: $(grep duplicate "$T/copy.findings")"
echo "$line" | grep -q "live blocks of 2.0 MiB each .*others from $other (copier\.c:[0-9]*)" &&
    echo "ok: ... with the size of the copies and the other site" ||
    note_fail "duplicate-buffers reason: ${line:-no finding}"
line=$(grep '^heuristic=churn ' "$T/copy.findings" | head -1)
echo "$line" | grep -q 'fired=0 .*functions=encode_packet,' && echo "ok: churn names encode_packet, under its threshold" ||
    note_fail "churn does not name encode_packet (or fired): ${line:-no finding}"
echo "$line" | grep -qE 'reason=[0-9,]+ blocks/s of 4.0 KiB \(' && echo "ok: ... blocks of 4 KiB" ||
    note_fail "churn reason: ${line:-no finding}"
grep -qE '^heuristic=(steady-growth|unbounded-count|old-blocks)' "$T/copy.findings" &&
    note_fail "copier (no leak) has a leak finding" || echo "ok: copier has no leak finding"

python3 "$SCRIPT_PY" findings "$T/old.json" >"$T/old.findings"
expect_eq "leaky: exit status" "$(cat "$T/old.rc")" 101
for f in leak_fast leak_medium leak_slow; do
    grep -q "^heuristic=old-blocks category=leak fired=1 .*functions=$f," "$T/old.findings" &&
        echo "ok: old-blocks flags $f" || note_fail "old-blocks does not flag $f"
done
grep -q "^heuristic=old-blocks .*functions=cache_put," "$T/old.findings" &&
    note_fail "old-blocks flags the bounded cache" || echo "ok: old-blocks leaves the cache alone"
grep -q "^heuristic=old-blocks .*reason=oldest of its [0-9,]* live blocks (.*) is [0-9.]* s old" "$T/old.findings" &&
    echo "ok: the reason gives the oldest block's age" || note_fail "old-blocks reason: $(grep old-blocks "$T/old.findings" | head -1)"
finish
