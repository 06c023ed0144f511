// Test doubles for the administration screens: a role's preview as the server answers it (the
// demo customer already redacted for the role), its published layouts, a stored definition, and
// the context an administrator's widget is rendered in.
import type { Api, LayoutPreview, PolicyDto, StoredLayout, StoredRole } from '../api';
import type { Action } from '../generated/Action';
import type { PageContext } from '../pages/context';

export const preview = (version = 2): LayoutPreview => ({
  role: 'agent_l1',
  policy: {
    roles: ['agent_l1'],
    pages: ['search', 'customer'],
    widgets: ['search.box', 'search.results', 'customer.summary', 'customer.contact', 'customer.cards'],
    fields: { 'customer.name': 'full', 'customer.email': 'mask_email' },
    actions: [],
    search_by: ['name'],
    cache: { ttl_secs: {}, offline_grace_secs: 0 },
  },
  layout: { pages: { search: ['search.box', 'search.results'], customer: ['customer.summary', 'customer.contact'] } },
  version,
  customer: { id: 1, name: 'Vikram Lindqvist', email: 'v•••@example.org' },
  transactions: [],
  tickets: [],
});

export const history = (): StoredLayout[] => [
  { role: 'agent_l1', layout: preview().layout, version: 2, updated_at: '2026-12-01T10:00:00.000Z', updated_by: 'admin' },
  {
    role: 'agent_l1',
    layout: { pages: { customer: ['customer.contact', 'customer.summary'] } },
    version: 1,
    updated_at: '2026-11-30T10:00:00.000Z',
    updated_by: 'admin2',
  },
];

/** agent_l1's definition as the server stores it, at version 4. */
export const storedRole = (): StoredRole => ({
  definition: {
    role: 'agent_l1',
    description: 'First-line agents',
    pages: ['search', 'customer'],
    widgets: preview().policy.widgets,
    fields: { 'customer.name': 'full', 'customer.email': 'mask_email' },
    actions: [],
    search_by: ['name'],
    cache: { ttl_secs: { customer: 28800 }, offline_grace_secs: 14400 },
    read_budget: { reads_per_minute: 120, burst: 120, bulk_customers_per_hour: 1500, block_bulk: false },
  },
  version: 4,
  updated_at: '2026-12-01T10:00:00.000Z',
  updated_by: 'admin2',
});

/** The context of an administrator's widget: `api`, and a policy holding `actions`. */
export function adminContext(api: Api, actions: Action[]): PageContext {
  const nowhere = () => {};
  const policy: PolicyDto = {
    version: 1,
    roles: ['admin'],
    expiresAt: 1_900_000_000,
    pages: [{ page: 'admin', widgets: ['admin.layouts', 'admin.roles'] }],
    fields: {},
    actions,
    searchBy: [],
  };
  return { api, policy, openCustomer: nowhere, openTicket: nowhere, openTransactions: nowhere, openTickets: nowhere, sourced: nowhere };
}
