#!/bin/bash
# attach_edge.sh - memlens attach on awkward processes, each with a clear outcome: a process
# stopped with SIGSTOP (88, nothing loaded, it stays stopped and runs on after SIGCONT); one
# whose threads all wait in blocking system calls (attached; afterwards each thread waits
# where it waited, its call restarted, not failed with EINTR); processes that exit while
# memlens attaches (a report saying they ended, or 87/81 - never a hang or another status).
. "$(dirname "$0")/lib.sh"
need_memlens

# --- stopped ---
start_parked "$T/stopped" 1 0 0
pid=$PARKED
kill -STOP "$pid"
wait_for 5 eval "[ \"\$(sed 's/.*) \\(.\\).*/\\1/' /proc/$pid/stat)\" = T ]" || fail "parked did not stop"
rc=0
timeout -k 5 30 "$MEMLENS" attach --duration 200ms -r "$T/r" "$pid" 2>"$T/err" || rc=$?
expect_eq "attach to a stopped process: exit status" "$rc" 88
grep -q "is stopped (SIGSTOP" "$T/err" && echo "ok: $(cat "$T/err")" || note_fail "message: $(cat "$T/err")"
expect_eq "agent loaded into the stopped process" "$(grep -c libmemlens-agent /proc/"$pid"/maps)" 0
expect_eq "the process is still stopped" "$(task_states "$pid" | sort -u | tr -d '\n')" T
kill -CONT "$pid"
expect_running "$pid" "$T/stopped" "the once-stopped process after SIGCONT"
kill "$pid"

# --- every thread in a blocking system call ---
start_parked "$T/blocked" 2 2 2
pid=$PARKED
rc=0
timeout -k 5 30 "$MEMLENS" attach --duration 300ms --json -r "$T/b.json" "$pid" 2>"$T/err" || rc=$?
expect_eq "attach to a process in blocking calls: exit status" "$rc" 0
expect_json "$T/b.json" agent.state detached
expect_json "$T/b.json" agent.attach.detached true
expect_running "$pid" "$T/blocked" "the blocked process after the attach"
"$MEMLENS" threads --json -r "$T/d.json" "$pid" || note_fail "threads failed"
python3 - "$T/d.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))["thread_dump"]
def count(fn, leaf):
    return sum(g["count"] for g in d["groups"]
               if any(f["function"] == fn for f in g["frames"])
               and any(leaf in (f["function"] or "") for f in g["frames"][:3]))
for fn, leaf, n in (("park_sleep", "nanosleep", 2), ("park_pipe", "read", 2), ("park_cond", "cond_wait", 2)):
    got = count(fn, leaf)
    print(("ok: " if got == n else "FAIL: ") + "%d threads still in %s from %s (want %d)" % (got, leaf, fn, n))
PY
kill "$pid"

# --- processes that exit while memlens attaches ---
sleeper=$(prog sleeper) || exit
for i in 1 2 3 4 5 6 7 8; do
    "$sleeper" -n $((i - 1)) -i 3 >/dev/null 2>&1 </dev/null &
    pid=$!
    BG_PIDS="$pid"
    rc=0
    timeout -k 5 30 "$MEMLENS" attach --duration 2s --json -r "$T/e.json" "$pid" 2>"$T/err" || rc=$?
    case $rc in
    0) state=$(json_get "$T/e.json" target.state)
        [ "$state" = gone ] && echo "ok: try $i: attached, then the report says the process ended" ||
            note_fail "try $i: status 0 but target.state is '$state'" ;;
    87 | 81) echo "ok: try $i: status $rc: $(cat "$T/err")" ;;
    *) note_fail "try $i: status $rc: $(cat "$T/err")" ;;
    esac
    wait "$pid"
done
finish
