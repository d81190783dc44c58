#!/bin/bash
# export_formats.sh - `memlens export`: pprof that `go tool pprof -top` reads with totals equal
# to the report's (live bytes, bytes allocated, allocation calls), folded stacks whose values
# add up to the report's live figures, and JSON with the snapshot's figures.
. "$(dirname "$0")/lib.sh"
need_memlens
src=$(need_workload leaky.c) || exit
need_cmd gcc
gcc -O2 -g -o "$T/leaky" "$src" || fail "cannot build leaky"
"$MEMLENS" run --headless --json -r "$T/r.json" -o "$T/s.mls" -- "$T/leaky" -n 5000 >/dev/null 2>&1 ||
    fail "memlens run failed"
live=$(json_get "$T/r.json" totals.live_bytes)
allocated=$(json_get "$T/r.json" totals.bytes_allocated)
calls=$(json_get "$T/r.json" totals.alloc_calls)
[ -n "$live" ] && [ -n "$allocated" ] && [ -n "$calls" ] || fail "the report lacks heap figures"

# folded stacks: heap lines (no [mmap] root) add up to the report's figures
"$MEMLENS" export "$T/s.mls" --format collapsed -o "$T/c.txt" || fail "collapsed export failed"
sum() { grep -v '^\[mmap\]' "$1" | awk '{s += $NF} END {print s + 0}'; }
expect_eq "collapsed inuse_space sums to the live heap" "$(sum "$T/c.txt")" "$live"
"$MEMLENS" export "$T/s.mls" --format collapsed --value alloc_objects >"$T/c2.txt" || note_fail "--value failed"
expect_eq "collapsed alloc_objects sums to the allocation calls" "$(sum "$T/c2.txt")" "$calls"
grep -q '^_start;.*;main;one_iteration;leak_medium [0-9]*$' "$T/c.txt" && echo "ok: outermost frame first" ||
    note_fail "collapsed lines are not outermost;...;innermost VALUE: $(head -2 "$T/c.txt")"

# JSON
"$MEMLENS" export "$T/s.mls" --format json -o "$T/e.json" || fail "json export failed"
python3 - "$T/e.json" "$live" "$calls" <<'PY' || note_fail "the JSON export does not hold the snapshot's figures"
import json, sys
e = json.load(open(sys.argv[1]))
assert e["format"] == "memlens-export" and e["version"] == 1
assert e["heap"]["live_bytes"] == int(sys.argv[2]), "heap.live_bytes"
heap = [s for s in e["sites"] if s["kind"] == "heap"]
assert sum(s["counts"]["live_bytes"] for s in heap) == int(sys.argv[2]), "sites' live bytes"
assert sum(s["counts"]["alloc_calls"] for s in heap) == int(sys.argv[3]), "sites' calls"
assert sum(b["size"] for b in e["blocks"] if e["sites"] and True) >= int(sys.argv[2]), "blocks"
assert e["series"] and e["modules"] and e["threads"], "series, modules, threads"
print("ok: the JSON export holds the snapshot's figures")
PY

rc=0
"$MEMLENS" export "$T/s.mls" --format svg >/dev/null 2>"$T/err" || rc=$?
expect_eq "an unknown format is a usage error" "$rc" 64

# pprof, read by go tool pprof
"$MEMLENS" export "$T/s.mls" --format pprof -o "$T/p.pb.gz" || fail "pprof export failed"
[ "$(head -c 2 "$T/p.pb.gz" | od -An -tx1 | tr -d ' ')" = 1f8b ] && echo "ok: pprof output is gzipped" ||
    note_fail "pprof output is not gzip"
command -v go >/dev/null 2>&1 || { echo "skip: go tool pprof checks (golang-go is not installed)"; finish; }
export HOME="$T" GOCACHE="$T/gocache" GOFLAGS=-mod=mod
# pprof total in bytes / count: "Total samples = N" is rounded: -unit=byte gives exact B
total() { go tool pprof -sample_index="$1" -unit="$2" -top "$T/p.pb.gz" 2>&1 | sed -n 's/.*of \([0-9.]*\)[a-zA-Z]* total.*/\1/p;s/.*Total samples = \([0-9.]*\)[a-zA-Z]*.*/\1/p' | head -1; }
expect_eq "pprof inuse_space total = the report's live heap" "$(total inuse_space byte)" "$live"
expect_eq "pprof alloc_space total = the report's bytes allocated" "$(total alloc_space byte)" "$allocated"
expect_eq "pprof alloc_objects total = the report's calls" "$(total alloc_objects count)" "$calls"
go tool pprof -top "$T/p.pb.gz" >"$T/top.txt" 2>&1
grep -q 'leak_medium' "$T/top.txt" && echo "ok: pprof -top names the leaks" || note_fail "pprof -top: $(head -12 "$T/top.txt")"
finish
