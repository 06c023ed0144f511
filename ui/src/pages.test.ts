import { beforeEach, describe, expect, it, vi } from 'vitest';

import type { Api, CustomerDto, PolicyDto } from './api';
import {
  forgetDrafts,
  type PageContext,
  ROW_HEIGHT,
  renderCustomer,
  renderSearch,
  searchHint,
  renderTicket,
  renderTickets,
  renderTransactions,
} from './pages';

let root: HTMLElement;
beforeEach(() => {
  document.body.innerHTML = '<main id="page"></main>';
  root = document.getElementById('page')!;
});

const customer: CustomerDto = {
  id: 7,
  name: 'Ada <img src=x onerror=alert(1)>',
  email: 'a•••@example.com',
  phone: '•••23',
  dateOfBirth: null,
  address: null,
  tier: 'plus',
  status: 'active',
  createdAt: null,
  accounts: [
    {
      id: 71,
      number: '•••• 1234',
      currency: 'EUR',
      balance: -1250,
      status: 'open',
      openedAt: null,
      cards: [{ id: 711, number: '•••• 9999', brand: 'Visa', expiry: null, status: 'active' }],
    },
  ],
};

const policy = (search: string[], page: string[]): PolicyDto => ({
  version: 1,
  roles: ['agent_l1'],
  expiresAt: 0,
  pages: [
    { page: 'search', widgets: search },
    { page: 'customer', widgets: page },
  ],
  fields: { 'customer.name': 'full', 'customer.email': 'mask_email', 'card.number': 'last4' },
  actions: [],
  searchBy: ['name', 'email', 'phone', 'account'],
});

const empty = { items: [], nextCursor: null };

function context(p: PolicyDto, overrides: Partial<Api> = {}): PageContext & { api: Api } {
  const api = {
    searchCustomers: vi.fn(async () => ({ source: 'server', asOf: 0, value: { items: [customer], nextCursor: null } })),
    openCustomer: vi.fn(async () => ({ source: 'server', asOf: 0, value: customer })),
    listTransactions: vi.fn(async () => ({ source: 'server', asOf: 0, value: empty })),
    listTickets: vi.fn(async () => ({ source: 'server', asOf: 0, value: empty })),
    ...overrides,
  } as unknown as Api;
  return {
    api,
    policy: p,
    openCustomer: vi.fn(),
    openTicket: vi.fn(),
    openTransactions: vi.fn(),
    openTickets: vi.fn(),
    sourced: vi.fn(),
  };
}

const widgets = () => [...root.querySelectorAll<HTMLElement>('[data-widget]')].map((w) => w.dataset.widget);
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('search page', () => {
  it('focuses the field, searches as the agent types, and opens a result with the keyboard', async () => {
    const ctx = context(policy(['search.box', 'search.results'], []));
    renderSearch(root, ctx);
    const input = root.querySelector<HTMLInputElement>('[data-testid="search-input"]')!;
    expect(document.activeElement).toBe(input);
    input.value = 'ada';
    input.dispatchEvent(new Event('input'));
    await wait(200);
    expect(ctx.api.searchCustomers).toHaveBeenCalledWith('ada');
    const option = root.querySelector('[role="option"]')!;
    expect(option.querySelector('img')).toBeNull();
    expect(option.textContent).toContain('<img src=x onerror=alert(1)>');
    input.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowDown' }));
    expect(option.getAttribute('aria-selected')).toBe('true');
    input.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter' }));
    expect(ctx.openCustomer).toHaveBeenCalledWith(7);
  });

  it('renders nothing the layout does not grant', () => {
    renderSearch(root, context(policy(['search.box'], [])));
    expect(widgets()).toEqual(['search.box']);
    expect(root.querySelector('[data-testid="search-results"]')).toBeNull();
  });
});

