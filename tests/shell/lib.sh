# lib.sh - helpers sourced by every tests/shell/*.sh test (it is not a test itself).
#
# A test prints what it checks, exits 0 when every check held, 1 when one failed, and
# 77 (after a line "skip: REASON") when it cannot run here. Checks made with the
# expect_* helpers do not stop the test: all of them run and `finish` gives the status,
# so one run shows every wrong figure at once.
#
# Environment (set by tests/run-tests.sh, or by hand to run one test):
#   MEMLENS         absolute path of the memlens binary
#   PROGS           directory of the built tests/progs programs (.libs/libdltest.so inside)
#   SRCDIR          top source directory
#   MEMLENS_SHARED  directory holding bench/workloads/{leaky,churn}.c (optional)
#   KEEP_TMP=1      keep the test's temporary directory and say where it is

set -u

TEST_NAME=$(basename "$0" .sh)
TESTS_SHELL=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPORT_PY="$TESTS_SHELL/report.py"
FAILED=0
BG_PIDS=""

T=$(mktemp -d "${TMPDIR:-/tmp}/memlens-test.$TEST_NAME.XXXXXX") || exit 1
cleanup() {
    local pid
    for pid in $BG_PIDS; do
        kill -9 "$pid" 2>/dev/null
    done
    if [ "${KEEP_TMP:-0}" = 1 ]; then
        echo "kept temporary directory $T"
    else
        rm -rf "$T"
    fi
}
trap cleanup EXIT

# Messages of fail and skip go to stderr, so that helpers used as $(helper) can stop
# the test with `x=$(helper) || exit`; the runner reads both streams.

# fail MSG: the test failed; stop now.
fail() {
    echo "FAIL: $*" >&2
    exit 1
}

# note_fail MSG: record a failed check and go on.
note_fail() {
    echo "FAIL: $*"
    FAILED=1
}

# skip REASON: the test cannot run here.
skip() {
    echo "skip: $*" >&2
    exit 77
}

# finish: exit with the verdict of all checks made.
finish() {
    if [ "$FAILED" = 0 ]; then
        echo "all checks passed"
        exit 0
    fi
    exit 1
}

# need_cmd NAME...: skip unless every command exists.
need_cmd() {
    local c
    for c in "$@"; do
        command -v "$c" >/dev/null 2>&1 || skip "$c is not installed"
    done
}

# need_memlens: the binary under test must exist (a missing binary is a failure).
need_memlens() {
    [ -n "${MEMLENS:-}" ] || fail "MEMLENS is not set"
    [ -x "$MEMLENS" ] || fail "MEMLENS=$MEMLENS is not an executable file"
    need_cmd python3
}

# prog NAME: print the path of a built test program (missing = failure: make check
# builds it). Use as: x=$(prog NAME) || exit
prog() {
    [ -n "${PROGS:-}" ] || fail "PROGS is not set"
    [ -x "$PROGS/$1" ] || fail "test program $PROGS/$1 is missing (not built?)"
    echo "$PROGS/$1"
}

# need_workload FILE: print $MEMLENS_SHARED/bench/workloads/FILE, or skip.
# Use as: x=$(need_workload FILE) || exit
need_workload() {
    local f="${MEMLENS_SHARED:-}/bench/workloads/$1"
    [ -n "${MEMLENS_SHARED:-}" ] || skip "MEMLENS_SHARED is not set (needs bench/workloads/$1)"
    [ -f "$f" ] || skip "$f does not exist"
    echo "$f"
}

# run_native OUT CMD...: run CMD; stdout in OUT, stderr in OUT.err, status in NATIVE_RC.
run_native() {
    local out=$1
    shift
    NATIVE_RC=0
    "$@" >"$out" 2>"$out.err" </dev/null || NATIVE_RC=$?
}

# run_memlens OUT REPORT [MEMLENS-RUN-OPTIONS] -- CMD...: run CMD under
# `memlens run --headless --json -r REPORT`; target stdout in OUT, stderr in OUT.err,
# status in ML_RC. Stopped after ML_TIMEOUT seconds (100; status 124 then).
run_memlens() {
    local out=$1 report=$2
    shift 2
    ML_RC=0
    timeout -k 5 "${ML_TIMEOUT:-100}" "$MEMLENS" run --headless --json -r "$report" "$@" \
        >"$out" 2>"$out.err" </dev/null || ML_RC=$?
    [ "$ML_RC" = 124 ] && note_fail "memlens run did not end within ${ML_TIMEOUT:-100} s"
    if [ ! -s "$report" ]; then
        note_fail "memlens wrote no report to $report (status $ML_RC); stderr:"
        sed 's/^/    /' "$out.err" | head -20
        return 1
    fi
    python3 "$REPORT_PY" check "$report" >/dev/null 2>"$T/json.err" || {
        note_fail "report $report is not valid report JSON: $(head -1 "$T/json.err")"
        return 1
    }
    return 0
}

