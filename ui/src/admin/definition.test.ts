import { beforeEach, describe, expect, it, vi } from 'vitest';

import type { RoleDefinition } from '../api';
import { byTestId, fakeApi, flush } from '../fixtures';
import type { CatalogueDto } from '../generated/CatalogueDto';
import type { RoleCheck } from '../generated/RoleCheck';
import { renderDefinitionEditor } from './definition';
import { storedRole } from './fixtures';

let root: HTMLElement;
beforeEach(() => {
  document.body.innerHTML = '<section id="w"></section>';
  root = document.getElementById('w')!;
});
const q = (id: string) => byTestId(root, id);

const catalogue: CatalogueDto = {
  fields: [
    { field: 'customer.name', class: 'pii', redactions: ['hidden', 'full'] },
    { field: 'customer.email', class: 'pii', redactions: ['hidden', 'full', 'mask_email'] },
    { field: 'card.number', class: 'restricted', redactions: ['hidden', 'last4'] },
  ],
  pages: ['search', 'customer'],
  widgets: ['search.box', 'customer.summary'],
  actions: ['ticket.reply'],
  searchKeys: ['name', 'email'],
  recordKinds: ['customer'],
  auditActions: [],
  outcomes: [],
};
const verdictOf = (edited: RoleDefinition): RoleCheck => {
  const email = edited.fields['customer.email'];
  return {
    problem: null,
    widened: email === 'full' ? ['customer.email'] : [],
    changes: email === 'mask_email' ? {} : { fields: { 'customer.email': { before: 'mask_email', after: email ?? 'hidden' } } },
  };
};
const select = (id: string, value: string) => {
  const s = q(id) as HTMLSelectElement;
  s.value = value;
  s.dispatchEvent(new Event('change'));
};

describe('the role definition editor', () => {
  it('offers each field only the redactions that fit it', () => {
    renderDefinitionEditor(root, storedRole(), catalogue, fakeApi(), () => {});
    const offered = [...(q('redaction-card.number') as HTMLSelectElement).options].map((o) => o.value);
    expect(offered).toEqual(['hidden', 'last4']);
    expect((q('redaction-customer.email') as HTMLSelectElement).value).toBe('mask_email');
  });

  it('checks each edit as the server does, says a widening waits for approval, and proposes it', async () => {
    const done = vi.fn();
    const api = fakeApi({
      checkRole: vi.fn(async (_current, edited) => verdictOf(edited)),
      setRole: vi.fn(async (definition) => ({
        id: 9,
        role: definition.role,
        definition,
        changes: {},
        widened: ['customer.email' as const],
        proposed_by: 'admin',
        proposed_at: '',
        status: 'pending',
      })),
    });
    renderDefinitionEditor(root, storedRole(), catalogue, api, done);
    await flush();
    expect(q('role-verdict')?.textContent).toBe('No changes.');
    expect((q('role-save') as HTMLButtonElement).disabled).toBe(true);

    select('redaction-customer.email', 'full');
    await flush();
    expect(api.checkRole).toHaveBeenLastCalledWith(storedRole().definition, expect.objectContaining({ fields: { 'customer.name': 'full', 'customer.email': 'full' } }));
    expect(q('role-verdict')?.textContent).toContain("it waits for a second administrator's approval");
    expect(q('role-change-lines')?.textContent).toBe('fields customer.email: mask_email → full');
    expect(q('role-save')?.textContent).toBe('Propose for approval');
    q('role-save')!.click();
    await flush();
    expect(api.setRole).toHaveBeenCalledOnce();
    expect(done).toHaveBeenCalledWith("The change to agent_l1 waits for a second administrator's approval (change 9).");
  });

  it('refuses what the server would refuse, and a number that is not one, before sending', async () => {
    const api = fakeApi({
      checkRole: vi.fn(async (_c, edited: RoleDefinition) =>
        edited.fields['customer.email'] === undefined
          ? { problem: 'search by `email` needs field `customer.email`, which the role does not see', widened: [], changes: {} }
          : verdictOf(edited),
      ),
    });
    renderDefinitionEditor(root, storedRole(), catalogue, api, () => {});
    await flush();
    const email = root.querySelector<HTMLInputElement>('[data-choice="email"]')!;
    email.checked = true;
    email.dispatchEvent(new Event('change'));
    select('redaction-customer.email', 'hidden');
    await flush();
    expect(q('role-verdict')?.textContent).toContain('The server would refuse this: search by `email` needs field');
    expect((q('role-save') as HTMLButtonElement).disabled).toBe(true);

    select('redaction-customer.email', 'mask_email');
    const burst = q('number-burst') as HTMLInputElement;
    burst.value = '12.5';
    burst.dispatchEvent(new Event('input'));
    await flush();
    expect(q('role-verdict')?.textContent).toBe('burst must be a whole number of at least 1.');
    expect(burst.getAttribute('aria-invalid')).toBe('true');
    expect((q('role-save') as HTMLButtonElement).disabled).toBe(true);
    burst.value = '200';
    burst.dispatchEvent(new Event('input'));
    await flush();
    expect(api.checkRole).toHaveBeenLastCalledWith(
      storedRole().definition,
      expect.objectContaining({ search_by: ['email', 'name'], read_budget: expect.objectContaining({ burst: 200 }) }),
    );
  });
});
