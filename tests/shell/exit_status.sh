#!/bin/bash
# exit_status.sh - memlens exits with the target's status, 128+N when the target dies
# of signal N, and the report says how the target ended.
. "$(dirname "$0")/lib.sh"
need_memlens
exitwith=$(prog exitwith) || exit

for args in "0:0:exited" "3:3:exited" "-k 11:139:killed" "-k 6:134:killed" "-k 15:143:killed"; do
    # shellcheck disable=SC2086
    set -- ${args%%:*}
    want=${args#*:}
    want_rc=${want%%:*}
    state=${want#*:}
    r="$T/r-$want_rc.json"
    run_memlens "$T/out" "$r" -- "$exitwith" "$@" || continue
    expect_eq "exitwith $*: memlens exit status" "$ML_RC" "$want_rc"
    expect_json "$r" target.state "$state"
    if [ "$state" = exited ]; then
        expect_json "$r" target.exit_code "$want_rc"
    else
        expect_json "$r" target.signal "$((want_rc - 128))"
    fi
done
finish