# json_get FILE KEY.PATH: print one value of a JSON file (null, true/false as in JSON;
# list elements as KEY.0.sub). Prints "MISSING" when the key does not exist.
json_get() {
    python3 "$REPORT_PY" get "$1" "$2"
}

# expect_kv FILE PREFIX KEY: the value of KEY=N on the line of FILE that starts with PREFIX.
expect_kv() {
    sed -n "s/^$2 .*\\b$3=\\([0-9-]*\\).*/\\1/p" "$1" | head -1
}

# expect_eq WHAT GOT WANT: one check.
expect_eq() {
    if [ "$2" = "$3" ]; then
        echo "ok: $1 = $2"
    else
        note_fail "$1 is '$2', expected '$3'"
    fi
}

# expect_cmp WHAT GOT OP WANT: a numeric check, OP one of -eq -ne -gt -ge -lt -le.
expect_cmp() {
    if [ -n "$2" ] && [ "$2" -eq "$2" ] 2>/dev/null && [ "$2" "$3" "$4" ]; then
        echo "ok: $1 = $2 ($3 $4)"
    else
        note_fail "$1 is '$2', expected $3 $4"
    fi
}

# expect_json REPORT KEY.PATH WANT: a report field has exactly this value.
expect_json() {
    expect_eq "$2" "$(json_get "$1" "$2")" "$3"
}

# expect_same_file WHAT A B: two files are byte for byte equal.
expect_same_file() {
    if cmp -s "$2" "$3"; then
        echo "ok: $1 identical"
    else
        note_fail "$1 differ:"
        diff "$2" "$3" | head -20 | sed 's/^/    /'
    fi
}

# expect_same_behaviour NATIVE_OUT ML_OUT: same stdout and exit status with and
# without memlens (NATIVE_RC and ML_RC as set by run_native / run_memlens).
expect_same_behaviour() {
    expect_same_file "target stdout with and without memlens" "$1" "$2"
    expect_eq "exit status under memlens (native: $NATIVE_RC)" "$ML_RC" "$NATIVE_RC"
}

# sites REPORT FUNCTION-REGEX...: sums over every distinct heap site (of sites_by_live
# and sites_by_peak) that has, for each regex, a frame whose function matches it; prints
# "alloc_calls=N frees=N bytes_allocated=N live_bytes=N live_blocks=N sites=N".
# Only sites in those lists are seen: give the programs' sites a block live at exit.
sites() {
    python3 "$REPORT_PY" sites "$@"
}

# site_field SUMS KEY: pick one figure from the output of `sites`.
site_field() {
    echo "$1" | sed -n "s/.*\\b$2=\\([0-9-]*\\).*/\\1/p"
}

# wait_for SECONDS CMD...: poll CMD every 50 ms until it succeeds; 1 on timeout.
wait_for() {
    local limit=$(($1 * 20)) i=0
    shift
    while ! "$@"; do
        i=$((i + 1))
        [ "$i" -ge "$limit" ] && return 1
        sleep 0.05
    done
    return 0
}

