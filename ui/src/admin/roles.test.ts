import { beforeEach, describe, expect, it, vi } from 'vitest';

import { CommandError, type RoleChange } from '../api';
import { byTestId, fakeApi, flush } from '../fixtures';
import { changeLines } from './changes';
import { renderRoles } from './roles';
import { adminContext, storedRole } from './fixtures';

let root: HTMLElement;
beforeEach(() => {
  document.body.innerHTML = '<section id="w"></section>';
  root = document.getElementById('w')!;
});
const q = (id: string) => byTestId(root, id);

const waiting = (): RoleChange => ({
  id: 7,
  role: 'agent_l1',
  definition: storedRole().definition,
  changes: { fields: { 'customer.date_of_birth': { before: 'hidden', after: 'year_only' } }, pages: { added: ['tickets'], removed: [] } },
  widened: ['customer.date_of_birth'],
  proposed_by: 'admin',
  proposed_at: '2026-12-02T09:00:00.000Z',
  status: 'pending',
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
      listRoles: vi.fn(async () => [storedRole()]),
      roleChanges: vi.fn(async () => [waiting()]),
      approveRoleChange: vi.fn(async () => ({ ...storedRole(), version: 5 })),
    });
    await renderRoles(root, adminContext(api, ['role.edit']));
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
      listRoles: vi.fn(async () => [storedRole()]),
      roleChanges: vi.fn(async () => [waiting()]),
      approveRoleChange: vi.fn(async () => {
        throw new CommandError('server_refused', 'the server refused: own_change: another administrator must approve it');
      }),
    });
    await renderRoles(root, adminContext(api, ['role.edit']));
    (q('approve-7') as HTMLButtonElement).click();
    await flush();
    expect(q('roles-status')?.textContent).toContain('own_change');
    expect(root.querySelector('[data-change="7"]')).not.toBeNull();
    expect((q('approve-7') as HTMLButtonElement).disabled).toBe(false);
  });
});
