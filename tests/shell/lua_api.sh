#!/bin/bash
# lua_api.sh - the Lua API, checked from Lua through the embedded host: tests/lua/api.lua
# asserts parsing, formatting, statistics, regex matching, sites and their history, series,
# threads, budgets, findings and on_exit against sleeper, whose figures are known; it ends
# with memlens.exit(0) only when every check held.
. "$(dirname "$0")/lib.sh"
need_memlens
sleeper=$(prog sleeper) || exit
rc=0
"$MEMLENS" script --no-stdlib "$SRCDIR/tests/lua/api.lua" -- "$sleeper" -n 250 -i 10 >"$T/out" 2>"$T/err" || rc=$?
grep -E '^(ok|FAIL): ' "$T/out"
grep -q '^FAIL: ' "$T/out" && FAILED=1
expect_cmp "number of checks run" "$(grep -cE '^(ok|FAIL): ' "$T/out")" -ge 60
expect_eq "exit status (memlens.exit(0) when every check held)" "$rc" 0
[ "$rc" = 0 ] || sed 's/^/    stderr: /' "$T/err" | tail -20
finish
