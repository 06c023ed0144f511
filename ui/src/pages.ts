// The pages an agent works in, each rendered from its layout through one widget registry: a
// widget the verified policy does not grant is not in the layout, so it is neither rendered nor
// fetched for. All server text is set as text, never as HTML, and through `showText`, so its
// bidi controls and invisible characters are shown as markers and never act.
import type { Api, CustomerDto, MessageDto, PolicyDto, SourcedDto, TicketDto } from './api';
import { explain } from './api';
import { fieldValue, formatAmount, formatTime, showText } from './format';
import { WIDGET_LABELS } from './workspace';

/** What every widget of a page gets. */
export type PageContext = {
  api: Api;
  policy: PolicyDto;
  /** Opens a customer's page. */
  openCustomer: (id: number) => void;
  /** Opens a ticket's page. */
  openTicket: (id: number) => void;
  /** Opens a customer's transactions page. */
  openTransactions: (customerId: number) => void;
  /** Opens a customer's tickets page. */
  openTickets: (customerId: number) => void;
  /** Reports where the data on screen came from, for the offline banner. */
  sourced: (answer: SourcedDto<unknown>) => void;
};

/** The ordered widgets of `page` in the policy's layout. */
export function widgetsOf(policy: PolicyDto, page: string): string[] {
  return policy.pages.find((p) => p.page === page)?.widgets ?? [];
}

/** An element holding `text` (as `showText` shows it: labels and record text alike). */
function el<K extends keyof HTMLElementTagNameMap>(tag: K, text?: string, className?: string) {
  const node = document.createElement(tag);
  if (text !== undefined) node.append(showText(text));
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

/** Marks `root` busy (for screen readers) while `work` runs. */
async function busy<T>(root: HTMLElement, work: Promise<T>): Promise<T> {
  root.setAttribute('aria-busy', 'true');
  try {
    return await work;
  } finally {
    root.removeAttribute('aria-busy');
  }
}

/** A link-styled button, for moving between pages. */
function link(text: string, onClick: () => void, testId?: string): HTMLButtonElement {
  const b = el('button', text, 'link');
  b.type = 'button';
  if (testId) b.dataset.testid = testId;
  b.addEventListener('click', onClick);
  return b;
}

function problem(err: unknown): HTMLElement {
  const p = el('p', undefined, 'warning');
  p.setAttribute('role', 'alert');
  // The reason may quote the server.
  p.append(showText(explain(err)));
  return p;
}

/** What each search key reads, as the search field names it. */
const SEARCH_KEY_WORDS: Record<string, string> = {
  name: 'name',
  email: 'e-mail address',
  phone: 'phone',
  account: 'account number',
};

/**
 * What the search field accepts, from the keys the policy grants: `Name, e-mail address, phone
 * or account number`, or `Name only` for a role that searches by name alone. The server refuses
 * any other kind of search, so the field says so rather than let the agent find out.
 */
export function searchHint(keys: readonly string[]): string {
  const words = keys.map((k) => SEARCH_KEY_WORDS[k]).filter((w): w is string => !!w);
  if (words.length === 0) return 'Searching is not part of your role';
  const phrase =
    words.length === 1
      ? `${words[0]} only`
      : `${words.slice(0, -1).join(', ')} or ${words[words.length - 1]}`;
  return phrase.charAt(0).toUpperCase() + phrase.slice(1);
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
  input.placeholder = searchHint(ctx.policy.searchBy);
  input.setAttribute('aria-label', `Search customers: ${input.placeholder}`);
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
      delete list.dataset.query;
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
      // Which text these results answer (tests wait for the last one typed).
      list.dataset.query = text;
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
      if (a.balance !== null) item.append(' · ', showText(formatAmount(a.balance, a.currency)));
      if (a.status) item.append(showText(` · ${a.status}`));
      list.append(item);
    }
    section.append(list.childElementCount ? list : el('p', 'No accounts.', 'muted'));
  },
  'customer.cards': (section, { customer: c }, ctx) => {
    const list = el('ul');
    for (const card of (c.accounts ?? []).flatMap((a) => a.cards ?? [])) {
      const item = el('li');
      item.append(showText(`${card.brand ?? 'Card'} `), fieldValue('card.number', card.number, ctx.policy.fields));
      if (card.status) item.append(showText(` · ${card.status}`));
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
    if (widgetsOf(ctx.policy, 'transactions').includes('transactions.table')) {
      section.append(link('All transactions', () => ctx.openTransactions(c.id), 'all-transactions'));
    }
  },
  'customer.open_tickets': async (section, { customer: c }, ctx) => {
    const answer = await ctx.api.listTickets(c.id);
    ctx.sourced(answer);
    const open = answer.value.items.filter((t) => t.status !== 'closed');
    const list = el('ul');
    for (const t of open) {
      const item = el('li');
      const subject = link(t.subject ?? `Ticket ${t.id}`, () => ctx.openTicket(t.id));
      subject.dataset.ticket = String(t.id);
      item.append(subject, showText(` · ${t.priority ?? ''} · ${t.status ?? ''}`));
      list.append(item);
    }
    section.append(open.length ? list : el('p', 'No open tickets.', 'muted'));
    if (widgetsOf(ctx.policy, 'tickets').includes('tickets.list')) {
      section.append(link('All tickets', () => ctx.openTickets(c.id), 'all-tickets'));
    }
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
    const answer = await busy(root, ctx.api.openCustomer(id));
    ctx.sourced(answer);
    customer = answer.value;
  } catch (err) {
    root.replaceChildren(problem(err));
    return;
  }
  const heading = el('h2', customer.name ?? `Customer ${customer.id}`);
  heading.tabIndex = -1;
  const parts = widgets.map((w) => ({ render: CUSTOMER_WIDGETS[w], section: widgetFrame(w) }));
  root.replaceChildren(heading, el('div', undefined, 'widgets'));
  root.lastElementChild!.append(...parts.map((p) => p.section));
  // Keyboard and screen-reader users start at the top of the page they opened.
  if (!root.contains(document.activeElement)) heading.focus({ preventScroll: true });
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
  // Server text: set as text only, whatever it contains. Its direction is its own, line by line
  // (`dir="auto"`, and `unicode-bidi: plaintext` in the CSS), isolated from the page around it.
  const body = el('p', m.body ?? '', 'message-body');
  body.dir = 'auto';
  item.append(meta, body);
  return item;
}

