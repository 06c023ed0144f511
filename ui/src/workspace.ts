// A summary of the agent's verified policy: role, validity, and each page's widgets in layout
// order (as `data-layout-widget`; the widgets themselves are rendered by `pages.ts`). The app
// verifies every policy before it reaches the window; a pushed one replaces what is shown at once.
import { showText } from './format';
import type { PolicyDto } from './generated/PolicyDto';

/** Names of pages as agents read them. */
export const PAGE_LABELS: Record<string, string> = {
  search: 'Search',
  customer: 'Customer',
  transactions: 'Transactions',
  tickets: 'Tickets',
  ticket: 'Ticket',
  audit: 'Audit trail',
  admin: 'Administration',
};

/** Names of widgets as agents read them. */
export const WIDGET_LABELS: Record<string, string> = {
  'search.box': 'Search field',
  'search.results': 'Matching customers',
  'customer.summary': 'Summary',
  'customer.contact': 'Contact details',
  'customer.accounts': 'Accounts',
  'customer.cards': 'Payment cards',
  'customer.recent_transactions': 'Recent transactions',
  'customer.open_tickets': 'Open tickets',
  'transactions.table': 'All transactions',
  'tickets.list': 'All tickets',
  'ticket.messages': 'Conversation',
  'ticket.internal_notes': 'Internal notes',
  'ticket.reply': 'Reply',
  'audit.log': 'Audit trail',
  'admin.layouts': 'Role layouts',
  'admin.roles': 'Role definitions',
};

const label = (labels: Record<string, string>, id: string) => labels[id] ?? id;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (text !== undefined) node.append(showText(text));
  return node;
}

/** Renders `policy` into `container`, replacing what was there. */
export function renderWorkspace(container: HTMLElement, policy: PolicyDto): void {
  const heading = el('h2', 'Your workspace');
  heading.id = 'workspace-title';
  const roles = policy.roles.length ? policy.roles.join(', ') : 'none';
  const until = new Date(policy.expiresAt * 1000).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  const meta = el('p', `Role: ${roles} · permissions valid until ${until}`);
  meta.className = 'muted';
  meta.dataset.testid = 'policy-version';
  meta.dataset.version = String(policy.version);
  meta.title = `Permissions version ${policy.version}`;
  const children: Node[] = [heading, meta];
  const pages = policy.pages.filter((p) => p.widgets.length > 0);
  if (pages.length === 0) {
    const none = el('p', 'Your role gives you no pages yet. Ask an administrator for access.');
    none.dataset.testid = 'no-pages';
    children.push(none);
  }
  for (const page of pages) {
    const section = el('section');
    section.className = 'page';
    section.dataset.page = page.page;
    const title = el('h3', label(PAGE_LABELS, page.page));
    title.id = `page-${page.page}`;
    section.setAttribute('aria-labelledby', title.id);
    const list = el('ol');
    for (const widget of page.widgets) {
      const item = el('li', label(WIDGET_LABELS, widget));
      item.dataset.layoutWidget = widget;
      list.append(item);
    }
    section.append(title, list);
    children.push(section);
  }
  container.setAttribute('aria-labelledby', heading.id);
  container.replaceChildren(...children);
}

/** Shows why the permissions could not be shown (the previous ones, if any, stay visible). */
export function renderPolicyProblem(container: HTMLElement, text: string): void {
  let note = container.querySelector<HTMLElement>('[data-testid="policy-problem"]');
  if (!note) {
    note = el('p');
    note.className = 'warning';
    note.dataset.testid = 'policy-problem';
    note.setAttribute('role', 'alert');
    container.append(note);
  }
  // The reason may quote the server.
  note.replaceChildren(showText(text));
}
