import { beforeEach, describe, expect, it, vi } from 'vitest';

import { context, policy, widgetsIn } from './fixtures';
import { renderCustomer } from './customer';

let root: HTMLElement;
beforeEach(() => {
  document.body.innerHTML = '<main id="page"></main>';
  root = document.getElementById('page')!;
});

const widgets = () => widgetsIn(root);

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

  it('leaves out the members the record does not carry, rather than showing them empty', async () => {
    // Absent, as the server leaves out what the role may not see: no date of birth, no address,
    // no balance.
    const { customer } = await import('./fixtures');
    const { balance: _, ...account } = customer.accounts![0]!;
    const ctx = context(policy([], ['customer.contact', 'customer.accounts']), {
      openCustomer: vi.fn(async () => ({ source: 'server' as const, asOf: 0, value: { ...customer, accounts: [account] } })),
    });
    await renderCustomer(root, 7, ctx);
    const terms = [...root.querySelectorAll('[data-widget="customer.contact"] dt')].map((t) => t.textContent);
    expect(terms).toEqual(['E-mail', 'Phone']);
    const item = root.querySelector('[data-widget="customer.accounts"] li')!;
    expect(item.textContent).toBe('•••• 1234 · open');
    expect(root.textContent).not.toMatch(/NaN|undefined|null/);
  });

  it('fetches transactions and tickets when their widgets are granted', async () => {
    const ctx = context(policy([], ['customer.recent_transactions', 'customer.open_tickets']));
    await renderCustomer(root, 7, ctx);
    expect(ctx.api.listTransactions).toHaveBeenCalledWith(7, { limit: 10 });
    expect(ctx.api.listTickets).toHaveBeenCalledWith(7);
  });

  it('reports offline answers and says when a record is not cached', async () => {
    const { CommandError } = await import('../api');
    const ctx = context(policy([], ['customer.summary']), {
      openCustomer: vi.fn(async () => {
        throw new CommandError('not_cached', 'not in the cache');
      }),
    });
    await renderCustomer(root, 8, ctx);
    expect(root.querySelector('[role="alert"]')?.textContent).toMatch(/offline/);
  });
});
