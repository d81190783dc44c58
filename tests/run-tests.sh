#!/bin/bash
# run-tests.sh - runs memlens's test suite: every unit test binary $UNIT/test_* and
# every tests/shell/*.sh (lib.sh aside), one at a time, each under a time limit.
#
# usage: tests/run-tests.sh [PATTERN]   run only the tests whose name contains PATTERN
#                                       (a shell glob, e.g. 'kill_*' or 'unit/')
# Environment: MEMLENS PROGS UNIT SRCDIR MEMLENS_SHARED (see tests/README.md);
#   TEST_TIMEOUT seconds per test (120), LOGDIR (./tests/logs).
# A test passes with status 0, is skipped with 77 (its first line starting "skip:" says
# why) and fails otherwise. Prints one line per test, the tail of each failing test's
# log, and last a summary line "N passed, N failed, N skipped". Exits 1 if any failed.

set -u
here=$(cd "$(dirname "$0")" && pwd)
export SRCDIR=${SRCDIR:-$(dirname "$here")}
export MEMLENS=${MEMLENS:-} PROGS=${PROGS:-} UNIT=${UNIT:-} MEMLENS_SHARED=${MEMLENS_SHARED:-}
pattern=${1:-}
limit=${TEST_TIMEOUT:-120}
logdir=${LOGDIR:-$PWD/tests/logs}
mkdir -p "$logdir" || exit 1

passed=0 failed=0 skipped=0

# run_one NAME CMD...: run one test, log its output, print its verdict line.
run_one() {
    local name=$1 log rc=0 reason
    shift
    log="$logdir/${name//\//_}.log"
    timeout -k 10 "$limit" "$@" >"$log" 2>&1 </dev/null || rc=$?
    case $rc in
    0)
        echo "PASS $name"
        passed=$((passed + 1))
        ;;
    77)
        reason=$(grep -m1 '^skip:' "$log" | sed 's/^skip: *//')
        echo "SKIP $name (reason: ${reason:-none given})"
        skipped=$((skipped + 1))
        ;;
    *)
        [ "$rc" = 124 ] || [ "$rc" = 137 ] && echo "(timed out after ${limit}s)" >>"$log"
        echo "FAIL $name (status $rc, log $log)"
        tail -n 25 "$log" | sed 's/^/    /'
        failed=$((failed + 1))
        ;;
    esac
}

selected() {
    [ -z "$pattern" ] || [[ $1 == *$pattern* ]]
}

if [ -n "$UNIT" ] && [ -d "$UNIT" ]; then
    for t in "$UNIT"/test_*; do
        [ -f "$t" ] && [ -x "$t" ] || continue
        name="unit/$(basename "$t")"
        selected "$name" && run_one "$name" "$t"
    done
fi
for t in "$SRCDIR"/tests/shell/*.sh; do
    [ "$(basename "$t")" = lib.sh ] && continue
    name="shell/$(basename "$t" .sh)"
    selected "$name" && run_one "$name" bash "$t"
done

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
