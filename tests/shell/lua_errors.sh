#!/bin/bash
# lua_errors.sh - every kind of script error is reported with the script's file, line and
# cause, and neither memlens nor the target stops because of it: a syntax error, a runtime
# error inside a heuristic, callbacks that never return (cancelled by the instruction
# limit), a budget with a malformed size, a regex that does not compile (at definition and
# in a callback). The exit status is 102; errors at load time stop memlens before it starts
# the command, unless --keep-going.
. "$(dirname "$0")/lib.sh"
need_memlens
src=$(need_workload leaky.c) || exit
need_cmd gcc
gcc -O2 -g -o "$T/leaky" "$src" || fail "cannot build leaky"
LEAKY=("$T/leaky" -s 6 -u 1000) # ends by itself after 6 s, printing its figures

cat >"$T/syntax.lua" <<'LUA'
budget "heap.live" { max = "1GiB" }
heuristic "x" { check = function(site, h) return 1 end
LUA
cat >"$T/runtime.lua" <<'LUA'
budget "heap.live" { max = "1GiB" }
heuristic "broken" {
  every = "2s",
  check = function(site, h)
    local t = nil
    return t.score
  end,
}
LUA
cat >"$T/endless.lua" <<'LUA'
budget "heap.live" { max = "1GiB" }
heuristic "spin" { every = "2s", scope = "process", check = function(s, h)
  local n = 0
  while true do n = n + 1 end
end }
on_sample(function(s)
  if s.t > 3 then
    while true do pcall(function() while true do end end) end
  end
end)
LUA
cat >"$T/parsecs.lua" <<'LUA'
budget "heap.live" { max = "12 parsecs" }
budget "threads" { max = 100 }
LUA
cat >"$T/regex.lua" <<'LUA'
budget "component" { name = "parser", match = "parse_(", max = "1MiB" }
budget "heap.live" { max = "1GiB" }
on_sample(function(s)
  if s.t > 2 then return memlens.match(memlens.sites()[1], "([a-z") end
end)
LUA

# all of them at once, each on its own leaky
for c in runtime endless parsecs regex; do
    (run_script "$T/$c" "$T/$c.json" "$T/$c.lua" --keep-going --no-stdlib -- "${LEAKY[@]}"
     echo "$SC_RC" >"$T/$c.rc") &
done
rc=0
"$MEMLENS" script "$T/syntax.lua" -- "$T/leaky" -s 1 >"$T/syntax" 2>"$T/syntax.err" || rc=$?
"$MEMLENS" script "$T/parsecs.lua" -- "$T/leaky" -s 1 >"$T/parsecs-stop" 2>"$T/parsecs-stop.err"
echo $? >"$T/parsecs-stop.rc"
wait

# expect_error CASE PATTERN: the case's first script error matches PATTERN (grep -E)
expect_error() {
    local got
    got=$(python3 "$SCRIPT_PY" errors "$T/$1.json" 2>/dev/null | grep -E -m1 -- "$2")
    if [ -n "$got" ]; then
        echo "ok: $1: error '$got'"
    else
        note_fail "$1: no error matching '$2'; errors: $(python3 "$SCRIPT_PY" errors "$T/$1.json" 2>&1 | head -5)"
    fi
}
# target_survived CASE: leaky ran its 6 s and exited 0, and memlens kept sampling until then
target_survived() {
    expect_eq "$1: target state" "$(python3 "$SCRIPT_PY" get "$T/$1.json" target.state)" exited
    expect_eq "$1: target exit code" "$(python3 "$SCRIPT_PY" get "$T/$1.json" target.exit_code)" 0
    grep -q "^leaky: expected figures after" "$T/$1" && echo "ok: $1: leaky printed its figures" ||
        note_fail "$1: leaky did not finish its run"
    local d
    d=$(python3 "$SCRIPT_PY" get "$T/$1.json" target.duration_s)
    expect_cmp "$1: memlens watched until the end (6 s)" "${d%.*}" -ge 5
    expect_eq "$1: exit status" "$(cat "$T/$1.rc")" 102
}

expect_eq "syntax: exit status" "$rc" 102
grep -qE "syntax.lua:3: '}' expected \(to close '\{' at line 2\) near <eof>" "$T/syntax.err" &&
    echo "ok: syntax: file, line and cause on stderr" ||
    note_fail "syntax: no 'syntax.lua:3: ... expected' on stderr: $(cat "$T/syntax.err")"
grep -q "the command was not started" "$T/syntax.err" && echo "ok: syntax: the command was not started" ||
    note_fail "syntax: stderr does not say the command was not started"
[ -s "$T/syntax" ] && note_fail "syntax: leaky ran: $(head -2 "$T/syntax")" || echo "ok: syntax: leaky did not run"

expect_error runtime "runtime\.lua:6: attempt to index a nil value \(local 't'\) \(in heuristic 'broken', defined at [^ ]*runtime\.lua:2\)"
target_survived runtime
grep -q "heuristic 'broken' disabled after the error" "$T/runtime.err" && echo "ok: runtime: the heuristic is disabled" ||
    note_fail "runtime: no 'disabled after the error' line"
# the budget kept being checked after the error (at 2 s) until the end (6 s)
peak=$(python3 "$SCRIPT_PY" budget "$T/runtime.json" heap.live peak)
expect_cmp "runtime: heap.live measured to the end (> 600 KB leaked by 6 s)" "${peak%.*}" -gt 600000

expect_error endless "endless\.lua:4: cancelled after [0-9]+ instructions without returning .*\(in heuristic 'spin'"
expect_error endless "endless\.lua:8: cancelled after [0-9]+ instructions without returning .*\(in on_sample callback defined at [^ ]*endless\.lua:6\)"
target_survived endless

expect_error parsecs "parsecs\.lua:1: budget 'heap.live': bad max '12 parsecs' \(expected a size like 512MiB"
target_survived parsecs
expect_eq "parsecs: the other budget is checked" "$(python3 "$SCRIPT_PY" budget "$T/parsecs.json" threads status)" ok
expect_eq "parsecs: the bad budget is not defined" "$(python3 "$SCRIPT_PY" budget "$T/parsecs.json" heap.live status)" MISSING
expect_eq "parsecs without --keep-going: exit status" "$(cat "$T/parsecs-stop.rc")" 102
grep -q "parsecs.lua:1: budget 'heap.live': bad max '12 parsecs'" "$T/parsecs-stop.err" &&
    echo "ok: parsecs without --keep-going: the error is on stderr" ||
    note_fail "parsecs without --keep-going: stderr lacks the error: $(cat "$T/parsecs-stop.err")"

expect_error regex "regex\.lua:1: budget 'component': bad regex 'parse_\(': at offset 7: missing closing parenthesis"
expect_error regex "regex\.lua:4: memlens\.match: bad regex '\(\[a-z': at offset 5: missing terminating \] .*\(in on_sample callback"
target_survived regex
finish
