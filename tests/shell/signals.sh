#!/bin/bash
# signals.sh - a timer signal every 200 us while the program allocates, and a handler
# that allocates: the program runs as without memlens (it fails itself if no signal
# arrived during allocation), and memlens's totals equal the program's own ledger,
# the handler's calls included.
. "$(dirname "$0")/lib.sh"
need_memlens
sigalloc=$(prog sigalloc) || exit

run_native "$T/native" "$sigalloc"
[ "$NATIVE_RC" = 0 ] || fail "sigalloc fails natively: $(cat "$T/native" "$T/native.err")"
r="$T/r.json"
run_memlens "$T/ml" "$r" -- "$sigalloc" || finish
expect_same_behaviour "$T/native" "$T/ml"
grep '^sigalloc:' "$T/ml.err" || note_fail "sigalloc wrote no signal counts on stderr"
for k in alloc_calls frees bytes_allocated peak_live_bytes live_bytes live_blocks; do
    expect_json "$r" "totals.$k" "$(expect_kv "$T/ml.err" expect "$k")"
done
finish
