// The administration page: each `admin` widget the layout grants, in layout order, through
// `ADMIN_WIDGETS`, one renderer for every administration widget of desk-core (a widget added or
// renamed there is a type error here). What each may do, the server decides on every call.
import { renderAgents } from '../admin/agents';
import { renderLayouts } from '../admin/layouts';
import { renderRoles } from '../admin/roles';
import { el } from '../dom';
import { type WidgetOf, widgetsOf } from '../layout';
import { note, type PageContext, problem, widgetFrame } from './context';

type AdminWidget = (section: HTMLElement, ctx: PageContext) => Promise<void>;

/** One renderer per administration widget; the layout chooses which run, in which order. */
export const ADMIN_WIDGETS: Record<WidgetOf<'admin'>, AdminWidget> = {
  'admin.layouts': renderLayouts,
  'admin.roles': renderRoles,
  'admin.agents': renderAgents,
};

/** Renders the administration page: each granted widget in layout order. */
export async function renderAdmin(root: HTMLElement, ctx: PageContext): Promise<void> {
  const widgets = widgetsOf(ctx.policy, 'admin').filter((w) => w in ADMIN_WIDGETS);
  if (widgets.length === 0) {
    root.replaceChildren(note('Your role has nothing to administer.'));
    return;
  }
  const heading = el('h2', { text: 'Administration' });
  heading.tabIndex = -1;
  const parts = widgets.map((w) => ({ render: ADMIN_WIDGETS[w], section: widgetFrame(w) }));
  root.replaceChildren(heading, el('div', { className: 'widgets admin' }, ...parts.map((p) => p.section)));
  if (!root.contains(document.activeElement)) heading.focus({ preventScroll: true });
  await Promise.all(
    parts.map(async ({ render, section }) => {
      try {
        await render(section, ctx);
      } catch (err) {
        section.append(problem(err));
      }
    }),
  );
}
