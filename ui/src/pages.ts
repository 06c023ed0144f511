// The pages an agent works in, each rendered from its layout through one widget registry: a
// widget the verified policy does not grant is not in the layout, so it is neither rendered nor
// fetched for. All server text is set as text, never as HTML.
import type { Api, CustomerDto, MessageDto, PolicyDto, SourcedDto, TicketDto } from './api';
import { CommandError } from './api';
import { fieldValue, formatAmount, formatTime } from './format';
import { WIDGET_LABELS } from './workspace';

/** What every widget of a page gets. */
export type PageContext = {
  api: Api;
  policy: PolicyDto;
  /** Opens a customer's page. */
  openCustomer: (id: number) => void;
  /** Opens a ticket's page. */
  openTicket: (id: number) => void;
  /** Reports where the data on screen came from, for the offline banner. */
  sourced: (answer: SourcedDto<unknown>) => void;
};

/** The ordered widgets of `page` in the policy's layout. */
export function widgetsOf(policy: PolicyDto, page: string): string[] {
  return policy.pages.find((p) => p.page === page)?.widgets ?? [];
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, text?: string, className?: string) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

function widgetFrame(id: string): HTMLElement {
  const section = el('section', undefined, 'widget');
  section.dataset.widget = id;
  const title = el('h3', WIDGET_LABELS[id] ?? id);
  title.id = `widget-${id.replace('.', '-')}`;
  section.setAttribute('aria-labelledby', title.id);
  section.append(title);
  return section;
}

function problem(err: unknown): HTMLElement {
  const p = el('p', undefined, 'warning');
  p.setAttribute('role', 'alert');
  p.textContent =
    err instanceof CommandError && err.code === 'not_cached'
      ? 'You are offline and this is not in the local cache.'
      : err instanceof CommandError
        ? err.message
        : 'Something went wrong; try again.';
  return p;
}

/** Renders the search page: the search field (focused) and the results, keyboard first. */
export function renderSearch(root: HTMLElement, ctx: PageContext): void {
  const widgets = widgetsOf(ctx.policy, 'search');
  const sections = new Map(widgets.map((w) => [w, widgetFrame(w)]));
  root.replaceChildren(...sections.values());
  const box = sections.get('search.box');
  const results = sections.get('search.results');
  if (!box) return;
  const input = el('input');
  input.type = 'search';
  input.placeholder = 'Name, e-mail address, phone or account number';
  input.setAttribute('aria-label', 'Search customers');
  input.dataset.testid = 'search-input';
  const status = el('p', '', 'muted');
  status.setAttribute('role', 'status');
  box.append(input, status);
  const list = el('ul', undefined, 'results');
  list.setAttribute('role', 'listbox');
  list.dataset.testid = 'search-results';
  results?.append(list);
  let active = -1;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let asked = 0;
  const options = () => [...list.querySelectorAll<HTMLElement>('[role="option"]')];
  const highlight = (i: number) => {
    const all = options();
    active = Math.max(0, Math.min(i, all.length - 1));
    all.forEach((o, j) => o.setAttribute('aria-selected', String(j === active)));
  };
  const search = async () => {
    const text = input.value.trim();
    const mine = ++asked;
    if (!text) {
      list.replaceChildren();
      status.textContent = '';
      return;
    }
    status.textContent = 'Searching…';
    try {
      const answer = await ctx.api.searchCustomers(text);
      if (mine !== asked) return;
      ctx.sourced(answer);
      list.replaceChildren(
        ...answer.value.items.map((c) => {
          const item = el('li');
          item.setAttribute('role', 'option');
          item.dataset.customer = String(c.id);
          item.append(
            el('strong', c.name ?? `Customer ${c.id}`),
            ' ',
            fieldValue('customer.email', c.email, ctx.policy.fields),
          );
          item.addEventListener('click', () => ctx.openCustomer(c.id));
          return item;
        }),
      );
      active = -1;
      status.textContent = answer.value.items.length ? '' : 'No customer matches.';
    } catch (err) {
      if (mine === asked) status.replaceChildren(problem(err));
    }
  };
  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => void search(), 150);
  });
  input.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowDown') {
      highlight(active + 1);
      e.preventDefault();
    } else if (e.key === 'ArrowUp') {
      highlight(active - 1);
      e.preventDefault();
    } else if (e.key === 'Enter') {
      const chosen = options()[Math.max(active, 0)];
      if (chosen) ctx.openCustomer(Number(chosen.dataset.customer));
      else void search();
    }
  });
  input.focus();
}

