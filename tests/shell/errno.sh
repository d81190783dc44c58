#!/bin/bash
# errno.sh - memlens leaves the program's errno alone: a successful malloc/calloc/realloc and
# every free keep it (glibc guarantees that of free), with each unwinder, across new stacks
# and a second thread.
. "$(dirname "$0")/lib.sh"
need_memlens
errnokeep=$(prog errnokeep) || exit

run_native "$T/native" "$errnokeep"
expect_eq "errnokeep natively" "$NATIVE_RC" 0
for u in cfi libunwind fp; do
    run_memlens "$T/$u.out" "$T/$u.json" --unwind "$u" -- "$errnokeep" || continue
    expect_eq "errnokeep under memlens --unwind $u" "$ML_RC" 0
    grep -q "errno changed" "$T/$u.out.err" && sed 's/^/    /' "$T/$u.out.err"
done
finish