# child_of PARENT-PID NAME: print the pid of PARENT's child whose comm is NAME.
child_of() {
    local pid
    for pid in $(pgrep -P "$1" 2>/dev/null); do
        if [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$2" ]; then
            echo "$pid"
            return 0
        fi
    done
    return 1
}

# start_memlens NAME OUT ARGS...: start `memlens ARGS` in the background (stdout in OUT,
# stderr in OUT.err) and wait for its child process NAME. Sets ML (memlens's pid) and TARGET
# (the child's), both killed at the end of the test.
start_memlens() {
    local name=$1 out=$2
    shift 2
    "$MEMLENS" "$@" >"$out" 2>"$out.err" </dev/null &
    ML=$!
    BG_PIDS="$ML"
    wait_for 10 child_of "$ML" "$name" >/dev/null || fail "no $name process under memlens (pid $ML)"
    TARGET=$(child_of "$ML" "$name")
    BG_PIDS="$ML $TARGET"
}

# gone PID: the process has exited (no such process, or a zombie nobody reaped).
gone() {
    local state
    [ -r "/proc/$1/stat" ] || return 0
    state=$(sed 's/.*) \(.\).*/\1/' "/proc/$1/stat" 2>/dev/null) || return 0
    [ -z "$state" ] || [ "$state" = Z ] || [ "$state" = X ]
}

# build_churn: compile $MEMLENS_SHARED/bench/workloads/churn.c into $T/churn (or skip).
build_churn() {
    local src
    src=$(need_workload churn.c) || exit
    need_cmd gcc
    gcc -O2 -g -fno-omit-frame-pointer -pthread -o "$T/churn" "$src" || fail "cannot build churn"
}

# run_churn ITERS: build churn (or skip), set CHURN=("$T/churn" 1 ITERS 512) (one thread,
# a working set of 512), run it natively (stdout in $T/native) and under memlens (report
# $T/r.json, stdout in $T/ml), and check both behave the same. Stops the test if churn
# fails natively, or (with `finish`) if memlens wrote no usable report.
run_churn() {
    build_churn
    CHURN=("$T/churn" 1 "$1" 512)
    run_native "$T/native" "${CHURN[@]}"
    [ "$NATIVE_RC" = 0 ] || fail "churn fails natively"
    run_memlens "$T/ml" "$T/r.json" -- "${CHURN[@]}" || finish
    expect_same_behaviour "$T/native" "$T/ml"
}

# churn_own KEY: a figure churn printed itself in $T/native (KEY=N).
churn_own() {
    sed -n "s/.*\\b$1=\\([0-9]*\\).*/\\1/p" "$T/native" | head -1
}

# start_parked OUT A B C: start tests/progs/parked (A threads in park_sleep, B in park_pipe,
# C in park_cond) in the background, stdout in OUT; wait until all of them are parked. Sets
# PARKED to its pid (killed at the end of the test).
start_parked() {
    local out=$1 bin
    shift
    bin=$(prog parked) || exit
    "$bin" "$@" >"$out" 2>"$out.err" </dev/null &
    PARKED=$!
    BG_PIDS="$BG_PIDS $PARKED"
    wait_for 20 grep -qs '^ready ' "$out" || fail "parked $* did not get ready: $(cat "$out.err")"
}

# ticks FILE: the last "tick N" a parked or similar target printed.
ticks() {
    sed -n 's/^tick \([0-9]*\)$/\1/p' "$1" | tail -1
}

# task_states PID: the state letters of every thread of PID, one per line.
task_states() {
    local t
    for t in /proc/"$1"/task/*; do
        sed 's/.*) \(.\).*/\1/' "$t/stat" 2>/dev/null
    done
}

# traced_threads PID: how many threads of PID have a tracer now.
traced_threads() {
    grep -h '^TracerPid:' /proc/"$1"/task/*/status 2>/dev/null | grep -vc 'TracerPid:[[:space:]]*0$'
}

# expect_running PID OUT WHAT: PID is alive, no thread of it is left traced or in a tracing
# stop, and it still prints ticks to OUT (a parked-like target).
expect_running() {
    local pid=$1 out=$2 what=$3 before
    if gone "$pid"; then
        note_fail "$what: process $pid is gone"
        return
    fi
    if wait_for 2 eval "[ \"\$(traced_threads $pid)\" = 0 ]"; then
        echo "ok: $what: no thread of $pid is traced"
    else
        note_fail "$what: $(traced_threads "$pid") threads of $pid still have a tracer"
    fi
    if task_states "$pid" | grep -q '^t$'; then
        note_fail "$what: a thread of $pid is left in a tracing stop: $(task_states "$pid" | sort | uniq -c | tr '\n' ' ')"
    else
        echo "ok: $what: no thread of $pid is in a tracing stop"
    fi
    before=$(ticks "$out")
    if wait_for 3 eval "[ \"\$(ticks $out)\" != \"$before\" ]"; then
        echo "ok: $what: $pid goes on (tick $before, then $(ticks "$out"))"
    else
        note_fail "$what: $pid printed no tick after tick $before"
    fi
}


# ---- TUI tests: the real binary in a private tmux server ($TUI_SOCK) -------------------

# tui_start W H CMD...: run CMD in a W x H tmux window (UTF-8), from $T, under a wrapper
# that records `stty -a` before and after it ($T/stty.before, $T/stty.after), its stderr
# ($T/tui.stderr) and its exit status ($T/tui.rc), with TMPDIR=$T. Skips without tmux.
TUI_N=0
TUI_SOCK="$T/tmux.0.sock"
tui_start() {
    local w=$1 h=$2 cmd
    shift 2
    need_cmd tmux
    # a server of its own each time: a new one on the socket of one being killed can die with it
    tui_stop
    TUI_N=$((TUI_N + 1))
    TUI_SOCK="$T/tmux.$TUI_N.sock"
    [ -c /dev/null ] || skip "/dev/null is not a device on this machine (tmux cannot start its server)"
    cmd=$(printf '%q ' "$@")
    {
        echo "cd $(printf '%q' "$T") || exit 1"
        echo "export TMPDIR=$(printf '%q' "$T")" # the command's output file stays in $T
        echo "stty -a >stty.before 2>&1"
        echo "$cmd 2>tui.stderr"
        echo 'rc=$?'
        echo "stty -a >stty.after 2>&1"
        echo 'echo $rc >tui.rc.tmp && mv tui.rc.tmp tui.rc'
        echo "exec sleep 600"
    } >"$T/tui-run.sh"
    : >"$T/tmux.conf"
    LANG=C.UTF-8 tmux -u -S "$TUI_SOCK" -f "$T/tmux.conf" new-session -d -x "$w" -y "$h" -s tui \
        "bash --norc --noprofile $T/tui-run.sh" || fail "cannot start tmux"
    BG_PIDS="$BG_PIDS $(tmux -S "$TUI_SOCK" display-message -p '#{pid}' 2>/dev/null)"
}

# tui_stop: end the tmux server of the last tui_start (and what runs in it).
tui_stop() {
    tmux -S "$TUI_SOCK" kill-server 2>/dev/null
    return 0
}

# tui_screen [capture-pane options]: the window's text now.
tui_screen() {
    tmux -S "$TUI_SOCK" capture-pane -p -t tui "$@"
}

# tui_keys KEY...: type keys (tmux send-keys names: Enter, Escape, Tab, Down, ...).
tui_keys() {
    tmux -S "$TUI_SOCK" send-keys -t tui "$@"
}

# tui_resize W H: resize the window (the TUI gets SIGWINCH).
tui_resize() {
    tmux -S "$TUI_SOCK" resize-window -t tui -x "$1" -y "$2"
}

# tui_wait SECONDS ERE: poll the screen every 100 ms until a line matches; 1 on timeout.
# The last screen seen is in $T/screen.
tui_wait() {
    local limit=$(($1 * 10)) i=0
    while :; do
        tui_screen >"$T/screen" 2>/dev/null
        grep -qE -- "$2" "$T/screen" && return 0
        i=$((i + 1))
        [ "$i" -ge "$limit" ] && return 1
        sleep 0.1
    done
}

# tui_expect WHAT SECONDS ERE: a check that the screen comes to show ERE (the screen is
# printed when it does not).
tui_expect() {
    if tui_wait "$2" "$3"; then
        echo "ok: $1"
    else
        note_fail "$1: no line matching /$3/ within $2 s; the screen was:"
        sed 's/^/    | /' "$T/screen"
    fi
}

# tui_exit_status SECONDS: wait for the command to end; prints its exit status (or
# "timeout").
tui_exit_status() {
    if wait_for "$1" test -s "$T/tui.rc"; then
        cat "$T/tui.rc"
    else
        echo timeout
    fi
}

# tui_expect_restored: after the command ended, the terminal settings are those it found,
# and the screen it drew is gone (the alternate screen was left).
tui_expect_restored() {
    if [ -s "$T/stty.after" ] && cmp -s "$T/stty.before" "$T/stty.after"; then
        echo "ok: terminal settings restored"
    else
        note_fail "terminal settings differ after the TUI:"
        diff "$T/stty.before" "$T/stty.after" | head -10 | sed 's/^/    /'
    fi
    tui_screen >"$T/screen.after"
    if grep -q "budgets:" "$T/screen.after"; then
        note_fail "the TUI's screen is still shown after it ended"
    else
        echo "ok: the TUI's screen is gone"
    fi
}

# braille_cells FILE: how many non-blank braille characters FILE holds.
braille_cells() {
    python3 -c 'import sys; print(sum(1 for c in open(sys.argv[1], encoding="utf-8", errors="replace").read() if 0x2801 <= ord(c) <= 0x28ff))' "$1"
}

# run_script OUT RESULTS SCRIPT.lua [MEMLENS-SCRIPT-OPTIONS] [-- CMD...]: run
# `memlens script --json -r RESULTS SCRIPT.lua ...`; stdout (the target's) in OUT, stderr
# (memlens's log and the target's) in OUT.err, memlens's status in SC_RC. Stopped after
# ML_TIMEOUT seconds (100; status 124 then). Returns 1 when no valid results were written.
SCRIPT_PY="$TESTS_SHELL/script_json.py"
run_script() {
    local out=$1 results=$2
    shift 2
    SC_RC=0
    rm -f "$results"
    timeout -k 5 "${ML_TIMEOUT:-100}" "$MEMLENS" script --json -r "$results" "$@" \
        >"$out" 2>"$out.err" </dev/null || SC_RC=$?
    [ "$SC_RC" = 124 ] && note_fail "memlens script did not end within ${ML_TIMEOUT:-100} s"
    [ -s "$results" ] || return 1
    python3 "$SCRIPT_PY" check "$results" >/dev/null 2>"$T/json.err" || {
        note_fail "results $results are not valid script JSON: $(head -1 "$T/json.err")"
        return 1
    }
    return 0
}
