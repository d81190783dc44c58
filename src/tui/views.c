/* views.c — the table of views: tab order, number keys and help all follow it. A new view is one entry here and one
 * file. */
#include "config.h"

#include "tui/view.h"

extern const struct tui_view view_overview, view_sites, view_tree, view_threads, view_leaks, view_budgets,
        view_snapshots, view_log;

const struct tui_view *const tui_views[] = {
        &view_overview, &view_sites, &view_tree, &view_threads, &view_leaks, &view_budgets, &view_snapshots, &view_log,
};

const int tui_nviews = (int)(sizeof tui_views / sizeof tui_views[0]);