describe('search hint', () => {
  it('says which keys the role may search by', () => {
    expect(searchHint(['name', 'email', 'phone', 'account'])).toBe('Name, e-mail address, phone or account number');
    expect(searchHint(['name'])).toBe('Name only');
    expect(searchHint(['name', 'account'])).toBe('Name or account number');
    expect(searchHint([])).toBe('Searching is not part of your role');
    expect(searchHint(['passport'])).toBe('Searching is not part of your role');
  });

  it('is the placeholder and accessible name of the search field', () => {
    const p = { ...policy(['search.box', 'search.results'], []), searchBy: ['name'] };
    renderSearch(root, context(p));
    const input = root.querySelector<HTMLInputElement>('[data-testid="search-input"]')!;
    expect(input.placeholder).toBe('Name only');
    expect(input.getAttribute('aria-label')).toBe('Search customers: Name only');
  });
});

describe('customer page', () => {
  it('renders the granted widgets in layout order and fetches only for them', async () => {
    const ctx = context(policy([], ['customer.cards', 'customer.summary']));
    await renderCustomer(root, 7, ctx);
    expect(widgets()).toEqual(['customer.cards', 'customer.summary']);
    expect(ctx.api.listTransactions).not.toHaveBeenCalled();
    expect(ctx.api.listTickets).not.toHaveBeenCalled();
    const card = root.querySelector<HTMLElement>('[data-widget="customer.cards"] .redacted')!;
    expect(card.textContent).toBe('•••• 9999');
    expect(card.title).toMatch(/last four/);
    expect(root.querySelector('img')).toBeNull();
  });

  it('fetches transactions and tickets when their widgets are granted', async () => {
    const ctx = context(policy([], ['customer.recent_transactions', 'customer.open_tickets']));
    await renderCustomer(root, 7, ctx);
    expect(ctx.api.listTransactions).toHaveBeenCalledWith(7, { limit: 10 });
    expect(ctx.api.listTickets).toHaveBeenCalledWith(7);
  });

  it('reports offline answers and says when a record is not cached', async () => {
    const { CommandError } = await import('./api');
    const ctx = context(policy([], ['customer.summary']), {
      openCustomer: vi.fn(async () => {
        throw new CommandError('not_cached', 'not in the cache');
      }),
    });
    await renderCustomer(root, 8, ctx);
    expect(root.querySelector('[role="alert"]')?.textContent).toMatch(/offline/);
  });
});

