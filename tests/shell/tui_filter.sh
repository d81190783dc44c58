#!/bin/bash
# tui_filter.sh - in the TUI's Call sites view, `/` with a PCRE2 pattern narrows the sites to
# those with a matching function, file or module, a bad pattern shows PCRE2's message and
# offset (and the TUI goes on), an empty pattern clears the filter, and Enter opens a site's
# full symbolized stack with file:line frames.
. "$(dirname "$0")/lib.sh"
need_memlens

tui_start 100 30 env TERM=screen LANG=C.UTF-8 "$MEMLENS" demo
tui_expect "the TUI opens" 20 'pid [0-9]+ +up '
tui_keys 2
tui_expect "the Call sites view lists the cache and the leak" 20 'lru_cache_put'
tui_expect "... and the leak" 10 'session_log_append'
all=$(sed -n 's/^ *\([0-9,]*\) sites, by.*/\1/p' "$T/screen" | tr -d ,)
expect_cmp "sites listed without a filter" "${all:-0}" -ge 3

tui_keys / l r u _ c a c h e Enter
tui_expect "the filter leaves one site" 10 '^ *1 site matching the filter'
grep -q session_log_append "$T/screen" && note_fail "a site that does not match is still listed" ||
    echo "ok: the leak's site is filtered out"
grep -q 'lru_cache_put' "$T/screen" && echo "ok: the matching site is listed" || note_fail "the matching site is gone"
tui_expect "the footer names the filter" 5 'filter /lru_cache/'

tui_keys / C-u 'demo\.c$' Enter
tui_expect "a pattern on the file name matches the demo's sites" 10 'sites matching the filter'

tui_keys / C-u '(' Enter
tui_expect "a bad pattern shows PCRE2's message and offset" 10 'bad pattern /\(/: at offset 1: .*parenthesis'
tui_keys / C-u Enter
tui_expect "an empty pattern clears the filter" 10 "^ *[0-9,]+ sites, by live bytes"

tui_keys Home Enter
tui_expect "Enter opens the site's stack" 10 '^ *#0 '
tui_expect "... with file:line frames" 5 '#[0-9]+ +[a-z_]+ +demo\.c:[0-9]+'
tui_expect "... down to main" 5 '#[0-9]+ +main +demo\.c:[0-9]+'
tui_keys Escape
tui_expect "Esc goes back to the list" 10 'sites, by live bytes'

tui_keys q
expect_eq "exit status after q" "$(tui_exit_status 20)" 0
tui_expect_restored
finish
