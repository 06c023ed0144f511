// Test doubles of the app's commands for the window's tests: a status, an agent, a customer, a
// policy with the given customer layout, and an `Api` answering from memory.
import { vi } from 'vitest';

import { type Api, CommandError, type Customer, type PolicyDto } from './api';
import type { Widget } from './generated/Widget';

export const status = {
  version: '0.1.0',
  issuer: 'https://login.example.com/oauth2/default',
  signedIn: false,
  pendingViews: 0 as number | null,
  refusedViews: 0 as number | null,
};
export const agent = { subject: 'agent2', name: 'Sam Tier-Two', email: null, roles: ['support-tier2'] };
// A search result: what the role does not see, or the search does not carry, is absent.
export const customer = (id: number): Customer => ({
  id,
  name: 'Ada Lovelace',
  email: 'a•••@example.com',
  tier: 'plus',
  status: 'active',
});
export const policy = (version: number, customer: Widget[]): PolicyDto => ({
  version,
  roles: ['agent_l2'],
  expiresAt: 1_900_000_000,
  pages: [{ page: 'customer', widgets: customer }],
  fields: { 'customer.email': 'mask_email' },
  actions: [],
  searchBy: ['name', 'email', 'phone', 'account'],
});

/** What the server answers a role without the action. */
function forbidden(): never {
  throw new CommandError('forbidden', 'the server refused: your role may not do this');
}

export function fakeApi(overrides: Partial<Api> = {}): Api {
  return {
    appStatus: vi.fn(async () => status),
    currentAgent: vi.fn(async () => null),
    signIn: vi.fn(async () => agent),
    signOut: vi.fn(async () => ({ pendingViews: 0, refusedViews: 0, unconfirmedRevocation: false })),
    currentPolicy: vi.fn(async () => policy(3, ['customer.summary', 'customer.cards'])),
    watchPolicy: vi.fn(() => new Promise<void>(() => {})),
    searchCustomers: vi.fn(async () => ({ source: 'server' as const, asOf: 0, value: { items: [], nextCursor: null } })),
    openCustomer: vi.fn(async (id: number) => ({ source: 'server' as const, asOf: 0, value: customer(id) })),
    listTransactions: vi.fn(async () => ({ source: 'server' as const, asOf: 0, value: { items: [], nextCursor: null } })),
    listTickets: vi.fn(async () => ({ source: 'server' as const, asOf: 0, value: { items: [], nextCursor: null } })),
    openTicket: vi.fn(async () => {
      throw new CommandError('not_cached', 'not in the cache');
    }),
    replyToTicket: vi.fn(async () => {
      throw new CommandError('server_unreachable', 'offline');
    }),
    serverReachable: vi.fn(async () => false),
    layoutPreview: vi.fn(async () => forbidden()),
    publishLayout: vi.fn(async () => forbidden()),
    layoutHistory: vi.fn(async () => forbidden()),
    restoreLayout: vi.fn(async () => forbidden()),
    listRoles: vi.fn(async () => forbidden()),
    roleChanges: vi.fn(async () => forbidden()),
    approveRoleChange: vi.fn(async () => forbidden()),
    rejectRoleChange: vi.fn(async () => forbidden()),
    roleCatalogue: vi.fn(async () => forbidden()),
    checkRole: vi.fn(async () => forbidden()),
    setRole: vi.fn(async () => forbidden()),
    auditTrail: vi.fn(async () => forbidden()),
    exportAudit: vi.fn(async () => forbidden()),
    verifyAudit: vi.fn(async () => forbidden()),
    listAgents: vi.fn(async () => forbidden()),
    agentWipes: vi.fn(async () => forbidden()),
    wipeAgent: vi.fn(async () => forbidden()),
    checkUpdate: vi.fn(async () => ({ state: 'current' as const, current: '0.1.0' })),
    installUpdate: vi.fn(async () => {
      throw new CommandError('update_unavailable', 'nothing offered');
    }),
    restartApp: vi.fn(async () => {}),
    ...overrides,
  };
}

/** The element with test id `id` in `root`. */
export const byTestId = (root: HTMLElement, id: string) => root.querySelector<HTMLElement>(`[data-testid="${id}"]`);
export const flush = () => new Promise((r) => setTimeout(r, 0));