describe('ticket page', () => {
  const ticket = {
    id: 11,
    customerId: 7,
    subject: 'Card charged twice',
    status: 'open',
    priority: 'high',
    createdAt: '2026-10-01T10:00:00Z',
    updatedAt: null,
    messages: [
      { id: 1, internal: false, author: 'Ada', time: null, body: '<img src=x onerror=alert(1)>' },
      { id: 2, internal: true, author: 'agent-2', time: null, body: 'Checked with fraud team' },
    ],
  };
  const ticketPolicy = (widgets: string[]): PolicyDto => ({
    ...policy([], []),
    pages: [{ page: 'ticket', widgets }],
  });

  it('shows messages as text and internal notes only in their own widget', async () => {
    const ctx = context(ticketPolicy(['ticket.messages']), {
      openTicket: vi.fn(async () => ({ source: 'server', asOf: 0, value: ticket })),
    } as Partial<Api>);
    await renderTicket(root, 11, ctx);
    expect(root.querySelector('img')).toBeNull();
    expect(root.textContent).toContain('<img src=x onerror=alert(1)>');
    expect(root.textContent).not.toContain('fraud team');
    expect(root.querySelector('textarea')).toBeNull();
  });

  it('shows bidi controls and zero-width characters in the subject and messages as markers', async () => {
    const tricky = {
      ...ticket,
      subject: 'Refund\u200B please',
      messages: [
        { id: 3, internal: false, author: 'Ada\u2067', time: null, body: 'See invoice\u202Efdp.exe\nthanks\uFEFF' },
        { id: 4, internal: false, author: 'Ada', time: null, body: 'مرحبا، أريد استرداد المبلغ' },
      ],
    };
    const ctx = context(ticketPolicy(['ticket.messages']), {
      openTicket: vi.fn(async () => ({ source: 'server', asOf: 0, value: tricky })),
    } as Partial<Api>);
    await renderTicket(root, 11, ctx);
    for (const c of ['\u200B', '\u202E', '\u2067', '\uFEFF']) expect(root.textContent).not.toContain(c);
    expect(root.querySelector('h2')?.textContent).toBe('Refund⟨U+200B⟩ please');
    const body = root.querySelector<HTMLElement>('[data-message="3"] .message-body')!;
    expect(body.dir).toBe('auto');
    expect(body.textContent).toBe('See invoice⟨U+202E⟩fdp.exe\nthanks⟨U+FEFF⟩');
    const marker = body.querySelector<HTMLElement>('.invisible-char')!;
    expect(marker.title).toBe('U+202E RIGHT-TO-LEFT OVERRIDE');
    expect(marker.nextSibling?.textContent).toBe('fdp.exe\nthanks');
    expect(root.querySelector('[data-message="3"] .muted .invisible-char')?.textContent).toBe('⟨U+2067⟩');
    // Right-to-left text is left as it is.
    const arabic = root.querySelector<HTMLElement>('[data-message="4"] .message-body')!;
    expect(arabic.textContent).toBe('مرحبا، أريد استرداد المبلغ');
    expect(arabic.querySelector('.invisible-char')).toBeNull();
  });

  it('offers the reply box when granted, with internal notes only when those are', async () => {
    const replyToTicket = vi.fn(async () => ticket.messages[0]);
    const ctx = context(ticketPolicy(['ticket.messages', 'ticket.internal_notes', 'ticket.reply']), {
      openTicket: vi.fn(async () => ({ source: 'server', asOf: 0, value: ticket })),
      replyToTicket,
    } as Partial<Api>);
    await renderTicket(root, 11, ctx);
    expect(root.querySelector('.message.internal')?.textContent).toContain('fraud team');
    root.querySelector<HTMLTextAreaElement>('textarea')!.value = 'Refunded.';
    root.querySelector<HTMLInputElement>('input[type="checkbox"]')!.checked = true;
    root.querySelector('form')!.dispatchEvent(new Event('submit'));
    await wait(0);
    expect(replyToTicket).toHaveBeenCalledWith(11, 'Refunded.', true);
    expect(ctx.openTicket).toHaveBeenCalledWith(11);
  });

  it('keeps an unsent reply when the page is drawn again, and forgets it once sent', async () => {
    const replyToTicket = vi.fn(async () => ticket.messages[0]);
    const ctx = context(ticketPolicy(['ticket.messages', 'ticket.internal_notes', 'ticket.reply']), {
      openTicket: vi.fn(async (id: number) => ({ source: 'server', asOf: 0, value: { ...ticket, id } })),
      replyToTicket,
    } as Partial<Api>);
    const box = () => root.querySelector<HTMLTextAreaElement>('textarea')!;
    await renderTicket(root, 11, ctx);
    box().value = 'Half a thought';
    box().dispatchEvent(new Event('input'));
    root.querySelector<HTMLInputElement>('input[type="checkbox"]')!.checked = true;
    root.querySelector<HTMLInputElement>('input[type="checkbox"]')!.dispatchEvent(new Event('change'));
    root.replaceChildren();
    await renderTicket(root, 11, ctx);
    expect(box().value).toBe('Half a thought');
    expect(root.querySelector<HTMLInputElement>('input[type="checkbox"]')!.checked).toBe(true);
    root.replaceChildren();
    await renderTicket(root, 12, ctx);
    expect(box().value).toBe('');

    root.replaceChildren();
    await renderTicket(root, 11, ctx);
    root.querySelector('form')!.dispatchEvent(new Event('submit'));
    await wait(0);
    expect(replyToTicket).toHaveBeenCalledWith(11, 'Half a thought', true);
    root.replaceChildren();
    await renderTicket(root, 11, ctx);
    expect(box().value).toBe('');

    box().value = 'Another';
    box().dispatchEvent(new Event('input'));
    forgetDrafts();
    root.replaceChildren();
    await renderTicket(root, 11, ctx);
    expect(box().value).toBe('');
  });
});

