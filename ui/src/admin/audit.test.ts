import { beforeEach, describe, expect, it, vi } from 'vitest';

import type { AuditRecord } from '../api';
import { byTestId, fakeApi, flush } from '../fixtures';
import type { CatalogueDto } from '../generated/CatalogueDto';
import { renderAuditLog } from './audit';
import { adminContext } from './fixtures';

let root: HTMLElement;
beforeEach(() => {
  document.body.innerHTML = '<section id="w"></section>';
  root = document.getElementById('w')!;
});
const q = (id: string) => byTestId(root, id);

const catalogue = {
  fields: [],
  pages: [],
  widgets: [],
  actions: [],
  searchKeys: [],
  recordKinds: [],
  auditActions: ['customer.search', 'customer.view'],
  outcomes: ['ok', 'denied', 'not_found'],
} as CatalogueDto;
const entry = (seq: number, over: Partial<AuditRecord> = {}): AuditRecord => ({
  seq,
  time: '2026-12-07T10:00:00.000Z',
  actor: 'agent1',
  action: 'customer.search',
  resource: 'customers',
  outcome: 'ok',
  detail: '{"by":"email","masked":"j•••@example.com"}',
  prev_hash: 'a'.repeat(64),
  hash: 'b'.repeat(64),
  ...over,
});

describe('the audit table', () => {
  it('lists the trail, filters it as the server does, and opens an entry with its masked detail', async () => {
    const api = fakeApi({
      roleCatalogue: vi.fn(async () => catalogue),
      auditTrail: vi.fn(async (filters) => ({
        items: filters.outcome === 'denied' ? [entry(7, { outcome: 'denied', actor: 'agent2' })] : [entry(9), entry(8)],
        nextCursor: null,
      })),
    });
    await renderAuditLog(root, adminContext(api, ['audit.read']));
    expect(api.auditTrail).toHaveBeenCalledWith({}, undefined);
    expect(q('audit-summary')?.textContent).toBe('2 entries');
    const actions = [...(q('audit-action') as HTMLSelectElement).options].map((o) => o.value);
    expect(actions).toEqual(['', 'customer.search', 'customer.view']);

    (q('audit-outcome') as HTMLSelectElement).value = 'denied';
    (q('audit-actor') as HTMLInputElement).value = ' agent2 ';
    (q('audit-resource') as HTMLInputElement).value = 'customer:42';
    (q('audit-since') as HTMLInputElement).value = '2026-12-01';
    q('audit-filters')!.dispatchEvent(new Event('submit', { cancelable: true }));
    await flush();
    expect(api.auditTrail).toHaveBeenLastCalledWith(
      { actor: 'agent2', outcome: 'denied', resource: 'customer:42', since: '2026-12-01', action: undefined, until: undefined },
      undefined,
    );
    expect(q('audit-summary')?.textContent).toBe('1 entries');

    const table = q('audit-table')!;
    table.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowDown' }));
    table.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter' }));
    const shown = q('audit-entry')!;
    expect(shown.textContent).toContain('Entry 7');
    expect(shown.querySelector('pre')?.textContent).toBe('{\n  "by": "email",\n  "masked": "j•••@example.com"\n}');
  });

  it('exports what the filters match and says where it went', async () => {
    const api = fakeApi({
      roleCatalogue: vi.fn(async () => catalogue),
      auditTrail: vi.fn(async () => ({ items: [entry(9)], nextCursor: null })),
      exportAudit: vi.fn(async () => ({ path: '/home/a/Downloads/support-desk-audit-20261207T100000Z.csv', entries: 42 })),
    });
    await renderAuditLog(root, adminContext(api, ['audit.read']));
    (q('audit-outcome') as HTMLSelectElement).value = 'denied';
    q('audit-export-csv')!.click();
    await flush();
    expect(api.exportAudit).toHaveBeenCalledWith(expect.objectContaining({ outcome: 'denied' }), 'csv');
    expect(q('audit-export-status')?.textContent).toBe(
      '42 entries written to /home/a/Downloads/support-desk-audit-20261207T100000Z.csv',
    );
    expect((q('audit-export-jsonl') as HTMLButtonElement).disabled).toBe(false);
  });

  it('says why the server refused the trail', async () => {
    const api = fakeApi({ roleCatalogue: vi.fn(async () => catalogue) });
    await renderAuditLog(root, adminContext(api, ['audit.read']));
    expect(q('audit-summary')?.textContent).toBe('Your role may not see this. Ask an administrator if you need it.');
  });
});
