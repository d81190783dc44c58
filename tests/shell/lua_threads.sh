#!/bin/bash
# lua_threads.sh - the standard library's thread-growth heuristic flags a program that starts
# threads and never joins them, naming the function that creates them, and leaves a fixed
# pool of busy threads alone (exit status 0: nothing fired on it).
. "$(dirname "$0")/lib.sh"
need_memlens
leak=$(prog threadleak) || exit
pool=$(prog threadpool) || exit
: >"$T/empty.lua"

# both at once (they take 14 s each): a thread every 200 ms, and a pool of 8
(run_script "$T/leak" "$T/leak.json" "$T/empty.lua" -- "$leak" -s 14 -i 200
 echo "$SC_RC" >"$T/leak.rc") &
run_script "$T/pool" "$T/pool.json" "$T/empty.lua" -- "$pool" -s 14 -n 8 ||
    fail "no results for the pool (status $SC_RC): $(tail -5 "$T/pool.err")"
wait
[ -s "$T/leak.json" ] || fail "no results for threadleak: $(tail -5 "$T/leak.err")"

python3 "$SCRIPT_PY" findings "$T/leak.json" >"$T/leak.findings"
python3 "$SCRIPT_PY" findings "$T/pool.json" >"$T/pool.findings"
sed 's/^/    leak: /' "$T/leak.findings"
sed 's/^/    pool: /' "$T/pool.findings"

expect_eq "threadleak: exit status (a heuristic fired)" "$(cat "$T/leak.rc")" 101
line=$(grep '^heuristic=thread-growth .*fired=1' "$T/leak.findings" | head -1)
if [ -n "$line" ]; then
    echo "ok: thread-growth fired on threadleak"
    echo "$line" | grep -q 'functions=[^ ]*spawn_worker' && echo "ok: it names spawn_worker" ||
        note_fail "thread-growth's site is not spawn_worker's: $line"
    echo "$line" | grep -q 'running threads were created at spawn_worker (threadleak.c:' &&
        echo "ok: the reason names the creating function and line" ||
        note_fail "the reason does not name spawn_worker (threadleak.c:N): $line"
else
    note_fail "thread-growth did not fire on threadleak"
fi
threads=$(python3 "$SCRIPT_PY" get "$T/leak.json" target.exit_code)
expect_eq "threadleak exited by itself" "$threads" 0

expect_eq "threadpool: exit status (nothing fired)" "$SC_RC" 0
if grep -q '^heuristic=thread-growth' "$T/pool.findings"; then
    note_fail "thread-growth reported the fixed pool: $(grep thread-growth "$T/pool.findings")"
else
    echo "ok: no thread-growth finding on the fixed pool"
fi
grep -q "threadpool: joined 8" "$T/pool" && echo "ok: the pool ran to its end" ||
    note_fail "threadpool did not finish: $(cat "$T/pool")"
finish