/** Renders ticket `id`: its conversation, its internal notes and the reply box, as granted. */
export async function renderTicket(root: HTMLElement, id: number, ctx: PageContext): Promise<void> {
  const widgets = widgetsOf(ctx.policy, 'ticket');
  root.replaceChildren(el('p', 'Loading the ticket…', 'muted'));
  let ticket: TicketDto;
  try {
    const answer = await busy(root, ctx.api.openTicket(id));
    ctx.sourced(answer);
    ticket = answer.value;
  } catch (err) {
    root.replaceChildren(problem(err));
    return;
  }
  const heading = el('h2', ticket.subject ?? `Ticket ${ticket.id}`);
  heading.tabIndex = -1;
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
  const customer = link('Customer page', () => ctx.openCustomer(ticket.customerId), 'ticket-customer');
  root.replaceChildren(heading, meta, customer, ...sections);
  if (!root.contains(document.activeElement)) heading.focus({ preventScroll: true });
}

const TICKET_FILTERS: [string, string, (status: string | null) => boolean][] = [
  ['open', 'Not closed', (st) => st !== 'closed'],
  ['closed', 'Closed', (st) => st === 'closed'],
  ['all', 'All', () => true],
];

/**
 * Renders every ticket of a customer (`tickets.list`), most recently updated first, with a
 * status filter and, when the customer has more than a page of tickets, a button for the next.
 */
export async function renderTickets(root: HTMLElement, customerId: number, ctx: PageContext): Promise<void> {
  if (!widgetsOf(ctx.policy, 'tickets').includes('tickets.list')) {
    root.replaceChildren(el('p', 'Your role shows no ticket list.', 'muted'));
    return;
  }
  const section = widgetFrame('tickets.list');
  const filter = el('select');
  filter.setAttribute('aria-label', 'Show tickets');
  filter.dataset.testid = 'tickets-filter';
  for (const [value, text] of TICKET_FILTERS) {
    const option = el('option', text);
    option.value = value;
    filter.append(option);
  }
  const note = el('p', 'Loading tickets…', 'muted');
  note.setAttribute('role', 'status');
  const table = el('table');
  table.dataset.testid = 'tickets-table';
  const head = el('tr');
  for (const h of ['Subject', 'Status', 'Priority', 'Opened', 'Updated']) head.append(el('th', h));
  const body = el('tbody');
  table.append(el('thead'), body);
  table.tHead!.append(head);
  const more = el('button', 'More tickets');
  more.type = 'button';
  more.className = 'secondary';
  more.hidden = true;
  section.append(filter, note, table, more);
  root.replaceChildren(
    link('Customer page', () => ctx.openCustomer(customerId), 'tickets-customer'),
    section,
  );

  let tickets: TicketDto[] = [];
  let cursor: string | null = null;
  const draw = () => {
    const keep = TICKET_FILTERS.find(([value]) => value === filter.value)?.[2] ?? (() => true);
    const shown = tickets.filter((t) => keep(t.status));
    body.replaceChildren(
      ...shown.map((t) => {
        const tr = el('tr');
        const subject = link(t.subject ?? `Ticket ${t.id}`, () => ctx.openTicket(t.id));
        subject.dataset.ticket = String(t.id);
        const cell = el('td');
        cell.append(subject);
        tr.append(
          cell,
          el('td', t.status ?? ''),
          el('td', t.priority ?? ''),
          el('td', formatTime(t.createdAt)),
          el('td', formatTime(t.updatedAt)),
        );
        return tr;
      }),
    );
    table.hidden = shown.length === 0;
    note.textContent = shown.length
      ? `${shown.length} of ${tickets.length} tickets${cursor ? ' loaded so far' : ''}`
      : tickets.length
        ? 'No tickets match this filter.'
        : 'This customer has no tickets.';
  };
  const load = async () => {
    more.disabled = true;
    try {
      const answer = await busy(root, ctx.api.listTickets(customerId, cursor ?? undefined));
      ctx.sourced(answer);
      tickets = tickets.concat(answer.value.items);
      cursor = answer.value.nextCursor;
      more.hidden = cursor === null;
      draw();
    } catch (err) {
      note.replaceChildren(problem(err));
    } finally {
      more.disabled = false;
    }
  };
  filter.addEventListener('change', draw);
  more.addEventListener('click', () => void load());
  await load();
}

