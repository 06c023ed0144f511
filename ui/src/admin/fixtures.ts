// Test doubles for the administration screens: a role's preview as the server answers it (the
// demo customer already redacted for the role) and its published layouts.
import type { LayoutPreview, StoredLayout } from '../api';

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
