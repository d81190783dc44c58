/* list.c — pieces the list views share: a scrolling selection, table titles with the sort mark, site and frame labels.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "tui/view.h"

int list_action(struct list *l, enum tui_action a, int page)
{
	page = page > 1 ? page - 1 : 1;
	switch (a) {
	case ACT_UP: l->sel--; break;
	case ACT_DOWN: l->sel++; break;
	case ACT_PAGE_UP: l->sel -= page; break;
	case ACT_PAGE_DOWN: l->sel += page; break;
	case ACT_HOME: l->sel = 0; break;
	case ACT_END: l->sel = l->n - 1; break;
	default: return 0;
	}
	if (l->sel >= l->n)
		l->sel = l->n - 1;
	if (l->sel < 0)
		l->sel = 0;
	return TUI_HANDLED | TUI_REDRAW;
}

void list_clamp(struct list *l, int rows)
{
	if (l->sel >= l->n)
		l->sel = l->n - 1;
	if (l->sel < 0)
		l->sel = 0;
	if (rows < 1)
		rows = 1;
	if (l->sel < l->top)
		l->top = l->sel;
	if (l->sel >= l->top + rows)
		l->top = l->sel - rows + 1;
	if (l->top > l->n - rows)
		l->top = l->n - rows;
	if (l->top < 0)
		l->top = 0;
}

int table_header(struct tui *t, int y, int x, int w, const struct column *cols, int ncols, int sorted, int descending)
{
	draw_fill(y, x, w, ROLE_COLUMN);
	int at = x;
	for (int i = 0; i < ncols && at < x + w; i++) {
		char title[48];
		snprintf(title, sizeof title, "%s%s", cols[i].title, i == sorted ? tui_arrow(t, descending) : "");
		int cw = cols[i].width ? cols[i].width : x + w - at;
		if (cw > x + w - at)
			cw = x + w - at;
		enum role r = i == sorted ? ROLE_SORTED : ROLE_COLUMN;
		if (cols[i].left)
			draw_text(y, at, cw, r, title);
		else
			draw_text_right(y, at, cw, r, title);
		at += cw + 1;
	}
	int fixed = x;
	for (int i = 0; i < ncols && cols[i].width; i++)
		fixed += cols[i].width + 1;
	return fixed;
}

void frame_label(const struct sym_frame *f, char *buf, size_t len)
{
	const char *fn = f->function ? f->function : "??";
	if (f->file)
		snprintf(buf, len, "%s  %s:%d%s", fn, base_name(f->file), f->line, f->inlined ? " (inlined)" : "");
	else if (f->module)
		snprintf(buf, len, "%s  %s+0x%" PRIx64, fn, base_name(f->module), f->offset);
	else
		snprintf(buf, len, "%s  0x%" PRIx64, fn, f->address);
}

void site_label(struct tui *t, struct site *s, char *buf, size_t len)
{
	int n;
	const struct sym_frame *f = model_site_frames(t->m, t->r, s, &n);
	if (!f || n <= 0) {
		snprintf(buf, len, "(no stack)");
		return;
	}
	char one[512];
	frame_label(&f[0], one, sizeof one);
	snprintf(buf, len, "%s%s", s->kind == MLR_KIND_MMAP ? "[mmap] " : "", one);
}