/**
 * Unsent replies by ticket, so that re-drawing the page (a pushed layout, coming back online,
 * going elsewhere and back) does not lose what the agent was writing. In memory only, never
 * stored; forgotten once sent and on sign-out.
 */
const drafts = new Map<number, { text: string; internal: boolean }>();

/** Forgets every unsent reply (sign-out). */
export function forgetDrafts(): void {
  drafts.clear();
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
  const draft = drafts.get(ticketId);
  area.value = draft?.text ?? '';
  internal.checked = notes && (draft?.internal ?? false);
  const keep = () => {
    if (area.value) drafts.set(ticketId, { text: area.value, internal: internal.checked });
    else drafts.delete(ticketId);
  };
  area.addEventListener('input', keep);
  internal.addEventListener('change', keep);
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
      drafts.delete(ticketId);
      ctx.openTicket(ticketId);
    } catch (err) {
      status.replaceChildren(problem(err));
      send.disabled = false;
    }
  });
  return form;
}

/** Height of one transaction row in pixels; the table renders only the rows in view. */
export const ROW_HEIGHT = 32;
const STATUSES = ['pending', 'settled', 'declined', 'refunded', 'disputed'];

/**
 * Renders a customer's transactions: filters (date range, status) and a windowed table that
 * keeps only the rows in view in the DOM, so 10,000 rows scroll smoothly; the next page is
 * fetched (by cursor) as the agent nears the end.
 */
