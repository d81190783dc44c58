#!/bin/bash
# symbol_cache.sh - the on-disk symbol cache changes no frame: a cold run, a run served from
# the cache and a run with the cache off report the same stacks; a damaged cache file is
# survived; the cache directory is private.
. "$(dirname "$0")/lib.sh"
need_memlens
exact=$(prog exact) || exit

frames() { # every site's frames as text, one site a line, sorted
    python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
out = set()
for s in d["sites_by_live"] + d["sites_by_peak"]:
    out.add(" > ".join("%s@%s:%s%s" % (f["function"], f["file"], f["line"], "i" if f["inlined"] else "") for f in s["frames"]))
print("\n".join(sorted(out)))' "$1"
}

export MEMLENS_SYMBOL_CACHE="$T/cache"
run_memlens "$T/o1" "$T/cold.json" -- "$exact" || finish
run_memlens "$T/o2" "$T/warm.json" -- "$exact" || finish
MEMLENS_SYMBOL_CACHE=off run_memlens "$T/o3" "$T/off.json" -- "$exact" || finish
frames "$T/cold.json" >"$T/cold.f"
frames "$T/warm.json" >"$T/warm.f"
frames "$T/off.json" >"$T/off.f"
[ -s "$T/cold.f" ] || note_fail "the report has no frames"
grep -q "main@" "$T/cold.f" && echo "ok: frames are symbolized" || note_fail "no symbolized main frame"
expect_same_file "frames from the cache" "$T/cold.f" "$T/warm.f"
expect_same_file "frames with the cache off" "$T/cold.f" "$T/off.f"

n=$(ls "$MEMLENS_SYMBOL_CACHE"/*.syms 2>/dev/null | wc -l)
expect_cmp "cache files written" "$n" -ge 1
perm=$(stat -c %a "$MEMLENS_SYMBOL_CACHE")
expect_eq "cache directory permissions" "$perm" 700

# damage every cache file: the next run still reports the same frames
for f in "$MEMLENS_SYMBOL_CACHE"/*.syms; do
    printf 'A\tzz\tnot\ta cache line\n\x00\x01garbage' >>"$f"
done
run_memlens "$T/o4" "$T/damaged.json" -- "$exact" || finish
frames "$T/damaged.json" >"$T/damaged.f"
expect_same_file "frames after the cache files were damaged" "$T/cold.f" "$T/damaged.f"
finish
