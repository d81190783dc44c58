#!/bin/bash
# manpage.sh - doc/memlens.1 documents exactly the options `memlens run --help` lists (one
# table in cmd_run.c drives the help; this keeps the man page from drifting away from it),
# those of `attach --help` and `threads --help` (in OPTIONS or ATTACH OPTIONS), and every
# command of `memlens --help`.
. "$(dirname "$0")/lib.sh"
need_memlens

man1="$SRCDIR/doc/memlens.1"
[ -f "$man1" ] || fail "no man page at $man1"

"$MEMLENS" run --help >"$T/rh" 2>&1 || fail "run --help failed"
grep -oE -- '--[a-z][a-z-]*' "$T/rh" | sort -u >"$T/help.opts"
# options in the man page's OPTIONS section are written \-\-name in roff
sed -n '/^\.SH OPTIONS/,/^\.SH /p' "$man1" | tr -d '\\' | grep -oE -- '--[a-z][a-z-]*' | sort -u >"$T/man.opts"
[ -s "$T/help.opts" ] || fail "run --help lists no options"
[ -s "$T/man.opts" ] || fail "the man page's OPTIONS section lists no options"

missing=$(comm -23 "$T/help.opts" "$T/man.opts")
extra=$(comm -13 "$T/help.opts" "$T/man.opts")
[ -z "$missing" ] && echo "ok: every run option is in the man page" ||
    note_fail "options in run --help but not in doc/memlens.1: $missing"
[ -z "$extra" ] && echo "ok: the man page documents no option run does not have" ||
    note_fail "options in doc/memlens.1 but not in run --help: $extra"

# attach and threads: every option they list is documented in OPTIONS or ATTACH OPTIONS, and
# ATTACH OPTIONS names no option they do not have
sed -n '/^\.SH ATTACH OPTIONS/,/^\.SH /p' "$man1" | sed 's/\\f[BIRP]//g' | tr -d '\\' | grep -oE -- '--[a-z][a-z-]*' | sort -u >"$T/man.attach"
[ -s "$T/man.attach" ] || note_fail "the man page has no ATTACH OPTIONS section"
sort -u "$T/man.opts" "$T/man.attach" >"$T/man.all"
: >"$T/attach.opts"
for cmd in attach threads; do
    "$MEMLENS" $cmd --help >"$T/ch" 2>&1 || note_fail "$cmd --help failed"
    grep -oE -- '--[a-z][a-z-]*' "$T/ch" | sort -u >"$T/c.opts"
    cat "$T/c.opts" >>"$T/attach.opts"
    missing=$(comm -23 "$T/c.opts" "$T/man.all")
    [ -z "$missing" ] && echo "ok: every $cmd option is in the man page" ||
        note_fail "options in $cmd --help but not in doc/memlens.1: $missing"
done
extra=$(comm -13 <(sort -u "$T/attach.opts") "$T/man.attach")
[ -z "$extra" ] && echo "ok: ATTACH OPTIONS documents no option attach and threads do not have" ||
    note_fail "options in ATTACH OPTIONS that attach/threads do not have: $extra"

"$MEMLENS" --help >"$T/h" 2>&1 || fail "--help failed"
for cmd in $(sed -n '/^commands:/,/^$/p' "$T/h" | awk 'NF && !/commands:/ {print $1}'); do
    if grep -q "^\.B $cmd" "$man1"; then
        echo "ok: command $cmd is in the man page"
    else
        note_fail "command '$cmd' from memlens --help is not described in doc/memlens.1"
    fi
done
finish