type CustomerData = {
  customer: CustomerDto;
};

type CustomerWidget = (section: HTMLElement, data: CustomerData, ctx: PageContext) => void | Promise<void>;

function row(label: string, value: Node): HTMLElement {
  const dt = el('dt', label);
  const dd = el('dd');
  dd.append(value);
  const div = el('div');
  div.append(dt, dd);
  return div;
}

/** One renderer per customer-page widget id; the layout chooses which run, in which order. */
export const CUSTOMER_WIDGETS: Record<string, CustomerWidget> = {
  'customer.summary': (section, { customer: c }, ctx) => {
    const dl = el('dl');
    dl.append(row('Name', fieldValue('customer.name', c.name, ctx.policy.fields)));
    if (c.tier) dl.append(row('Tier', fieldValue('customer.tier', c.tier, ctx.policy.fields)));
    if (c.status) dl.append(row('Status', fieldValue('customer.status', c.status, ctx.policy.fields)));
    section.append(dl);
  },
  'customer.contact': (section, { customer: c }, ctx) => {
    const dl = el('dl');
    const fields: [string, string, string | null][] = [
      ['E-mail', 'customer.email', c.email],
      ['Phone', 'customer.phone', c.phone],
      ['Born', 'customer.date_of_birth', c.dateOfBirth],
      ['Address', 'customer.address', c.address],
    ];
    for (const [label, field, value] of fields) {
      if (value !== null) dl.append(row(label, fieldValue(field, value, ctx.policy.fields)));
    }
    section.append(dl);
  },
  'customer.accounts': (section, { customer: c }, ctx) => {
    const list = el('ul');
    for (const a of c.accounts ?? []) {
      const item = el('li');
      // Restricted values such as the account number are never kept offline.
      item.append(a.number ? fieldValue('account.number', a.number, ctx.policy.fields) : 'Account');
      if (a.balance !== null) item.append(' · ', formatAmount(a.balance, a.currency));
      if (a.status) item.append(` · ${a.status}`);
      list.append(item);
    }
    section.append(list.childElementCount ? list : el('p', 'No accounts.', 'muted'));
  },
  'customer.cards': (section, { customer: c }, ctx) => {
    const list = el('ul');
    for (const card of (c.accounts ?? []).flatMap((a) => a.cards ?? [])) {
      const item = el('li');
      item.append(`${card.brand ?? 'Card'} `, fieldValue('card.number', card.number, ctx.policy.fields));
      if (card.status) item.append(` · ${card.status}`);
      list.append(item);
    }
    section.append(list.childElementCount ? list : el('p', 'No cards.', 'muted'));
  },
  'customer.recent_transactions': async (section, { customer: c }, ctx) => {
    const answer = await ctx.api.listTransactions(c.id, { limit: 10 });
    ctx.sourced(answer);
    const table = el('table');
    const head = el('tr');
    for (const h of ['When', 'Amount', 'Merchant', 'Status']) head.append(el('th', h));
    table.append(head);
    for (const t of answer.value.items) {
      const tr = el('tr');
      tr.append(
        el('td', formatTime(t.time)),
        el('td', formatAmount(t.amount, t.currency), 'amount'),
        el('td', t.merchant ?? ''),
        el('td', t.status ?? ''),
      );
      table.append(tr);
    }
    section.append(answer.value.items.length ? table : el('p', 'No transactions.', 'muted'));
  },
  'customer.open_tickets': async (section, { customer: c }, ctx) => {
    const answer = await ctx.api.listTickets(c.id);
    ctx.sourced(answer);
    const open = answer.value.items.filter((t) => t.status !== 'closed');
    const list = el('ul');
    for (const t of open) {
      const item = el('li');
      const link = el('button', t.subject ?? `Ticket ${t.id}`, 'link');
      link.type = 'button';
      link.dataset.ticket = String(t.id);
      link.addEventListener('click', () => ctx.openTicket(t.id));
      item.append(link, ` · ${t.priority ?? ''} · ${t.status ?? ''}`);
      list.append(item);
    }
    section.append(open.length ? list : el('p', 'No open tickets.', 'muted'));
  },
};