describe('transactions page', () => {
  const tx = (i: number) => ({
    id: i,
    accountId: 71,
    time: '2026-10-01T10:00:00Z',
    amount: -1250,
    currency: 'EUR',
    merchant: `Shop ${i}`,
    status: 'settled',
    cardNumber: '•••• 9999',
    ipAddress: null,
    description: null,
  });
  const page = (from: number, n: number, next: string | null) => ({
    source: 'server',
    asOf: 0,
    value: { items: Array.from({ length: n }, (_, i) => tx(from + i)), nextCursor: next },
  });
  const txPolicy = (): PolicyDto => ({ ...policy([], []), pages: [{ page: 'transactions', widgets: ['transactions.table'] }] });

  it('keeps only the rows in view in the DOM, however many are loaded', async () => {
    const listTransactions = vi.fn(async () => page(0, 200, 'more'));
    const ctx = context(txPolicy(), { listTransactions } as Partial<Api>);
    await renderTransactions(root, 7, ctx);
    const grid = root.querySelector<HTMLElement>('[data-testid="transactions-table"]')!;
    expect(grid.getAttribute('aria-rowcount')).toBe('200');
    const rendered = grid.querySelectorAll('[role="row"]').length;
    expect(rendered).toBeGreaterThan(0);
    expect(rendered).toBeLessThan(80);
    expect(grid.querySelector<HTMLElement>('.table-spacer')!.style.height).toBe(`${200 * ROW_HEIGHT}px`);
    expect(listTransactions).toHaveBeenCalledWith(7, expect.objectContaining({ limit: 200 }));
  });

  it('applies the date range and status filters as a new first page', async () => {
    const listTransactions = vi.fn(async () => page(0, 3, null));
    const ctx = context(txPolicy(), { listTransactions } as Partial<Api>);
    await renderTransactions(root, 7, ctx);
    root.querySelector<HTMLInputElement>('input[aria-label="From"]')!.value = '2026-01-01';
    root.querySelector<HTMLSelectElement>('select')!.value = 'declined';
    root.querySelector('form')!.dispatchEvent(new Event('submit'));
    await wait(0);
    expect(listTransactions).toHaveBeenLastCalledWith(
      7,
      expect.objectContaining({ from: '2026-01-01', status: 'declined', cursor: undefined }),
    );
  });

  it('moves through the rows from the keyboard and fetches the next page at the end', async () => {
    const listTransactions = vi
      .fn()
      .mockResolvedValueOnce(page(0, 200, 'more'))
      .mockResolvedValueOnce(page(200, 50, null));
    const ctx = context(txPolicy(), { listTransactions } as Partial<Api>);
    await renderTransactions(root, 7, ctx);
    const grid = root.querySelector<HTMLElement>('[data-testid="transactions-table"]')!;
    const key = (k: string) => grid.dispatchEvent(new KeyboardEvent('keydown', { key: k, cancelable: true }));
    key('ArrowDown');
    key('ArrowDown');
    expect(grid.getAttribute('aria-activedescendant')).toBe('transaction-row-1');
    expect(grid.querySelector('[aria-selected="true"]')?.textContent).toContain('Shop 1');
    key('ArrowUp');
    expect(grid.getAttribute('aria-activedescendant')).toBe('transaction-row-0');
    key('End');
    expect(grid.getAttribute('aria-activedescendant')).toBe('transaction-row-199');
    expect(grid.scrollTop).toBeGreaterThan(0);
    await wait(0);
    expect(listTransactions).toHaveBeenLastCalledWith(7, expect.objectContaining({ cursor: 'more' }));
    expect(grid.getAttribute('aria-rowcount')).toBe('250');
    expect(key('Tab')).toBe(true); // other keys are left alone
  });

  it('shows invisible characters in merchants and descriptions as markers', async () => {
    const row = { ...tx(0), merchant: 'Shop\u202Epots', description: 'fee\u200Bwaived\u0085' };
    const listTransactions = vi.fn(async () => ({ source: 'server', asOf: 0, value: { items: [row], nextCursor: null } }));
    await renderTransactions(root, 7, context(txPolicy(), { listTransactions } as Partial<Api>));
    const cells = [...root.querySelectorAll<HTMLElement>('[role="gridcell"]')].map((c) => c.textContent);
    expect(cells).toContain('Shop⟨U+202E⟩pots');
    expect(cells).toContain('fee⟨U+200B⟩waived⟨U+0085⟩');
    expect(root.textContent).not.toMatch(/[\u202E\u200B\u0085]/);
  });

  it('says so when the role has no transaction list', async () => {
    await renderTransactions(root, 7, context(policy([], [])));
    expect(root.textContent).toMatch(/no transaction list/);
  });
});