export async function renderTransactions(root: HTMLElement, customerId: number, ctx: PageContext): Promise<void> {
  if (!widgetsOf(ctx.policy, 'transactions').includes('transactions.table')) {
    root.replaceChildren(el('p', 'Your role shows no transaction list.', 'muted'));
    return;
  }
  const section = widgetFrame('transactions.table');
  const form = el('form', undefined, 'filters');
  const labelled = <T extends HTMLElement>(text: string, control: T): [HTMLLabelElement, T] => {
    const label = el('label');
    label.append(el('span', text, 'muted'), control);
    control.setAttribute('aria-label', text);
    return [label, control];
  };
  const [fromLabel, from] = labelled('From', el('input'));
  from.type = 'date';
  const [toLabel, to] = labelled('Before', el('input'));
  to.type = 'date';
  const [statusLabel, status] = labelled('Status', el('select'));
  status.append(el('option', 'Any status'), ...STATUSES.map((s) => el('option', s)));
  status.options[0]!.value = '';
  const apply = el('button', 'Apply');
  apply.type = 'submit';
  form.append(fromLabel, toLabel, statusLabel, apply);
  const note = el('p', '', 'muted');
  note.setAttribute('role', 'status');
  const viewport = el('div', undefined, 'table-viewport');
  viewport.setAttribute('role', 'grid');
  viewport.setAttribute('aria-label', 'Transactions');
  viewport.tabIndex = 0;
  viewport.dataset.testid = 'transactions-table';
  const spacer = el('div', undefined, 'table-spacer');
  const header = el('div', undefined, 'table-row table-head');
  header.setAttribute('role', 'row');
  for (const h of ['When', 'Amount', 'Merchant', 'Status', 'Card', 'Description']) {
    const cell = el('span', h, h === 'Amount' ? 'cell amount' : 'cell');
    cell.setAttribute('role', 'columnheader');
    header.append(cell);
  }
  viewport.append(header, spacer);
  section.append(form, note, viewport);
  root.replaceChildren(link('Customer page', () => ctx.openCustomer(customerId), 'transactions-customer'), section);

  let rows: import('./api').TransactionDto[] = [];
  let cursor: string | null = null;
  let loading = false;
  let generation = 0;
  /** The row the keyboard is on (-1: none yet). */
  let active = -1;

  const draw = () => {
    spacer.style.height = `${rows.length * ROW_HEIGHT}px`;
    viewport.setAttribute('aria-rowcount', String(rows.length));
    const first = Math.max(0, Math.floor(viewport.scrollTop / ROW_HEIGHT) - 10);
    const visible = Math.ceil((viewport.clientHeight || 600) / ROW_HEIGHT) + 20;
    const shown = rows.slice(first, first + visible).map((t, i) => {
      const row = el('div', undefined, 'table-row');
      row.setAttribute('role', 'row');
      row.setAttribute('aria-rowindex', String(first + i + 1));
      row.id = `transaction-row-${first + i}`;
      if (first + i === active) {
        row.setAttribute('aria-selected', 'true');
        row.classList.add('active');
      }
      row.style.top = `${(first + i) * ROW_HEIGHT}px`;
      const cells: (string | Node)[] = [
        formatTime(t.time),
        formatAmount(t.amount, t.currency),
        t.merchant ?? '',
        t.status ?? '',
        t.cardNumber ? fieldValue('transaction.card_number', t.cardNumber, ctx.policy.fields) : '',
        t.description ?? '',
      ];
      for (const [j, c] of cells.entries()) {
        const cell = el('span', undefined, j === 1 ? 'cell amount' : 'cell');
        cell.setAttribute('role', 'gridcell');
        cell.append(typeof c === 'string' ? showText(c) : c);
        row.append(cell);
      }
      return row;
    });
    spacer.replaceChildren(...shown);
    if (active >= 0) viewport.setAttribute('aria-activedescendant', `transaction-row-${active}`);
  };

  const load = async (fresh: boolean) => {
    if (loading || (!fresh && cursor === null)) return;
    loading = true;
    const mine = fresh ? ++generation : generation;
    if (fresh) active = -1;
    note.textContent = fresh ? 'Loading transactions…' : 'Loading more…';
    try {
      const answer = await busy(viewport, ctx.api.listTransactions(customerId, {
        from: from.value || undefined,
        to: to.value || undefined,
        status: status.value || undefined,
        limit: 200,
        cursor: fresh ? undefined : (cursor ?? undefined),
      }));
      if (mine !== generation) return;
      ctx.sourced(answer);
      rows = fresh ? answer.value.items : rows.concat(answer.value.items);
      cursor = answer.value.nextCursor;
      note.textContent = `${rows.length} transactions${cursor ? ' (scroll for more)' : ''}`;
      draw();
    } catch (err) {
      note.replaceChildren(problem(err));
    } finally {
      loading = false;
    }
  };

  let frame = 0;
  viewport.addEventListener('scroll', () => {
    cancelAnimationFrame(frame);
    frame = requestAnimationFrame(() => {
      draw();
      if (viewport.scrollTop + viewport.clientHeight > rows.length * ROW_HEIGHT - 20 * ROW_HEIGHT) void load(false);
    });
  });
  // Keyboard: arrows move one row, Page Up/Down a screenful, Home/End to either end (End also
  // fetches the next page, like scrolling there).
  viewport.addEventListener('keydown', (e) => {
    const page = Math.max(1, Math.floor(viewport.clientHeight / ROW_HEIGHT) - 1);
    const moves: Record<string, number> = {
      ArrowDown: active + 1,
      ArrowUp: active - 1,
      PageDown: active + page,
      PageUp: active - page,
      Home: 0,
      End: rows.length - 1,
    };
    if (!(e.key in moves) || rows.length === 0) return;
    e.preventDefault();
    active = Math.max(0, Math.min(moves[e.key]!, rows.length - 1));
    const top = active * ROW_HEIGHT;
    if (top < viewport.scrollTop) viewport.scrollTop = top;
    // Rows start below the column names, which stay at the top of the viewport.
    else if (header.offsetHeight + top + ROW_HEIGHT > viewport.scrollTop + viewport.clientHeight)
      viewport.scrollTop = header.offsetHeight + top + ROW_HEIGHT - viewport.clientHeight;
    draw();
    if (active >= rows.length - 20) void load(false);
  });
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    viewport.scrollTop = 0;
    void load(true);
  });
  await load(true);
}
