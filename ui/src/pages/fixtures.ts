// Test doubles for the pages' tests: a customer, a policy with the given layouts, and a page
// context whose commands answer from memory.
import { vi } from 'vitest';

import type { Api, Customer, PolicyDto } from '../api';
import type { Widget } from '../generated/Widget';
import type { PageContext } from './context';

// The date of birth, address and opening dates are absent: the role does not see them.
export const customer: Customer = {
  id: 7,
  name: 'Ada <img src=x onerror=alert(1)>',
  email: 'a•••@example.com',
  phone: '•••23',
  tier: 'plus',
  status: 'active',
  accounts: [
    {
      id: 71,
      number: '•••• 1234',
      currency: 'EUR',
      balance: -1250,
      status: 'open',
      cards: [{ id: 711, number: '•••• 9999', brand: 'Visa', status: 'active' }],
    },
  ],
};

/** A policy whose search page has `search` and whose customer page has `page`. */
export const policy = (search: Widget[], page: Widget[]): PolicyDto => ({
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

/** A context for `p` whose commands answer `customer` (or `overrides`) at once. */
export function context(p: PolicyDto, overrides: Partial<Api> = {}): PageContext & { api: Api } {
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

/** The widgets drawn in `root`, in order. */
export const widgetsIn = (root: HTMLElement) =>
  [...root.querySelectorAll<HTMLElement>('[data-widget]')].map((w) => w.dataset.widget);

export const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
