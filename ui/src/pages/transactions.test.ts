import { beforeEach, describe, expect, it, vi } from 'vitest';

import type { Api, PolicyDto, Transaction } from '../api';
import { ROW_HEIGHT } from '../table';
import { context, policy, wait } from './fixtures';
import { renderTransactions } from './transactions';

let root: HTMLElement;
beforeEach(() => {
  document.body.innerHTML = '<main id="page"></main>';
  root = document.getElementById('page')!;
});

describe('transactions page', () => {
  const tx = (i: number): Transaction => ({
    id: i,
    account_id: 71,
    time: '2026-10-01T10:00:00Z',
    amount: -1250,
    currency: 'EUR',
    merchant: `Shop ${i}`,
    status: 'settled',
    card_number: '•••• 9999',
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
