#!/bin/bash
# attach_errors.sh - every reason `memlens threads` and `memlens attach --no-inject` cannot
# attach gets its own exit status and one line on stderr, starting "memlens: ", that says the
# cause and what to do: a bad PID (64), no such process or a zombie (81), a kernel thread
# (82), a process already traced (83), another user's process (84), an undumpable process or
# a privileged one while memlens lacks CAP_SYS_PTRACE (86). Yama (85) is tested when this
# kernel has it (else unit/test_access covers the verdicts). The cases that need a second
# user create one (as root); they are skipped, with the reason, where that is impossible.
. "$(dirname "$0")/lib.sh"
need_memlens
skipped=""

# case_ WANT WHAT PATTERN [RUNNER...] -- ARGS...: both commands, same status and message
case_() {
    local want=$1 what=$2 pattern=$3 rc cmd
    shift 3
    local runner=()
    while [ "$1" != -- ]; do
        runner+=("$1")
        shift
    done
    shift
    for cmd in "threads" "attach --no-inject --duration 1s"; do
        rc=0
        # shellcheck disable=SC2086
        "${runner[@]}" "$MEMLENS" $cmd "$@" >"$T/out" 2>"$T/err" </dev/null || rc=$?
        expect_eq "$what ($cmd): exit status" "$rc" "$want"
        if [ "$(wc -l <"$T/err")" = 1 ] && grep -q '^memlens: ' "$T/err" && grep -q -- "$pattern" "$T/err"; then
            echo "ok: $what ($cmd): $(cat "$T/err")"
        else
            note_fail "$what ($cmd): stderr is not one 'memlens: ' line with '$pattern':"
            sed 's/^/    | /' "$T/err" | head -5
        fi
        [ -s "$T/out" ] && note_fail "$what ($cmd): wrote a report: $(head -2 "$T/out")"
    done
}

case_ 64 "no PID" "no PID given" --
case_ 64 "PID not a number" "bad value 'abc'" -- abc
case_ 64 "PID zero" "bad value '0'" -- 0
case_ 64 "two PIDs" "unexpected argument" -- 1 2
pid_max=$(cat /proc/sys/kernel/pid_max)
case_ 81 "no such process" "no process $((pid_max + 1))" -- $((pid_max + 1))

# a zombie: its parent (now sleep) never reaps it
bash -c 'sleep 0.3 & exec sleep 30' & # the child ends after the exec: bash cannot reap it first
zparent=$!
BG_PIDS="$zparent"
wait_for 5 eval '[ -n "$(pgrep -P $zparent)" ] && gone "$(pgrep -P $zparent)"' || fail "no zombie appeared"
case_ 81 "a zombie" "has exited" -- "$(pgrep -P "$zparent")"

if [ -r /proc/2/stat ] && [ "$(awk '{print int($9 / 2097152) % 2}' /proc/2/stat)" = 1 ]; then
    case_ 82 "a kernel thread" "kernel thread" -- 2
else
    skipped="$skipped; kernel thread (pid 2 is not one here)"
fi

start_parked "$T/parked" 2 0 0
pid=$PARKED

if command -v strace >/dev/null 2>&1; then
    strace -o /dev/null -p "$pid" 2>/dev/null &
    tracer=$!
    BG_PIDS="$BG_PIDS $tracer"
    if wait_for 5 eval "grep -q 'TracerPid:[[:space:]]*$tracer\$' /proc/$pid/status"; then
        case_ 83 "already traced" "already traced by process $tracer" -- "$pid"
    else
        note_fail "strace did not attach to $pid"
    fi
    kill "$tracer"
    wait "$tracer" 2>/dev/null
    wait_for 5 eval "grep -q 'TracerPid:[[:space:]]*0\$' /proc/$pid/status" || note_fail "strace did not let go"
else
    skipped="$skipped; already traced (strace is not installed)"
fi

# a second user: created when we are root, else any root process is "another user's"
user=""
if [ "$(id -u)" = 0 ]; then
    if ! id memlens-test >/dev/null 2>&1; then
        useradd -M -r -s /usr/sbin/nologin memlens-test 2>/dev/null || true
    fi
    if id memlens-test >/dev/null 2>&1 && command -v setpriv >/dev/null &&
        setpriv --reuid=memlens-test --regid=memlens-test --clear-groups "$MEMLENS" --version >/dev/null 2>&1; then
        user=memlens-test
    fi
fi
as_user=(setpriv --reuid=memlens-test --regid=memlens-test --clear-groups)
if [ -n "$user" ]; then
    case_ 84 "another user's process" "belongs to uid 0" "${as_user[@]}" -- "$pid"
    # an undumpable process of the same user: the kernel refuses with no sign in /proc
    "${as_user[@]}" "$(prog parked)" -U 1 0 0 >"$T/undumpable" 2>&1 </dev/null &
    undumpable=$!
    BG_PIDS="$BG_PIDS $undumpable"
    wait_for 10 grep -q '^ready ' "$T/undumpable" || fail "parked -U did not start: $(cat "$T/undumpable")"
    case_ 86 "an undumpable process" "needs CAP_SYS_PTRACE" "${as_user[@]}" -- "$undumpable"
elif [ "$(id -u)" != 0 ]; then
    case_ 84 "another user's process (pid 1, root's)" "belongs to uid 0" -- 1
    skipped="$skipped; undumpable process (needs a second user: not root)"
else
    skipped="$skipped; another user's process (cannot create a user with useradd, or setpriv is missing)"
fi

# root without CAP_SYS_PTRACE (a container without SYS_PTRACE) and a root process that has it
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null &&
    setpriv --bounding-set=-sys_ptrace --inh-caps=-sys_ptrace true 2>/dev/null; then
    case_ 86 "root without CAP_SYS_PTRACE" "needs CAP_SYS_PTRACE" \
        setpriv --bounding-set=-sys_ptrace --inh-caps=-sys_ptrace -- "$pid"
else
    skipped="$skipped; missing CAP_SYS_PTRACE (needs root and setpriv to drop it)"
fi

scope=$(cat /proc/sys/kernel/yama/ptrace_scope 2>/dev/null || echo none)
if [ "$scope" = none ]; then
    skipped="$skipped; Yama (this kernel has no Yama; unit/test_access checks its verdicts)"
elif [ "$scope" -ge 1 ] && [ -n "$user" ]; then
    # a process of the test user that is not its descendant
    "${as_user[@]}" sleep 60 &
    victim=$!
    BG_PIDS="$BG_PIDS $victim"
    case_ 85 "Yama ptrace_scope $scope" "ptrace_scope is $scope" "${as_user[@]}" -- "$victim"
else
    skipped="$skipped; Yama (ptrace_scope is $scope: not restricting)"
fi

expect_running "$pid" "$T/parked" "the parked target after all refusals"
[ -n "$skipped" ] && echo "not tested here:${skipped#;}"
finish
