#!/bin/bash
# leaky_sites.sh - on leaky (three leaks at known rates, a bounded cache, a churning
# temporary), memlens's sites hold exactly the bytes leaky says each leaked, at the
# right function and source line, and the largest live sites come first.
. "$(dirname "$0")/lib.sh"
need_memlens
src=$(need_workload leaky.c) || exit
need_cmd gcc
gcc -O2 -g -o "$T/leaky" "$src" || fail "cannot build leaky"

run_native "$T/native" "$T/leaky" -n 20000
[ "$NATIVE_RC" = 0 ] || fail "leaky fails natively"
r="$T/r.json"
run_memlens "$T/ml" "$r" --top 50 -- "$T/leaky" -n 20000 || finish
expect_same_behaviour "$T/native" "$T/ml"

# own SITE KEY: leaky's own figure for a site, from its "  SITE (...) KEY=N" line
own() { sed -n "s/^  $1 .*\\b$2=\\([0-9]*\\).*/\\1/p" "$T/native" | head -1; }
# line_of PATTERN: the line in leaky.c of the allocation call
line_of() { grep -n -F "$1" "$src" | head -1 | cut -d: -f1; }

check_site() { # FUNCTION CALL-TEXT
    local f=$1 line s loc
    line=$(line_of "$2")
    [ -n "$line" ] || { note_fail "no line '$2' in leaky.c"; return; }
    s=$(sites "$r" "^$f\$")
    expect_cmp "$f: number of sites" "$(site_field "$s" sites)" -ge 1
    expect_eq "$f: alloc_calls" "$(site_field "$s" alloc_calls)" "$(own "$f" calls)"
    expect_eq "$f: bytes_allocated" "$(site_field "$s" bytes_allocated)" "$(own "$f" allocated)"
    expect_eq "$f: live_bytes" "$(site_field "$s" live_bytes)" "$(own "$f" leaked_bytes)"
    expect_eq "$f: live_blocks" "$(site_field "$s" live_blocks)" "$(own "$f" leaked_blocks)"
    loc=$(python3 "$REPORT_PY" frames "$r" "$f")
    if echo "$loc" | grep -q "leaky\\.c:$line\$"; then
        echo "ok: $f frame at leaky.c:$line"
    else
        note_fail "$f: no frame at leaky.c:$line; its frames: $(echo "$loc" | tr '\n' ' ')"
    fi
}
check_site leak_fast 'malloc(LEAK_FAST_SZ)'
check_site leak_medium 'malloc(LEAK_MED_SZ)'
check_site leak_slow 'calloc(1, LEAK_SLOW_SZ)'
check_site cache_put 'malloc(CACHE_ENTRY_SZ)'
check_site temp_churn 'malloc(sz[i])'
expect_eq "cache_put live bytes (bounded cache)" "$(own cache_put leaked_bytes)" 262144
expect_eq "temp_churn live bytes" "$(own temp_churn leaked_bytes)" 0

# the four largest live sites, in order: 2 MB, 1.3 MB, 640 kB, 256 kB
python3 "$REPORT_PY" top "$r" sites_by_live 4 >"$T/top"
i=0
for f in leak_medium leak_slow leak_fast cache_put; do
    i=$((i + 1))
    if sed -n "${i}p" "$T/top" | grep -q "functions=\\(.*,\\)\\?$f\\(,\\|\$\\)"; then
        echo "ok: sites_by_live[$((i - 1))] is $f's"
    else
        note_fail "sites_by_live[$((i - 1))] should be $f's, is: $(sed -n "${i}p" "$T/top")"
    fi
done
expect_cmp "number of sites_by_live with --top 50" "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["sites_by_live"]))' "$r")" -le 50
finish
