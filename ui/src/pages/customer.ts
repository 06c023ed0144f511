// The customer page: the customer fetched once, then each widget the layout grants, in layout
// order, through `CUSTOMER_WIDGETS`, a registry with one renderer for every customer widget of
// desk-core (a widget added or renamed there is a type error here). Transactions and tickets are
// fetched only when their widget is in the layout.
import type { Customer } from '../api';
import { el } from '../dom';
import { fieldValue, formatAmount, formatTime, showText } from '../format';
import type { Field } from '../generated/Field';
import { type WidgetOf, widgetsOf } from '../layout';
import { busy, link, note, type PageContext, problem, widgetFrame } from './context';

type CustomerWidget = (section: HTMLElement, customer: Customer, ctx: PageContext) => void | Promise<void>;

/** A term and its value in a description list. */
function row(label: string, value: Node): HTMLElement {
  return el('div', {}, el('dt', { text: label }), el('dd', {}, value));
}

/** A list of `items`, or `empty` when there are none. */
function listOr(items: HTMLElement[], empty: string): HTMLElement {
  return items.length ? el('ul', {}, ...items) : note(empty);
}

/** One renderer per customer-page widget; the layout chooses which run, in which order. */
export const CUSTOMER_WIDGETS: Record<WidgetOf<'customer'>, CustomerWidget> = {
  'customer.summary': (section, c, ctx) => {
    const dl = el('dl', {}, row('Name', fieldValue('customer.name', c.name, ctx.policy.fields)));
    if (c.tier) dl.append(row('Tier', fieldValue('customer.tier', c.tier, ctx.policy.fields)));
    if (c.status) dl.append(row('Status', fieldValue('customer.status', c.status, ctx.policy.fields)));
    section.append(dl);
  },
  'customer.contact': (section, c, ctx) => {
    const dl = el('dl');
    const fields: [string, Field, string | undefined][] = [
      ['E-mail', 'customer.email', c.email],
      ['Phone', 'customer.phone', c.phone],
      ['Born', 'customer.date_of_birth', c.date_of_birth],
      ['Address', 'customer.address', c.address],
    ];
    for (const [label, field, value] of fields) {
      if (value !== undefined) dl.append(row(label, fieldValue(field, value, ctx.policy.fields)));
    }
    section.append(dl);
  },
  'customer.accounts': (section, c, ctx) => {
    const items = (c.accounts ?? []).map((a) => {
      const item = el('li');
      // Restricted values such as the account number are never kept offline.
      item.append(a.number ? fieldValue('account.number', a.number, ctx.policy.fields) : 'Account');
      if (a.balance !== undefined) item.append(' · ', showText(formatAmount(a.balance, a.currency)));
      if (a.status) item.append(showText(` · ${a.status}`));
      return item;
    });
    section.append(listOr(items, 'No accounts.'));
  },
  'customer.cards': (section, c, ctx) => {
    const items = (c.accounts ?? []).flatMap((a) => a.cards ?? []).map((card) => {
      const item = el('li');
      item.append(showText(`${card.brand ?? 'Card'} `), fieldValue('card.number', card.number, ctx.policy.fields));
      if (card.status) item.append(showText(` · ${card.status}`));
      return item;
    });
    section.append(listOr(items, 'No cards.'));
  },
  'customer.recent_transactions': recentTransactions,
  'customer.open_tickets': openTickets,
};

/** The latest ten transactions, and a link to all of them when the layout has that page. */
async function recentTransactions(section: HTMLElement, c: Customer, ctx: PageContext): Promise<void> {
  const answer = await ctx.api.listTransactions(c.id, { limit: 10 });
  ctx.sourced(answer);
  const table = el('table');
  const head = el('tr');
  for (const h of ['When', 'Amount', 'Merchant', 'Status']) head.append(el('th', { text: h }));
  table.append(head);
  for (const t of answer.value.items) {
    table.append(
      el(
        'tr',
        {},
        el('td', { text: formatTime(t.time) }),
        el('td', { text: formatAmount(t.amount, t.currency), className: 'amount' }),
        el('td', { text: t.merchant ?? '' }),
        el('td', { text: t.status ?? '' }),
      ),
    );
  }
  section.append(answer.value.items.length ? table : note('No transactions.'));
  if (widgetsOf(ctx.policy, 'transactions').includes('transactions.table')) {
    section.append(link('All transactions', () => ctx.openTransactions(c.id), 'all-transactions'));
  }
}

/** The tickets not closed, and a link to all of them when the layout has that page. */
async function openTickets(section: HTMLElement, c: Customer, ctx: PageContext): Promise<void> {
  const answer = await ctx.api.listTickets(c.id);
  ctx.sourced(answer);
  const open = answer.value.items.filter((t) => t.status !== 'closed');
  const items = open.map((t) => {
    const subject = link(t.subject ?? `Ticket ${t.id}`, () => ctx.openTicket(t.id));
    subject.dataset.ticket = String(t.id);
    return el('li', {}, subject, showText(` · ${t.priority ?? ''} · ${t.status ?? ''}`));
  });
  section.append(listOr(items, 'No open tickets.'));
  if (widgetsOf(ctx.policy, 'tickets').includes('tickets.list')) {
    section.append(link('All tickets', () => ctx.openTickets(c.id), 'all-tickets'));
  }
}

/** Renders customer `id`'s page: fetched once, then each granted widget in layout order. */
export async function renderCustomer(root: HTMLElement, id: number, ctx: PageContext): Promise<void> {
  const widgets = widgetsOf(ctx.policy, 'customer').filter((w) => w in CUSTOMER_WIDGETS);
  root.replaceChildren(note('Loading the customer…'));
  if (widgets.length === 0) {
    root.replaceChildren(note('Your role shows nothing of a customer.'));
    return;
  }
  let customer: Customer;
  try {
    const answer = await busy(root, ctx.api.openCustomer(id));
    ctx.sourced(answer);
    customer = answer.value;
  } catch (err) {
    root.replaceChildren(problem(err));
    return;
  }
  const heading = el('h2', { text: customer.name ?? `Customer ${customer.id}` });
  heading.tabIndex = -1;
  const parts = widgets.map((w) => ({ render: CUSTOMER_WIDGETS[w], section: widgetFrame(w) }));
  root.replaceChildren(heading, el('div', { className: 'widgets' }, ...parts.map((p) => p.section)));
  // Keyboard and screen-reader users start at the top of the page they opened.
  if (!ctx.embedded && !root.contains(document.activeElement)) heading.focus({ preventScroll: true });
  await Promise.all(
    parts.map(async ({ render, section }) => {
      try {
        await render(section, customer, ctx);
      } catch (err) {
        section.append(problem(err));
      }
    }),
  );
}
