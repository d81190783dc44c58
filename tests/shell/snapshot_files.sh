#!/bin/bash
# snapshot_files.sh - `memlens report FILE` prints exactly the report `memlens run` printed
# (one code path); hostile snapshot files (truncated, bit-flipped, a length past the end, a
# newer version, empty, a directory, not a snapshot, missing) each get one line naming the
# file and what is wrong, and their own exit status; `memlens snapshot` errors; a snapshot
# never appears half-written under its name.
. "$(dirname "$0")/lib.sh"
need_memlens
exact=$(prog exact) || exit

"$MEMLENS" run --headless --json -r "$T/run.json" -o "$T/s.mls" -- "$exact" >/dev/null 2>&1 ||
    fail "memlens run -o failed"
"$MEMLENS" report --json "$T/s.mls" >"$T/file.json" 2>"$T/err" || fail "report failed: $(cat "$T/err")"
expect_same_file "report --json of the snapshot = run's JSON report" "$T/run.json" "$T/file.json"
"$MEMLENS" report --top 3 "$T/s.mls" >"$T/file.txt" || note_fail "text report failed"
grep -q '^  snapshot taken .* on host ' "$T/file.txt" && echo "ok: the text report says when and where" ||
    note_fail "the report of a file does not say when it was taken"
ls "$T"/s.mls.* >/dev/null 2>&1 && note_fail "a temporary file was left beside the snapshot" ||
    echo "ok: no temporary file left beside the snapshot"

# case_ WANT-STATUS WHAT FILE [OFFSET-TOO]: one line "memlens: FILE: ..." and the status
case_() {
    local want=$1 what=$2 file=$3 rc=0
    "$MEMLENS" report "$file" >"$T/out" 2>"$T/err" </dev/null || rc=$?
    expect_eq "$what: exit status" "$rc" "$want"
    if [ "$(wc -l <"$T/err")" = 1 ] && grep -qF "memlens: $file: " "$T/err"; then
        echo "ok: $what: $(cat "$T/err")"
    else
        note_fail "$what: not one line naming the file: $(head -3 "$T/err")"
    fi
    if [ "${4:-}" = offset ] && ! grep -q ': offset [0-9]*: ' "$T/err"; then
        note_fail "$what: the message gives no offset"
    fi
    [ -s "$T/out" ] && note_fail "$what: something was printed on stdout"
}

size=$(stat -c %s "$T/s.mls")
for n in 0 7 8 31 32 40 $((size / 2)) $((size - 25)) $((size - 1)); do
    head -c "$n" "$T/s.mls" >"$T/trunc-$n.mls"
done
case_ 79 "empty file" "$T/trunc-0.mls" offset
case_ 79 "7 bytes" "$T/trunc-7.mls" offset
for n in 8 31 32 40 $((size / 2)) $((size - 25)) $((size - 1)); do
    case_ 65 "truncated to $n of $size bytes" "$T/trunc-$n.mls" offset
done
python3 - "$T/s.mls" "$T" <<'PY'
import sys
data = bytearray(open(sys.argv[1], "rb").read())
d = sys.argv[2]
flip = bytearray(data); flip[len(data) // 2] ^= 0x10
open(d + "/flip.mls", "wb").write(flip)
past = bytearray(data); past[32 + 8 + 6] = 0x7f           # first section's length
open(d + "/past.mls", "wb").write(past)
newer = bytearray(data); newer[8] = 2                     # major version 2
open(d + "/newer.mls", "wb").write(newer)
open(d + "/text.mls", "w").write("memory snapshot? no.\n")
PY
case_ 65 "a bit flipped" "$T/flip.mls" offset
case_ 65 "a length past the end" "$T/past.mls" offset
case_ 80 "a newer major version" "$T/newer.mls" offset
case_ 79 "not a snapshot" "$T/text.mls" offset
mkdir "$T/dir.mls"
case_ 66 "a directory" "$T/dir.mls"
case_ 66 "a missing file" "$T/missing.mls"
for cmd in diff export; do
    rc=0
    if [ $cmd = diff ]; then
        "$MEMLENS" diff "$T/s.mls" "$T/flip.mls" >/dev/null 2>"$T/err" || rc=$?
    else
        "$MEMLENS" export "$T/flip.mls" --format json >/dev/null 2>"$T/err" || rc=$?
    fi
    expect_eq "$cmd of a damaged snapshot: exit status" "$rc" 65
done

# memlens snapshot: its own errors
snap_case() { # WANT WHAT ARGS...
    local want=$1 what=$2 rc=0
    shift 2
    "$MEMLENS" snapshot "$@" >"$T/out" 2>"$T/err" </dev/null || rc=$?
    expect_eq "snapshot, $what: exit status" "$rc" "$want"
    [ "$(wc -l <"$T/err")" = 1 ] && grep -q '^memlens: ' "$T/err" && echo "ok: $(cat "$T/err")" ||
        note_fail "snapshot, $what: not one 'memlens:' line: $(head -3 "$T/err")"
}
snap_case 64 "no -o" $$
snap_case 64 "no PID" -o "$T/x.mls"
snap_case 64 "a PID that is not a number" 12ab -o "$T/x.mls"
sleep 30 &
sleeper=$!
BG_PIDS="$sleeper"
snap_case 90 "a process no memlens session watches" "$sleeper" -o "$T/x.mls"
kill "$sleeper"
wait "$sleeper" 2>/dev/null
snap_case 81 "no such process" "$sleeper" -o "$T/x.mls"
[ -e "$T/x.mls" ] && note_fail "a failed snapshot left a file" || echo "ok: no file after failed snapshots"
finish
