#!/bin/bash
# snapshot_diff.sh - snapshots of leaky (three leaks, a bounded cache, a churning temporary):
# taken from a running process with `memlens snapshot PID` at two times, the diff names the
# three leak sites as the top growth and not the cache or the temporary; snapshots of two
# separate runs (different address layouts) match site for site, with exact growth; the same
# from a process memlens attached to; --by,
# --filter (and a bad pattern), --min.
. "$(dirname "$0")/lib.sh"
need_memlens
src=$(need_workload leaky.c) || exit
need_cmd gcc
gcc -O2 -g -o "$T/leaky" "$src" || fail "cannot build leaky"

# grew_labels JSON: the labels of the rows that grew, in order, one per line
grew_labels() { python3 -c 'import json,sys; [print(r["label"].split()[0]) for r in json.load(open(sys.argv[1]))["grew"]]' "$1"; }

# --- two times of one running process -------------------------------------------------
"$MEMLENS" run --headless -r "$T/run.txt" -o "$T/end.mls" -- "$T/leaky" -s 9 -u 1000 \
    >"$T/leaky.out" 2>"$T/leaky.err" </dev/null &
ml=$!
BG_PIDS="$ml"
wait_for 10 child_of "$ml" leaky >/dev/null || fail "leaky did not start under memlens"
pid=$(child_of "$ml" leaky)
sleep 2.5 # past the cache's fill (1024 iterations at ~1 ms)
"$MEMLENS" snapshot "$pid" -o "$T/a.mls" 2>"$T/snap.err" || fail "snapshot A failed: $(cat "$T/snap.err")"
sleep 3
"$MEMLENS" snapshot "$pid" -o "$T/b.mls" 2>"$T/snap.err" || fail "snapshot B failed: $(cat "$T/snap.err")"
expect_eq "leaky still runs after two snapshots" "$(kill -0 "$pid" 2>/dev/null && echo yes)" yes
"$MEMLENS" diff --json --top 5 "$T/a.mls" "$T/b.mls" >"$T/d.json" 2>"$T/d.err" ||
    fail "diff failed: $(cat "$T/d.err")"
grew_labels "$T/d.json" >"$T/grew"
top3=$(head -3 "$T/grew" | sort | tr '\n' ' ')
expect_eq "the top three growing sites are the three leaks" "$top3" "leak_fast leak_medium leak_slow "
if grep -qE '^(cache_put|temp_churn)$' "$T/grew"; then
    note_fail "the bounded cache or the temporary is listed as growing: $(tr '\n' ' ' <"$T/grew")"
else
    echo "ok: neither the bounded cache nor the temporary grew"
fi
"$MEMLENS" diff "$T/a.mls" "$T/b.mls" >"$T/d.txt" || note_fail "text diff failed"
head -2 "$T/d.txt" | grep -q '^Totals: live ' && echo "ok: the totals line comes first" ||
    note_fail "no totals line at the top: $(head -3 "$T/d.txt")"
wait "$ml"
BG_PIDS=""
[ -s "$T/end.mls" ] && echo "ok: run -o wrote its snapshot at the end" || note_fail "run -o wrote no snapshot"
"$MEMLENS" report "$T/end.mls" >"$T/end.txt" 2>&1 || note_fail "report of the final snapshot failed"
grep -q 'leak_medium' "$T/end.txt" && echo "ok: the final snapshot's report names the leaks" ||
    note_fail "the final snapshot's report lacks leak_medium"

