/* screen.h — the TUI's frame around the views: header, tabs, footer and prompt, help screen, "too small" message. */
#ifndef MEMLENS_TUI_SCREEN_H
#define MEMLENS_TUI_SCREEN_H

#include <stddef.h>
#include <stdint.h>

#include "tui/view.h"

/* Below this the screen shows only a "terminal too small" message. */
#define SCREEN_MIN_ROWS 14
#define SCREEN_MIN_COLS 60

void screen_header(struct tui *t); /* header lines and the tab line */
struct rect screen_view_area(const struct tui *t);
void screen_footer(struct tui *t); /* the prompt, a note, or the key hints */
void screen_help(struct tui *t, struct rect area);
void screen_too_small(struct tui *t);

/* A key while a prompt is open (filter pattern, quit question); TUI_* flags. */
int screen_prompt_key(struct tui *t, int code);

/* "running", "exited with status 3", "killed by signal 9 (Killed)"; its role when wanted. */
const char *screen_target_state(const struct tui *t, char *buf, size_t len, enum role *role);

/* Refresh timings (keyed: a rebuild a key asked for): kept per view, logged (with -v) when
 * the TUI ends. */
void screen_note_timing(struct tui *t, uint64_t ns, int keyed);
void screen_log_timing(struct tui *t);

#endif
