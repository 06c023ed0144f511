// The layout's vocabulary as the window reads it: the names of pages and widgets as agents read
// them, and the widgets of each page. The ids are the Rust ones (`Page`, `Widget`, generated from
// desk-core), and each registry is a record over them, so a page or widget added or renamed in
// Rust is a type error here until it is named.
import type { Page } from './generated/Page';
import type { PolicyDto } from './generated/PolicyDto';
import type { Role } from './generated/Role';
import type { Widget } from './generated/Widget';

/**
 * The widgets of page `P`. desk-core names every widget `page.widget` after its page (its test
 * `names_round_trip` holds it to that), so a page's widgets are the ones with its prefix.
 */
export type WidgetOf<P extends Page> = Extract<Widget, `${P}.${string}`>;

/** Names of pages as agents read them. */
export const PAGE_LABELS: Record<Page, string> = {
  search: 'Search',
  customer: 'Customer',
  transactions: 'Transactions',
  tickets: 'Tickets',
  ticket: 'Ticket',
  audit: 'Audit trail',
  admin: 'Administration',
};

/** Names of the product's roles as administrators read them, in desk-core's order. */
export const ROLE_LABELS: Record<Role, string> = {
  agent_l1: 'Agent, first line',
  agent_l2: 'Agent, second line',
  supervisor: 'Supervisor',
  admin: 'Administrator',
};

/** Names of widgets as agents read them. */
export const WIDGET_LABELS: Record<Widget, string> = {
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
  'admin.agents': 'Agents and devices',
};

/** Whether `widget` is one of `page`'s (by its name, as `WidgetOf` says). */
function isOn<P extends Page>(page: P, widget: Widget): widget is WidgetOf<P> {
  return widget.startsWith(`${page}.`);
}

/** The ordered widgets of `page` in the policy's layout. */
export function widgetsOf<P extends Page>(policy: PolicyDto, page: P): WidgetOf<P>[] {
  const widgets = policy.pages.find((p) => p.page === page)?.widgets ?? [];
  // The app verified that the layout puts each widget on its own page; the filter only lets
  // the type say so.
  return widgets.filter((w): w is WidgetOf<P> => isOn(page, w));
}
