#!/bin/bash
# cli_errors.sh - each way `memlens run` can fail before the target runs gets its own
# exit status and exactly one line on stderr starting with "memlens: ".
. "$(dirname "$0")/lib.sh"
need_memlens
true_prog=$(prog exitwith) || exit
printf '#!/bin/sh\necho should not run\n' >"$T/not-executable"
chmod 644 "$T/not-executable"

# case WANT-STATUS DESCRIPTION [VAR=VALUE] -- MEMLENS-ARGS...
case_() {
    local want=$1 what=$2 rc=0
    shift 2
    local envs=()
    while [ "$1" != -- ]; do
        envs+=("$1")
        shift
    done
    shift
    env "${envs[@]}" "$MEMLENS" "$@" >"$T/out" 2>"$T/err" </dev/null || rc=$?
    expect_eq "$what: exit status" "$rc" "$want"
    if [ "$(wc -l <"$T/err")" = 1 ] && grep -q '^memlens: ' "$T/err"; then
        echo "ok: $what: stderr is one line: $(cat "$T/err")"
    else
        note_fail "$what: stderr is not one line starting with 'memlens: ':"
        sed 's/^/    | /' "$T/err" | head -10
    fi
    if grep -q 'should not run' "$T/out"; then
        note_fail "$what: the not-executable file ran"
    fi
}

case_ 64 "no command" -- run --headless
case_ 64 "no command after --" -- run --headless --
case_ 64 "unknown option" -- run --headless --no-such-option -- "$true_prog"
case_ 127 "command not found (path)" -- run --headless -- "$T/no-such-program"
case_ 127 "command not found (PATH)" -- run --headless -- memlens-no-such-command-xyzzy
case_ 126 "file not executable" -- run --headless -- "$T/not-executable"
case_ 126 "a directory" -- run --headless -- "$T"
case_ 69 "agent not found" MEMLENS_AGENT=/nonexistent/libmemlens-agent.so -- \
    run --headless -- "$true_prog"
case_ 73 "cannot create -o snapshot file" -- run --headless --json -o /nonexistent-dir/x -- "$true_prog"
case_ 73 "cannot create -r report file" -- run --headless --json -r /nonexistent-dir/x -- "$true_prog"
finish
