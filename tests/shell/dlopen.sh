#!/bin/bash
# dlopen.sh - a library loaded with dlopen(3) allocates and leaks: the program runs as
# without memlens, and the leak is on sites whose frames name the library's function
# and module, with exactly the bytes and blocks it leaked.
. "$(dirname "$0")/lib.sh"
need_memlens
dlopener=$(prog dlopener) || exit
lib="$PROGS/.libs/libdltest.so"
[ -f "$lib" ] || fail "$lib is missing (not built?)"

run_native "$T/native" "$dlopener" "$lib"
[ "$NATIVE_RC" = 0 ] || fail "dlopener fails natively: $(cat "$T/native.err")"
r="$T/r.json"
run_memlens "$T/ml" "$r" -- "$dlopener" "$lib" || finish
expect_same_behaviour "$T/native" "$T/ml"
s=$(sites "$r" '^dltest_leak$')
for k in alloc_calls live_bytes live_blocks; do
    expect_eq "sites with dltest_leak: $k" "$(site_field "$s" "$k")" \
        "$(expect_kv "$T/native" "expect_site function=dltest_leak" "$k")"
done
modules=$(python3 - "$r" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
mods = {fr.get("module") for lst in ("sites_by_live", "sites_by_peak") for s in doc[lst]
        for fr in s["frames"] if fr.get("function") == "dltest_leak"}
print(" ".join(sorted(str(m) for m in mods)))
PY
)
case " $modules " in
*/libdltest.so\ *) echo "ok: dltest_leak frames are in $modules" ;;
*) note_fail "dltest_leak frames' module is '$modules', not .../libdltest.so" ;;
esac
finish
