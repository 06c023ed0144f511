import { describe, expect, it } from 'vitest';

import { add, changes, grantedPages, move, moveTo, offered, remove, sameLayout } from './draft';
import { preview } from './fixtures';

describe('a layout draft', () => {
  const { policy, layout } = preview();

  it('offers only the granted widgets of a page that it does not show yet', () => {
    expect(grantedPages(policy)).toEqual(['search', 'customer']);
    expect(offered(policy, layout, 'customer')).toEqual(['customer.cards']);
    // Granted by no definition of this role: never offered, on any page.
    for (const page of ['customer', 'ticket', 'admin'] as const) {
      expect(offered(policy, layout, page)).not.toContain('customer.accounts');
      expect(offered(policy, layout, page)).not.toContain('admin.layouts');
    }
  });

  it('adds, removes and moves widgets, and leaves out a page that shows none', () => {
    const added = add(layout, 'customer', 'customer.cards');
    expect(added.pages.customer).toEqual(['customer.summary', 'customer.contact', 'customer.cards']);
    expect(move(added, 'customer', 'customer.cards', -1).pages.customer).toEqual([
      'customer.summary',
      'customer.cards',
      'customer.contact',
    ]);
    expect(moveTo(added, 'customer', 'customer.cards', 0).pages.customer?.[0]).toBe('customer.cards');
    // Moving past an end stays at the end.
    expect(move(layout, 'customer', 'customer.summary', -1)).toEqual(layout);
    const emptied = remove(remove(layout, 'customer', 'customer.summary'), 'customer', 'customer.contact');
    expect('customer' in emptied.pages).toBe(false);
    expect(layout.pages.customer).toEqual(['customer.summary', 'customer.contact']);
  });

  it('says what a draft changes, page by page', () => {
    expect(changes(layout, layout)).toEqual([]);
    const edited = move(add(remove(layout, 'search', 'search.box'), 'customer', 'customer.cards'), 'customer', 'customer.contact', -1);
    expect(changes(layout, edited)).toEqual([
      { page: 'search', lines: ['removes Search field'] },
      { page: 'customer', lines: ['adds Payment cards', 'new order: Contact details, Summary, Payment cards'] },
    ]);
    // Adding at the end alone keeps the order of what both show.
    expect(changes(layout, add(layout, 'customer', 'customer.cards'))).toEqual([
      { page: 'customer', lines: ['adds Payment cards'] },
    ]);
    expect(sameLayout(layout, { pages: { ...layout.pages } })).toBe(true);
    expect(sameLayout(layout, edited)).toBe(false);
  });
});
