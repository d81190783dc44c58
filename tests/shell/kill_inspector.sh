#!/bin/bash
# kill_inspector.sh - memlens itself is killed with SIGKILL while the target runs: the
# target carries on to the end, writing exactly what it writes without memlens (into a
# file and to its stdout), and nothing it does blocks on the dead inspector.
. "$(dirname "$0")/lib.sh"
need_memlens
need_cmd pgrep
sleeper=$(prog sleeper) || exit
args=(-n 200 -i 5)

run_native "$T/native" "$sleeper" "${args[@]}" -o "$T/native.file"
[ "$NATIVE_RC" = 0 ] || fail "sleeper fails natively"

start_memlens sleeper "$T/ml" run --headless --json -r "$T/r.json" -- "$sleeper" "${args[@]}" -o "$T/ml.file"
sleep 0.3
kill -9 "$ML"
wait "$ML" 2>/dev/null
echo "killed memlens (pid $ML); target pid $TARGET goes on"
wait_for 30 gone "$TARGET" || fail "the target had not finished 30 s after memlens died"
expect_same_file "the target's output file" "$T/native.file" "$T/ml.file"
expect_same_file "the target's stdout" "$T/native" "$T/ml"
finish
