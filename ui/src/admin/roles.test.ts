import { beforeEach, describe, expect, it, vi } from 'vitest';

import { CommandError, type RoleChange, type StoredRole } from '../api';
import { byTestId, fakeApi, flush } from '../fixtures';
import type { PageContext } from '../pages/context';
import { changeLines } from './changes';
import { renderRoles } from './roles';
import { preview } from './fixtures';

let root: HTMLElement;
beforeEach(() => {
  document.body.innerHTML = '<section id="w"></section>';
  root = document.getElementById('w')!;
});
const q = (id: string) => byTestId(root, id);

const definition = (): StoredRole => ({
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
const waiting = (): RoleChange => ({
  id: 7,
  role: 'agent_l1',
  definition: definition().definition,
  changes: { fields: { 'customer.date_of_birth': { before: 'hidden', after: 'year_only' } }, pages: { added: ['tickets'], removed: [] } },
  widened: ['customer.date_of_birth'],
  proposed_by: 'admin',
  proposed_at: '2026-12-02T09:00:00.000Z',
  status: 'pending',
});
const context = (api = fakeApi()): PageContext => ({
  api,
  policy: { version: 1, roles: ['admin'], expiresAt: 0, pages: [], fields: {}, actions: ['role.edit'], searchBy: [] },
  openCustomer: () => {},
  openTicket: () => {},
  openTransactions: () => {},
  openTickets: () => {},
  sourced: () => {},
});

describe('the role definitions', () => {
  it('says a change member by member', () => {
    expect(changeLines(waiting().changes)).toEqual([
      'fields customer.date_of_birth: hidden → year_only',
      'pages: adds tickets',
    ]);
    expect(changeLines({ read_budget: { burst: { before: 120, after: 200 } }, description: { before: 'a', after: 'b' } })).toEqual([
      'read_budget burst: 120 → 200',
      'description: a → b',
    ]);
  });

  it('shows the waiting change and each definition, and approves the change', async () => {
    const api = fakeApi({
      listRoles: vi.fn(async () => [definition()]),
      roleChanges: vi.fn(async () => [waiting()]),
      approveRoleChange: vi.fn(async () => ({ ...definition(), version: 5 })),
    });
    await renderRoles(root, context(api));
    const change = root.querySelector<HTMLElement>('[data-change="7"]')!;
    expect(change.textContent).toContain('Shows more personal or restricted data: customer.date_of_birth');
    expect(change.textContent).toContain('fields customer.date_of_birth: hidden → year_only');
    const shown = root.querySelector<HTMLElement>('details[data-role="agent_l1"]')!;
    expect(shown.textContent).toContain('version 4');
    expect(shown.textContent).toContain('customer.emailmask_email');
    expect(shown.textContent).toContain('120 reads a minute (burst 120); 1500 customers an hour, then recorded');
    api.roleChanges = vi.fn(async () => []);
    (q('approve-7') as HTMLButtonElement).click();
    await flush();
    await flush();
    expect(api.approveRoleChange).toHaveBeenCalledWith(7);
    expect(q('roles-status')?.textContent).toBe('Change 7 approved: agent_l1 is at version 5.');
    expect(q('role-changes')?.textContent).toBe('None.');
  });

  it('says why an approval was refused and keeps the change', async () => {
    const api = fakeApi({
      listRoles: vi.fn(async () => [definition()]),
      roleChanges: vi.fn(async () => [waiting()]),
      approveRoleChange: vi.fn(async () => {
        throw new CommandError('server_refused', 'the server refused: own_change: another administrator must approve it');
      }),
    });
    await renderRoles(root, context(api));
    (q('approve-7') as HTMLButtonElement).click();
    await flush();
    expect(q('roles-status')?.textContent).toContain('own_change');
    expect(root.querySelector('[data-change="7"]')).not.toBeNull();
    expect((q('approve-7') as HTMLButtonElement).disabled).toBe(false);
  });
});
