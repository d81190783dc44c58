#!/bin/bash
# unwinders.sh - the default cfi unwinder (cached DWARF rules + validated trace cache) reports
# exactly the stacks libunwind reports, site by site, on programs with plain calls, threads,
# C++ exceptions, a dlopen'ed library and allocations in signal handlers (signal frames make
# cfi fall back); and the fp walker agrees on the frame-pointer-built test programs.
. "$(dirname "$0")/lib.sh"
need_memlens

sites_text() { # one line per site: counters and frames (with FP_CUT=1, only up to main)
    python3 -c '
import json, os, sys
d = json.load(open(sys.argv[1]))
seen = {}
for s in d["sites_by_live"] + d["sites_by_peak"]:
    frames = s["frames"]
    if os.environ.get("FP_CUT") == "1":
        names = [f["function"] for f in frames]
        frames = frames[: names.index("main") + 1] if "main" in names else frames
    fr = " > ".join("%s@%s:%s" % (f["function"], f["file"], f["line"]) for f in frames)
    seen[fr] = "%d %d %d | %s" % (s["alloc_calls"], s["bytes_allocated"], s["live_bytes"], fr)
print("\n".join(sorted(seen.values())))' "$1"
}

compare() { # name unwinder-a unwinder-b prog args...  (FP_CUT is passed on to sites_text)
    local name=$1 a=$2 b=$3
    shift 3
    run_memlens "$T/$name.$a.o" "$T/$name.$a.json" --top 10000 --unwind "$a" -- "$@" || return
    run_memlens "$T/$name.$b.o" "$T/$name.$b.json" --top 10000 --unwind "$b" -- "$@" || return
    FP_CUT=${FP_CUT:-0} sites_text "$T/$name.$a.json" >"$T/$name.$a.sites"
    FP_CUT=${FP_CUT:-0} sites_text "$T/$name.$b.json" >"$T/$name.$b.sites"
    [ -s "$T/$name.$a.sites" ] || { note_fail "$name: no sites reported"; return; }
    expect_same_file "$name: sites and frames of $a and $b" "$T/$name.$a.sites" "$T/$name.$b.sites"
}

compare exact cfi libunwind "$(prog exact)"
compare cxx cfi libunwind "$(prog cxxprog)"
compare dlopen cfi libunwind "$(prog dlopener)" "$PROGS/.libs/libdltest.so"
compare ctordtor cfi libunwind "$(prog ctordtor)"
compare signals cfi libunwind "$(prog sigalloc)"
# fp stops where frame pointers stop (libc has none): compare the program's own frames
FP_CUT=1 compare exact-fp cfi fp "$(prog exact)"
finish
