#!/bin/bash
# symbols.sh - frames are symbolized truthfully: the program's functions with their file:line,
# and code without debug information (crt1.o's _start) with its symbol name and no file:line
# (libdw answers such a pc with the last line row before it, another function's).
. "$(dirname "$0")/lib.sh"
need_memlens
exact=$(prog exact) || exit
export MEMLENS_SYMBOL_CACHE=off

run_memlens "$T/o" "$T/r.json" --top 1000 -- "$exact" || finish
python3 - "$T/r.json" >"$T/check" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
frames = [f for s in d["sites_by_live"] + d["sites_by_peak"] for f in s["frames"]]
mains = [f for f in frames if f["function"] == "main"]
starts = [f for f in frames if f["function"] == "_start"]
print("main", len(mains), all((f["file"] or "").endswith("exact.c") and f["line"] > 0 for f in mains))
print("start", len(starts), all(f["file"] is None and f["line"] == 0 for f in starts))
PY
read -r _ nmain main_ok <<<"$(sed -n 1p "$T/check")"
read -r _ nstart start_ok <<<"$(sed -n 2p "$T/check")"
expect_cmp "frames named main" "$nmain" -gt 0
expect_eq "main frames carry exact.c:LINE" "$main_ok" True
expect_cmp "frames named _start" "$nstart" -gt 0
expect_eq "_start frames carry no borrowed file:line" "$start_ok" True
finish
