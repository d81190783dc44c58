#!/bin/bash
# manpage.sh - doc/memlens.1 documents exactly the options `memlens run --help` lists (one
# table in cmd_run.c drives the help; this keeps the man page from drifting away from it),
# those of `attach --help` and `threads --help` (in OPTIONS or ATTACH OPTIONS), those of
# `script --help` (in OPTIONS or SCRIPT OPTIONS) and its exit statuses, every command of
# `memlens --help`, and every key of the TUI's key table (`memlens --keys`) in the KEYS
# section.
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

# script: every option of `script --help` is in OPTIONS or SCRIPT OPTIONS, and SCRIPT OPTIONS
# names none it does not have
sed -n '/^\.SH SCRIPT OPTIONS/,/^\.SH /p' "$man1" | sed 's/\\f[BIRP]//g' | tr -d '\\' | grep -oE -- '--[a-z][a-z-]*' | sort -u >"$T/man.script"
[ -s "$T/man.script" ] || note_fail "the man page has no SCRIPT OPTIONS section"
"$MEMLENS" script --help >"$T/sh" 2>&1 || note_fail "script --help failed"
grep -oE -- '--[a-z][a-z-]*' "$T/sh" | sort -u >"$T/s.opts"
missing=$(comm -23 "$T/s.opts" <(sort -u "$T/man.opts" "$T/man.script"))
[ -z "$missing" ] && echo "ok: every script option is in the man page" ||
    note_fail "options in script --help but not in doc/memlens.1: $missing"
extra=$(comm -13 "$T/s.opts" "$T/man.script")
[ -z "$extra" ] && echo "ok: SCRIPT OPTIONS documents no option script does not have" ||
    note_fail "options in SCRIPT OPTIONS that script does not have: $extra"
for code in 100 101 102; do
    grep -q "^\.B $code\$" "$man1" && echo "ok: exit status $code is in the man page" ||
        note_fail "exit status $code (script --help) is not in EXIT STATUS"
done

"$MEMLENS" --help >"$T/h" 2>&1 || fail "--help failed"
for cmd in $(sed -n '/^commands:/,/^$/p' "$T/h" | awk 'NF && !/commands:/ {print $1}'); do
    if grep -q "^\.B $cmd" "$man1"; then
        echo "ok: command $cmd is in the man page"
    else
        note_fail "command '$cmd' from memlens --help is not described in doc/memlens.1"
    fi
done

# The KEYS section against the key table (memlens --keys prints it): every key of every
# scope is in the man page, in the paragraph of its view; every key the man page lists as a
# global binding exists.
"$MEMLENS" --keys >"$T/keys" 2>&1 || fail "memlens --keys failed"
python3 - "$T/keys" "$man1" <<'EOF' || FAILED=1
import re, sys
keys_txt, man = open(sys.argv[1]).read(), open(sys.argv[2]).read()
sec = man.split('.SH KEYS', 1)[1].split('\n.SH ', 1)[0].replace('\\-', '-')
bold = lambda text: set(re.findall(r'\\fB(.+?)\\fR', text)) | {
    w for line in text.splitlines() if line.startswith(('.B ', '.BR '))
    for w in re.findall(r'"[^"]*"|\S+', line.split(' ', 1)[1])[0::2]}
scopes, scope = {}, None
for line in keys_txt.splitlines():
    if not line.startswith('  '):
        scope = line.rstrip(':')
        continue
    names = line[2:24].strip()
    for k in names.split(', ') if not re.match(r'^1-\d$', names) else ['1-9']:
        scopes.setdefault(scope, set()).add(k)
bad = 0
paras = {}
for view in scopes:
    if view == 'every view':
        paras[view] = sec.split('\n.PP\n', 1)[0]
    else:
        m = re.search(r'In ' + re.escape(view) + r':(.*?)(?=\nIn [A-Z]|\Z)', sec, re.S)
        paras[view] = m.group(1) if m else ''
for view, ks in scopes.items():
    missing = sorted(k for k in ks if k not in bold(paras[view]))
    if missing:
        print(f'FAIL: keys of "{view}" in memlens --keys but not in the KEYS section: {missing}')
        bad = 1
    else:
        print(f'ok: every key of "{view}" is in the man page')
listed = bold(paras['every view']) - {'memlens --keys', '?'} | {'?'}
extra = sorted(k for k in listed if k not in scopes['every view'])
if extra:
    print(f'FAIL: the KEYS section lists global keys the TUI does not have: {extra}')
    bad = 1
else:
    print('ok: the man page lists no global key the TUI does not have')
sys.exit(bad)
EOF
finish
