#!/bin/bash
# script_note.sh - running a script under memlens says, on stderr, that only its interpreter
# is tracked (the programs it starts are not), and changes nothing else; an ELF program gets
# no such note.
. "$(dirname "$0")/lib.sh"
need_memlens

printf '#!/bin/sh\necho from-script\nexit 3\n' >"$T/s.sh"
chmod +x "$T/s.sh"
rc=0
"$MEMLENS" run --headless -r "$T/r.txt" -- "$T/s.sh" >"$T/out" 2>"$T/err" || rc=$?
expect_eq "exit status of the script" "$rc" 3
expect_eq "the script's output" "$(cat "$T/out")" from-script
if grep -q "^memlens: note: .*is a script" "$T/err"; then
    echo "ok: the note is given"
else
    note_fail "no note about the script on stderr: $(cat "$T/err")"
fi

exitwith=$(prog exitwith) || exit
"$MEMLENS" run --headless -r "$T/r2.txt" -- "$exitwith" 0 >"$T/out2" 2>"$T/err2" || true
if grep -q "is a script" "$T/err2"; then
    note_fail "an ELF program got the script note"
else
    echo "ok: no note for an ELF program"
fi
finish
