#!/bin/bash
# threads_kill.sh - memlens killed with SIGKILL in the middle of a thread dump, while it holds
# a thread of the target stopped: the kernel lets that thread go (PTRACE_SEIZE, no
# PTRACE_O_EXITKILL), no thread is left stopped or traced, and the target goes on. memlens is
# frozen with SIGSTOP at random moments until one freezes it with a target thread stopped,
# so the kill is known to land mid-dump.
. "$(dirname "$0")/lib.sh"
need_memlens
start_parked "$T/out" 400 0 0
pid=$PARKED

caught=0
for try in $(seq 1 40); do
    "$MEMLENS" threads -r /dev/null "$pid" 2>/dev/null &
    ml=$!
    sleep "0.00$((RANDOM % 9 + 1))"
    kill -STOP "$ml" 2>/dev/null
    stopped=$(task_states "$pid" | grep -c '^t$')
    kill -9 "$ml" 2>/dev/null
    wait "$ml" 2>/dev/null
    if [ "$stopped" -gt 0 ]; then
        caught=$((caught + 1))
        echo "try $try: memlens killed while $stopped thread(s) of the target were stopped"
        expect_running "$pid" "$T/out" "try $try, after the kill"
        [ "$caught" -ge 3 ] && break
    fi
done
expect_cmp "kills that landed with a target thread stopped" "$caught" -ge 1
expect_running "$pid" "$T/out" "at the end"
finish