describe('tickets page', () => {
  const ticket = (id: number, status: string) => ({
    id,
    customerId: 7,
    subject: `Subject ${id} <b>bold</b>`,
    status,
    priority: 'normal',
    createdAt: '2026-10-01T10:00:00Z',
    updatedAt: '2026-10-02T10:00:00Z',
    messages: null,
  });
  const ticketsPolicy = (widgets: string[]): PolicyDto => ({
    ...policy([], []),
    pages: [{ page: 'tickets', widgets }],
  });
  const subjects = () => [...root.querySelectorAll<HTMLElement>('[data-ticket]')].map((b) => b.dataset.ticket);

  it('lists tickets not closed first, filters by status and loads more by cursor', async () => {
    const listTickets = vi
      .fn()
      .mockResolvedValueOnce({ source: 'server', asOf: 0, value: { items: [ticket(1, 'open'), ticket(2, 'closed')], nextCursor: 'c2' } })
      .mockResolvedValueOnce({ source: 'server', asOf: 0, value: { items: [ticket(3, 'pending')], nextCursor: null } });
    const ctx = context(ticketsPolicy(['tickets.list']), { listTickets } as Partial<Api>);
    await renderTickets(root, 7, ctx);
    expect(listTickets).toHaveBeenCalledWith(7, undefined);
    expect(subjects()).toEqual(['1']);
    expect(root.querySelector('b')).toBeNull();
    const filter = root.querySelector<HTMLSelectElement>('[data-testid="tickets-filter"]')!;
    filter.value = 'all';
    filter.dispatchEvent(new Event('change'));
    expect(subjects()).toEqual(['1', '2']);
    const more = [...root.querySelectorAll('button')].find((b) => b.textContent === 'More tickets')!;
    expect(more.hidden).toBe(false);
    more.click();
    await wait(0);
    expect(listTickets).toHaveBeenLastCalledWith(7, 'c2');
    expect(subjects()).toEqual(['1', '2', '3']);
    expect(more.hidden).toBe(true);
    root.querySelector<HTMLElement>('[data-ticket="3"]')!.click();
    expect(ctx.openTicket).toHaveBeenCalledWith(3);
  });

  it('says so when a customer has no tickets, and when the role has no ticket list', async () => {
    const ctx = context(ticketsPolicy(['tickets.list']));
    await renderTickets(root, 7, ctx);
    expect(root.textContent).toContain('This customer has no tickets.');
    const none = context(ticketsPolicy([]));
    await renderTickets(root, 7, none);
    expect(root.textContent).toMatch(/no ticket list/);
    expect(none.api.listTickets).not.toHaveBeenCalled();
  });

  it('is linked from the customer page only when the layout has it', async () => {
    const granted = context({
      ...policy([], ['customer.open_tickets']),
      pages: [
        { page: 'customer', widgets: ['customer.open_tickets'] },
        { page: 'tickets', widgets: ['tickets.list'] },
      ],
    });
    await renderCustomer(root, 7, granted);
    root.querySelector<HTMLElement>('[data-testid="all-tickets"]')!.click();
    expect(granted.openTickets).toHaveBeenCalledWith(7);
    await renderCustomer(root, 7, context(policy([], ['customer.open_tickets'])));
    expect(root.querySelector('[data-testid="all-tickets"]')).toBeNull();
  });
});
