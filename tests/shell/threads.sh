#!/bin/bash
# threads.sh - eight threads allocating at once: memlens reports nine threads, and each
# worker's figures (allocations, frees, bytes, bytes still live after the main thread
# freed half of them) equal what the worker counted itself; workers were created from
# spawn_workers; the output and checksum are the same as without memlens.
. "$(dirname "$0")/lib.sh"
need_memlens
threads=$(prog threads) || exit

run_native "$T/native" "$threads"
[ "$NATIVE_RC" = 0 ] || fail "threads fails natively"
r="$T/r.json"
run_memlens "$T/ml" "$r" -- "$threads" || finish
sed 's/ tid=[0-9]*//' "$T/native" >"$T/native.notid"
sed 's/ tid=[0-9]*//' "$T/ml" >"$T/ml.notid"
expect_same_file "output (tids aside) with and without memlens" "$T/native.notid" "$T/ml.notid"
expect_eq "exit status" "$ML_RC" 0

python3 "$REPORT_PY" threads "$r" >"$T/threads"
sed 's/^/    report: /' "$T/threads"
expect_eq "threads in report" "$(wc -l <"$T/threads")" 9
grep '^thread ' "$T/ml" | while read -r line; do
    tid=$(echo "$line" | sed 's/.* tid=\([0-9]*\).*/\1/')
    idx=$(echo "$line" | sed 's/.* index=\([0-9]*\).*/\1/')
    got=$(grep "^tid=$tid " "$T/threads")
    if [ -z "$got" ]; then
        echo "FAIL: worker $idx (tid $tid) is not in the report"
        continue
    fi
    for k in alloc_calls frees bytes_allocated live_bytes; do
        want=$(echo "$line" | sed "s/.* $k=\\([0-9]*\\).*/\\1/")
        have=$(echo "$got" | sed "s/.* $k=\\([0-9-]*\\).*/\\1/")
        [ "$have" = "$want" ] || echo "FAIL: worker $idx (tid $tid): $k is $have, expected $want"
    done
    echo "$got" | grep -q 'created_by=\(.*,\)\?spawn_workers\(,\|$\)' ||
        echo "FAIL: worker $idx (tid $tid): created_by has no spawn_workers frame"
done >"$T/worker-checks"
if grep -q FAIL "$T/worker-checks"; then
    FAILED=1
    cat "$T/worker-checks"
else
    echo "ok: every worker's alloc_calls, frees, bytes_allocated, live_bytes and created_by"
fi

main_tid=$(sed -n 's/^main tid=\([0-9]*\).*/\1/p' "$T/ml")
main_line=$(grep "^tid=$main_tid " "$T/threads")
[ -n "$main_line" ] || note_fail "main thread (tid $main_tid) is not in the report"
main_allocs=$(echo "$main_line" | sed 's/.* alloc_calls=\([0-9]*\).*/\1/')
# the main thread's own one, plus what glibc's pthread_create allocates (one per thread)
expect_cmp "main thread alloc_calls" "$main_allocs" -ge "$(expect_kv "$T/ml" main own_alloc_calls)"
expect_cmp "main thread alloc_calls" "$main_allocs" -le 20
workers=$(sed -n 's/.* worker_alloc_calls=\([0-9]*\).*/\1/p' "$T/ml")
expect_json "$r" totals.alloc_calls "$((workers + main_allocs))"
finish