# --- a process memlens attached to ---------------------------------------------------------
"$T/leaky" -s 12 -u 1000 >"$T/att-leaky.out" 2>&1 </dev/null &
lp=$!
"$MEMLENS" attach --headless --duration 6s "$lp" >"$T/att.txt" 2>&1 </dev/null &
ap=$!
BG_PIDS="$lp $ap"
sock_dir=${XDG_RUNTIME_DIR:+$XDG_RUNTIME_DIR/memlens}
sock_dir=${sock_dir:-/tmp/memlens-$(id -u)}
wait_for 20 test -S "$sock_dir/$lp.sock" || note_fail "the attach session opened no control socket"
sleep 1
"$MEMLENS" snapshot "$lp" -o "$T/att1.mls" 2>"$T/snap.err" || note_fail "snapshot of an attached process: $(cat "$T/snap.err")"
sleep 2
"$MEMLENS" snapshot "$lp" -o "$T/att2.mls" 2>"$T/snap.err" || note_fail "second snapshot of an attached process failed"
"$MEMLENS" diff --json "$T/att1.mls" "$T/att2.mls" >"$T/att.json" 2>/dev/null || note_fail "diff of the attached snapshots failed"
expect_eq "attached: the top three growing sites are the three leaks" \
    "$(grew_labels "$T/att.json" | head -3 | sort | tr '\n' ' ')" "leak_fast leak_medium leak_slow "
wait "$ap"
wait "$lp"
expect_eq "attached leaky ends normally" "$?" 0
BG_PIDS=""

# --- two separate runs ------------------------------------------------------------------
"$MEMLENS" run --headless -r "$T/r1.txt" -o "$T/r1.mls" -- "$T/leaky" -n 3000 >/dev/null 2>&1 ||
    fail "run 1 failed"
"$MEMLENS" run --headless -r "$T/r2.txt" -o "$T/r2.mls" -- "$T/leaky" -n 9000 >/dev/null 2>&1 ||
    fail "run 2 failed"
"$MEMLENS" diff --json "$T/r1.mls" "$T/r2.mls" >"$T/r.json" || fail "diff of two runs failed"
expect_eq "two runs: no site is new" "$(json_get "$T/r.json" new)" 0
expect_eq "two runs: no site vanished" "$(json_get "$T/r.json" vanished)" 0
delta() { # FUNCTION: live-bytes growth of its row
    python3 -c 'import json,sys
for r in json.load(open(sys.argv[1]))["grew"]:
    if r["label"].split()[0] == sys.argv[2]: print(r["delta"]["live_bytes"]); break' "$T/r.json" "$1"
}
expect_eq "leak_fast grew by 6000 x 32 B" "$(delta leak_fast)" 192000
expect_eq "leak_medium grew by 600 x 1000 B" "$(delta leak_medium)" 600000
expect_eq "leak_slow grew by 6 x 64 KiB" "$(delta leak_slow)" 393216

"$MEMLENS" diff --json --by function "$T/r1.mls" "$T/r2.mls" >"$T/f.json" || note_fail "--by function failed"
expect_eq "--by function: labels are function names" "$(grew_labels "$T/f.json" | head -3 | sort | tr '\n' ' ')" \
    "leak_fast leak_medium leak_slow "
"$MEMLENS" diff --json --by module "$T/r1.mls" "$T/r2.mls" >"$T/m.json" || note_fail "--by module failed"
expect_eq "--by module: one module grew, leaky" "$(grew_labels "$T/m.json" | sed 's|.*/||' | tr '\n' ' ')" "leaky "
"$MEMLENS" diff --json --filter 'leak_(fast|slow)' "$T/r1.mls" "$T/r2.mls" >"$T/flt.json" ||
    note_fail "--filter failed"
expect_eq "--filter keeps the matching sites only" "$(grew_labels "$T/flt.json" | sort | tr '\n' ' ')" \
    "leak_fast leak_slow "
"$MEMLENS" diff --json --min 300KiB "$T/r1.mls" "$T/r2.mls" >"$T/min.json" || note_fail "--min failed"
expect_eq "--min 300KiB keeps the two largest changes" "$(grew_labels "$T/min.json" | sort | tr '\n' ' ')" \
    "leak_medium leak_slow "
rc=0
"$MEMLENS" diff --filter 'leak_(' "$T/r1.mls" "$T/r2.mls" >"$T/bad.out" 2>"$T/bad.err" || rc=$?
expect_eq "a bad --filter pattern is a usage error" "$rc" 64
grep -q 'offset 6: missing closing parenthesis' "$T/bad.err" && echo "ok: PCRE2's offset and message: $(cat "$T/bad.err")" ||
    note_fail "the bad-pattern message lacks PCRE2's offset and message: $(cat "$T/bad.err")"
finish
