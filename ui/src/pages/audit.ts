// The audit page: each `audit` widget the layout grants, through `AUDIT_WIDGETS`, one renderer
// for every audit widget of desk-core (a widget added or renamed there is a type error here).
// The server refuses the trail to a role without `audit.read`, whatever the window shows.
import { renderAuditLog } from '../admin/audit';
import { el } from '../dom';
import { type WidgetOf, widgetsOf } from '../layout';
import { note, type PageContext, problem, widgetFrame } from './context';

/** One renderer per audit widget. */
export const AUDIT_WIDGETS: Record<WidgetOf<'audit'>, (section: HTMLElement, ctx: PageContext) => Promise<void>> = {
  'audit.log': renderAuditLog,
};

/** Renders the audit page: each granted widget in layout order. */
export async function renderAudit(root: HTMLElement, ctx: PageContext): Promise<void> {
  const widgets = widgetsOf(ctx.policy, 'audit').filter((w) => w in AUDIT_WIDGETS);
  if (widgets.length === 0) {
    root.replaceChildren(note('Your role shows no audit trail.'));
    return;
  }
  const heading = el('h2', { text: 'Audit trail' });
  heading.tabIndex = -1;
  const parts = widgets.map((w) => ({ render: AUDIT_WIDGETS[w], section: widgetFrame(w) }));
  root.replaceChildren(heading, el('div', { className: 'widgets admin' }, ...parts.map((p) => p.section)));
  if (!root.contains(document.activeElement)) heading.focus({ preventScroll: true });
  for (const { render, section } of parts) {
    try {
      await render(section, ctx);
    } catch (err) {
      section.append(problem(err));
    }
  }
}
