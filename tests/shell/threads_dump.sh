#!/bin/bash
# threads_dump.sh - `memlens threads` on a process with 20 threads waiting in 3 places (10
# sleeping, 6 reading a pipe, 4 on a condition variable) and its main thread: the dump has
# those 3 groups with the right counts, symbolized frames (function and parked.c:line), the
# main thread alone, every thread of the process, and the process goes on as before.
. "$(dirname "$0")/lib.sh"
need_memlens
start_parked "$T/out" 10 6 4
pid=$PARKED

rc=0
"$MEMLENS" threads --json -r "$T/d.json" "$pid" 2>"$T/err" || rc=$?
expect_eq "memlens threads --json exit status" "$rc" 0
[ -s "$T/d.json" ] || fail "no thread dump written: $(cat "$T/err")"
python3 - "$T/d.json" "$pid" >"$T/checks" <<'PY'
import json, os, sys
d = json.load(open(sys.argv[1]))
pid = int(sys.argv[2])
dump = d["thread_dump"]
def check(what, ok, detail=""):
    print(("ok: " if ok else "FAIL: ") + what + (" (" + detail + ")" if detail else ""))
check("pid", d["pid"] == pid, str(d["pid"]))
tids = sorted(int(t) for t in os.listdir("/proc/%d/task" % pid))
seen = sorted(t["tid"] for g in dump["groups"] for t in g["threads"])
check("every thread of the process is in the dump", seen == tids, "%d of %d" % (len(seen), len(tids)))
check("all stacks taken", dump["unwound"] == 21, str(dump["unwound"]))
def funcs(g):
    return [f["function"] for f in g["frames"]]
want = {"park_sleep": 10, "park_pipe": 6, "park_cond": 4}
for fn, count in want.items():
    gs = [g for g in dump["groups"] if fn in funcs(g)]
    check("one group waits in %s" % fn, len(gs) == 1, str(len(gs)))
    if len(gs) != 1:
        continue
    g = gs[0]
    check("%s group has %d threads" % (fn, count), g["count"] == count == len(g["threads"]), str(g["count"]))
    check("%s group state is S" % fn, g["state"] == "S", g["state"])
    f = [f for f in g["frames"] if f["function"] == fn][0]
    check("%s frame is at parked.c:N" % fn, (f["file"] or "").endswith("parked.c") and f["line"] > 0,
          "%s:%s" % (f["file"], f["line"]))
    check("%s frames go through worker and start_thread" % fn,
          "worker" in funcs(g) and "start_thread" in funcs(g), " ".join(str(x) for x in funcs(g)))
mains = [g for g in dump["groups"] if "main" in funcs(g)]
check("the main thread is a group of its own", len(mains) == 1 and mains[0]["count"] == 1
      and mains[0]["threads"][0]["tid"] == pid)
check("4 groups in all", len(dump["groups"]) == 4, str(len(dump["groups"])))
check("largest group first", [g["count"] for g in dump["groups"]] == [10, 6, 4, 1],
      str([g["count"] for g in dump["groups"]]))
stops = [t["stopped_ms"] for g in dump["groups"] for t in g["threads"]]
check("each thread stopped for less than 100 ms", max(stops) < 100, "max %.3f ms" % max(stops))
PY
cat "$T/checks"
grep -q '^FAIL' "$T/checks" && FAILED=1

# the text form: the Go-style group headers
rc=0
"$MEMLENS" threads "$pid" >"$T/text" 2>"$T/err" || rc=$?
expect_eq "memlens threads exit status" "$rc" 0
for want in '^10 threads \[S, sleeping\] @ ' '^6 threads \[S, sleeping\] @ ' '^4 threads \[S, sleeping\] @ ' \
    '^1 thread \[[A-Za-z], [a-z ]*\] @ ' 'park_sleep  *parked\.c:[0-9]' "tid $pid "; do
    if grep -q -- "$want" "$T/text"; then
        echo "ok: text dump has '$want'"
    else
        note_fail "text dump lacks '$want'"
    fi
done
expect_running "$pid" "$T/out" "after two dumps"
finish
