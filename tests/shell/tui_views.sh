#!/bin/bash
# tui_views.sh - what the views and global keys do in the TUI on the demo: sorting the call
# sites, the Tree top-down and bottom-up with expand/collapse, a thread's sites and creator,
# the graph window and style, and pause (the display freezes while sampling goes on).
. "$(dirname "$0")/lib.sh"
need_memlens

tui_start 100 30 env TERM=screen LANG=C.UTF-8 "$MEMLENS" demo
tui_expect "the TUI opens" 20 'pid [0-9]+ +up '

tui_keys 2
tui_expect "Call sites by live bytes" 20 'sites, by live bytes'
tui_keys '>'
tui_expect "> sorts by live blocks" 10 'sites, by live blocks'
tui_keys '>' '>'
tui_expect ">> then by allocation calls" 10 'sites, by allocation calls'
tui_expect "... the churning scratch buffers first" 10 '^ +[0-9.]+[BKM] .* scratch_buffer'
tui_keys r
tui_expect "r reverses the order" 10 'by allocation calls \(smallest first\)'

tui_keys 3
tui_expect "the Tree opens top-down along the heaviest path" 20 '^ .*▾ main +demo\.c'
tui_keys b
tui_expect "b turns it bottom-up: the allocating functions first" 10 'bottom-up: allocating functions first'
tui_expect "... lru_cache_put at the top level" 10 '^ +[0-9.]+[BKMG]? .*[▸▾] lru_cache_put'
tui_keys Home Right
tui_expect "Right expands a node: its callers" 10 '^ .*▾ lru_cache_put.*$'
tui_expect "... main among them" 10 '^ .{40,}[▸▾] main +demo\.c'

tui_keys 4
tui_expect "the Threads view lists the demo's threads" 20 '^ +[0-9]+ memlens-demo'
for _ in $(seq 200); do # the demo starts a worker every 2 s: wait for one to be listed
    [ "$(tui_screen | grep -c '^ *[0-9]\+ memlens-demo')" -ge 2 ] && break
    sleep 0.1
done
tui_keys End Enter
tui_expect "Enter on a worker shows who created it" 20 'created by spawn_worker +demo\.c:[0-9]+'
tui_expect "... and the sites of its live blocks" 10 'worker_main +demo\.c'
tui_keys Escape

tui_keys 1 w
tui_expect "w switches the window to 10 min" 10 'window 10 min'
tui_expect "... and the x axis with it" 10 '-10m'
tui_keys g
tui_expect "g switches to block graphs" 10 '[▁▂▃▄▅▆▇█]'
tui_screen >"$T/screen"
expect_eq "braille cells with block graphs" "$(braille_cells "$T/screen")" 0

tui_keys p
tui_expect "p pauses" 10 'PAUSED'
up1=$(sed -n 's/.* up \([0-9:]*\) .*/\1/p' "$T/screen" | head -1)
sleep 2.5
tui_keys Down # a key redraws, yet the paused figures stay
tui_wait 5 'PAUSED'
up2=$(sed -n 's/.* up \([0-9:]*\) .*/\1/p' "$T/screen" | head -1)
expect_eq "the uptime shown while paused" "$up2" "$up1"
tui_keys p
tui_expect "p resumes" 10 'window 10 min *$'
tui_wait 5 'up [0-9:]+ ' || true
up3=$(sed -n 's/.* up \([0-9:]*\) .*/\1/p' "$T/screen" | head -1)
[ "$up3" != "$up1" ] && echo "ok: the figures move again ($up1 -> $up3)" || note_fail "the uptime is still $up1 after resuming"

tui_keys q
expect_eq "exit status after q" "$(tui_exit_status 20)" 0
tui_expect_restored
finish
