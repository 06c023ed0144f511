// A summary of the agent's verified policy: role and validity on one line, always in view, and
// each page's widgets in layout order (as `data-layout-widget`; the widgets themselves are
// rendered by `pages/`) behind a disclosure the agent opens when they want to know why a value
// is masked or a panel missing, so the page keeps the window's width for work. The app verifies
// every policy before it reaches the window; a pushed one replaces what is shown at once, and
// the disclosure stays as the agent left it.
import { el } from './dom';
import { showText } from './format';
import type { PolicyDto } from './generated/PolicyDto';
import { PAGE_LABELS, WIDGET_LABELS } from './layout';

/** A name as agents read it; one the window has no label for is shown as it is (as text). */
const label = (labels: Record<string, string>, id: string) => labels[id] ?? id;

/** Renders `policy` into `container`, replacing what was there. */
export function renderWorkspace(container: HTMLElement, policy: PolicyDto): void {
  const wasOpen = container.querySelector<HTMLDetailsElement>('details[data-testid="workspace-details"]')?.open;
  const heading = el('h2', { text: 'Your workspace', id: 'workspace-title' });
  const roles = policy.roles.length ? policy.roles.join(', ') : 'none';
  const until = new Date(policy.expiresAt * 1000).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  const meta = el('span', {
    text: `Role: ${roles} · permissions valid until ${until}`,
    className: 'muted',
    testId: 'policy-version',
  });
  meta.dataset.version = String(policy.version);
  meta.title = `Permissions version ${policy.version}`;
  const details = el('details', { testId: 'workspace-details' }, el('summary', {}, heading, meta));
  const pages = policy.pages.filter((p) => p.widgets.length > 0);
  if (pages.length === 0) {
    details.append(el('p', { text: 'Your role gives you no pages yet. Ask an administrator for access.', testId: 'no-pages' }));
  }
  for (const page of pages) {
    const section = el('section', { className: 'page' });
    section.dataset.page = page.page;
    const title = el('h3', { text: label(PAGE_LABELS, page.page), id: `page-${page.page}` });
    section.setAttribute('aria-labelledby', title.id);
    const list = el('ol');
    for (const widget of page.widgets) {
      const item = el('li', { text: label(WIDGET_LABELS, widget) });
      item.dataset.layoutWidget = widget;
      list.append(item);
    }
    section.append(title, list);
    details.append(section);
  }
  // A role with no page has nothing else to show: its note is in view at once.
  details.open = wasOpen ?? pages.length === 0;
  container.setAttribute('aria-labelledby', heading.id);
  container.replaceChildren(details);
}

/** Shows why the permissions could not be shown (the previous ones, if any, stay visible). */
export function renderPolicyProblem(container: HTMLElement, text: string): void {
  let note = container.querySelector<HTMLElement>('[data-testid="policy-problem"]');
  if (!note) {
    note = el('p', { className: 'warning', testId: 'policy-problem' });
    note.setAttribute('role', 'alert');
    container.append(note);
  }
  // The reason may quote the server.
  note.replaceChildren(showText(text));
}
