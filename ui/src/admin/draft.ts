// A layout being edited, as pure functions over desk-core's `Layout`: which pages and widgets
// the role's definition grants (the editor offers nothing else, so it never offers what the
// server would refuse), the edits (add, remove, move), and what a draft changes against the
// layout in force, in words.
import type { Layout } from '../generated/Layout';
import type { Page } from '../generated/Page';
import type { Policy } from '../generated/Policy';
import type { Widget } from '../generated/Widget';
import { PAGE_LABELS, WIDGET_LABELS } from '../layout';

/** The app's pages in its own order (`PAGE_LABELS` lists every page, in desk-core's order). */
const PAGE_ORDER = Object.keys(PAGE_LABELS) as Page[];

/** The widgets of `page` on `layout`, in order. */
export function widgetsOn(layout: Layout, page: Page): Widget[] {
  return layout.pages[page] ?? [];
}

/** The pages a layout for `policy`'s role may show, in the app's order. */
export function grantedPages(policy: Policy): Page[] {
  return PAGE_ORDER.filter((page) => policy.pages.includes(page));
}

/** The widgets `policy` grants on `page` that `layout` does not show yet, in desk-core's order. */
export function offered(policy: Policy, layout: Layout, page: Page): Widget[] {
  const shown = new Set(widgetsOn(layout, page));
  return policy.widgets.filter((w) => w.startsWith(`${page}.`) && !shown.has(w));
}

/** `layout` with `page` showing `widgets`; a page with none is left out, as the server keeps it. */
function withPage(layout: Layout, page: Page, widgets: Widget[]): Layout {
  const pages = { ...layout.pages };
  if (widgets.length) pages[page] = widgets;
  else delete pages[page];
  return { pages };
}

/** `layout` with `widget` added at the end of `page`. */
export function add(layout: Layout, page: Page, widget: Widget): Layout {
  return withPage(layout, page, [...widgetsOn(layout, page).filter((w) => w !== widget), widget]);
}

/** `layout` without `widget` on `page`. */
export function remove(layout: Layout, page: Page, widget: Widget): Layout {
  return withPage(layout, page, widgetsOn(layout, page).filter((w) => w !== widget));
}

/** `layout` with `widget` moved to position `to` of `page` (clamped to the page). */
export function moveTo(layout: Layout, page: Page, widget: Widget, to: number): Layout {
  const rest = widgetsOn(layout, page).filter((w) => w !== widget);
  const at = Math.max(0, Math.min(to, rest.length));
  return withPage(layout, page, [...rest.slice(0, at), widget, ...rest.slice(at)]);
}

/** `layout` with `widget` one place earlier (`-1`) or later (`1`) on `page`. */
export function move(layout: Layout, page: Page, widget: Widget, by: -1 | 1): Layout {
  return moveTo(layout, page, widget, widgetsOn(layout, page).indexOf(widget) + by);
}

/** The same layout: every page with the same widgets in the same order. */
export function sameLayout(a: Layout, b: Layout): boolean {
  return PAGE_ORDER.every((page) => widgetsOn(a, page).join() === widgetsOn(b, page).join());
}

/** One page's change, in words. */
export type PageChange = { page: Page; lines: string[] };

const names = (widgets: Widget[]) => widgets.map((w) => WIDGET_LABELS[w] ?? w).join(', ');

/**
 * What `after` changes against `before`, page by page in the app's order: the widgets added,
 * those removed, and the new order when it is not the old one with the added widgets at its
 * end. Empty when nothing changes.
 */
export function changes(before: Layout, after: Layout): PageChange[] {
  const result: PageChange[] = [];
  for (const page of PAGE_ORDER) {
    const was = widgetsOn(before, page);
    const is = widgetsOn(after, page);
    const lines: string[] = [];
    const added = is.filter((w) => !was.includes(w));
    const removed = was.filter((w) => !is.includes(w));
    if (added.length) lines.push(`adds ${names(added)}`);
    if (removed.length) lines.push(`removes ${names(removed)}`);
    // Removing, and adding at the end, change no order; anything else says the new one.
    const plain = [...was.filter((w) => is.includes(w)), ...added];
    if (plain.join() !== is.join()) lines.push(`new order: ${names(is)}`);
    if (lines.length) result.push({ page, lines });
  }
  return result;
}
