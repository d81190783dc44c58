#!/bin/bash
# lua_leaky.sh - `memlens script` with the standard library and its default settings, on
# leaky (three leaks at known rates, a bounded FIFO cache, a site that frees all it
# allocates): the three leak sites are flagged as leaks within 30 s, the cache and the
# allocate-and-free site are not, and the exit status says a heuristic fired.
. "$(dirname "$0")/lib.sh"
need_memlens
src=$(need_workload leaky.c) || exit
need_cmd gcc
gcc -O2 -g -o "$T/leaky" "$src" || fail "cannot build leaky"
: >"$T/empty.lua"

# ~900 iterations a second: leaks of ~28 KiB/s, ~85 KiB/s and ~57 KiB/s
run_script "$T/out" "$T/r.json" "$T/empty.lua" --duration 16s -- "$T/leaky" -s 60 -u 1000 ||
    fail "no results (status $SC_RC): $(tail -5 "$T/out.err")"
expect_eq "exit status (a heuristic fired)" "$SC_RC" 101
expect_eq "script errors" "$(python3 "$SCRIPT_PY" get "$T/r.json" error_count)" 0
python3 "$SCRIPT_PY" findings "$T/r.json" >"$T/findings"
sed 's/^/    /' "$T/findings"

# the site of a finding: the first of leaky's site functions among its frames
site_of() {
    echo "$1" | sed -n 's/.*functions=\([^ ]*\).*/\1/p' | tr ',' '\n' |
        grep -m1 -xE 'leak_fast|leak_medium|leak_slow|cache_put|temp_churn'
}
declare -A first
while read -r line; do
    case $line in *category=leak*fired=1*) ;; *) continue ;; esac
    f=$(site_of "$line")
    [ -n "$f" ] || continue
    t=$(echo "$line" | sed -n 's/.*first_s=\([0-9.]*\).*/\1/p')
    [ -z "${first[$f]:-}" ] && first[$f]=$t
done <"$T/findings"
for f in leak_fast leak_medium leak_slow; do
    if [ -n "${first[$f]:-}" ]; then
        expect_cmp "$f flagged as a leak by ${first[$f]} s" "${first[$f]%.*}" -le 30
    else
        note_fail "$f is not flagged as a leak"
    fi
done
for f in cache_put temp_churn; do
    if [ -n "${first[$f]:-}" ]; then
        note_fail "$f (no leak) is flagged as a leak at ${first[$f]} s"
    else
        echo "ok: $f is not flagged as a leak"
    fi
done
# the text report of the same run names the leak sites too
"$MEMLENS" script --duration 11s "$T/empty.lua" -- "$T/leaky" -s 60 -u 1000 >"$T/text" 2>"$T/text.err"
rc=$?
expect_eq "text report: exit status" "$rc" 101
for f in leak_fast leak_medium leak_slow; do
    grep -q "steady-growth *$f (leaky.c:" "$T/text" && echo "ok: text report names $f" ||
        note_fail "text report does not name $f under steady-growth: $(cat "$T/text")"
done
grep -q "^Result: exit status 101" "$T/text" && echo "ok: text report states the exit status" ||
    note_fail "no 'Result: exit status 101' line in the text report"
finish