/** Renders customer `id`'s page: fetched once, then each granted widget in layout order. */
export async function renderCustomer(root: HTMLElement, id: number, ctx: PageContext): Promise<void> {
  const widgets = widgetsOf(ctx.policy, 'customer').filter((w) => w in CUSTOMER_WIDGETS);
  root.replaceChildren(el('p', 'Loading the customer…', 'muted'));
  if (widgets.length === 0) {
    root.replaceChildren(el('p', 'Your role shows nothing of a customer.', 'muted'));
    return;
  }
  let customer: CustomerDto;
  try {
    const answer = await ctx.api.openCustomer(id);
    ctx.sourced(answer);
    customer = answer.value;
  } catch (err) {
    root.replaceChildren(problem(err));
    return;
  }
  const heading = el('h2', customer.name ?? `Customer ${customer.id}`);
  const parts = widgets.map((w) => ({ render: CUSTOMER_WIDGETS[w], section: widgetFrame(w) }));
  root.replaceChildren(heading, ...parts.map((p) => p.section));
  await Promise.all(
    parts.map(async ({ render, section }) => {
      try {
        await render?.(section, { customer }, ctx);
      } catch (err) {
        section.append(problem(err));
      }
    }),
  );
}

function messageItem(m: MessageDto): HTMLElement {
  const item = el('li', undefined, m.internal ? 'message internal' : 'message');
  item.dataset.message = String(m.id);
  const meta = el('p', `${m.internal ? 'Internal note · ' : ''}${m.author ?? ''} · ${formatTime(m.time)}`, 'muted');
  // Server text: set as text only, whatever it contains.
  const body = el('p', m.body ?? '');
  item.append(meta, body);
  return item;
}

/** Renders ticket `id`: its conversation, its internal notes and the reply box, as granted. */
export async function renderTicket(root: HTMLElement, id: number, ctx: PageContext): Promise<void> {
  const widgets = widgetsOf(ctx.policy, 'ticket');
  root.replaceChildren(el('p', 'Loading the ticket…', 'muted'));
  let ticket: TicketDto;
  try {
    const answer = await ctx.api.openTicket(id);
    ctx.sourced(answer);
    ticket = answer.value;
  } catch (err) {
    root.replaceChildren(problem(err));
    return;
  }
  const heading = el('h2', ticket.subject ?? `Ticket ${ticket.id}`);
  const meta = el('p', `${ticket.status ?? ''} · ${ticket.priority ?? ''} · opened ${formatTime(ticket.createdAt)}`, 'muted');
  const sections: HTMLElement[] = [];
  const messages = ticket.messages ?? [];
  for (const w of widgets) {
    const section = widgetFrame(w);
    if (w === 'ticket.messages') {
      const list = el('ol', undefined, 'messages');
      list.append(...messages.filter((m) => !m.internal).map(messageItem));
      section.append(list);
    } else if (w === 'ticket.internal_notes') {
      const list = el('ol', undefined, 'messages');
      list.append(...messages.filter((m) => m.internal).map(messageItem));
      section.append(list.childElementCount ? list : el('p', 'No internal notes.', 'muted'));
    } else if (w === 'ticket.reply') {
      section.append(replyBox(ticket.id, widgets.includes('ticket.internal_notes'), ctx));
    } else {
      continue;
    }
    sections.push(section);
  }
  root.replaceChildren(heading, meta, ...sections);
}

function replyBox(ticketId: number, notes: boolean, ctx: PageContext): HTMLElement {
  const form = el('form', undefined, 'reply');
  const area = el('textarea');
  area.rows = 4;
  area.setAttribute('aria-label', 'Your reply');
  area.dataset.testid = 'reply-text';
  const internal = el('input');
  internal.type = 'checkbox';
  const internalLabel = el('label');
  internalLabel.append(internal, ' Internal note (the customer does not see it)');
  const send = el('button', 'Send reply');
  send.type = 'submit';
  send.dataset.testid = 'reply-send';
  const status = el('p', '', 'muted');
  status.setAttribute('role', 'status');
  form.append(area, ...(notes ? [internalLabel] : []), send, status);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const text = area.value.trim();
    if (!text) {
      status.textContent = 'Write a reply first.';
      return;
    }
    send.disabled = true;
    status.textContent = 'Sending…';
    try {
      await ctx.api.replyToTicket(ticketId, text, notes && internal.checked);
      ctx.openTicket(ticketId);
    } catch (err) {
      status.replaceChildren(problem(err));
      send.disabled = false;
    }
  });
  return form;
}
