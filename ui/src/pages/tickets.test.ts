import { beforeEach, describe, expect, it, vi } from 'vitest';

import type { Api, PolicyDto, Ticket } from '../api';
import type { Widget } from '../generated/Widget';
import { renderCustomer } from './customer';
import { context, policy, wait } from './fixtures';
import { renderTickets } from './tickets';

let root: HTMLElement;
beforeEach(() => {
  document.body.innerHTML = '<main id="page"></main>';
  root = document.getElementById('page')!;
});

describe('tickets page', () => {
  const ticket = (id: number, status: string): Ticket => ({
    id,
    customer_id: 7,
    subject: `Subject ${id} <b>bold</b>`,
    status,
    priority: 'normal',
    created_at: '2026-10-01T10:00:00Z',
    updated_at: '2026-10-02T10:00:00Z',
  });
  const ticketsPolicy = (widgets: Widget[]): PolicyDto => ({
    ...policy([], []),
    pages: [{ page: 'tickets', widgets }],
  });
  const subjects = () => [...root.querySelectorAll<HTMLElement>('[data-ticket]')].map((b) => b.dataset.ticket);

  it('lists tickets not closed first, filters by status and loads more by cursor', async () => {
    const listTickets = vi
      .fn()
      .mockResolvedValueOnce({ source: 'server', asOf: 0, value: { items: [ticket(1, 'open'), ticket(2, 'closed')], nextCursor: 'c2' } })
      .mockResolvedValueOnce({ source: 'server', asOf: 0, value: { items: [ticket(3, 'pending')], nextCursor: null } });
    const ctx = context(ticketsPolicy(['tickets.list']), { listTickets } as Partial<Api>);
    await renderTickets(root, 7, ctx);
    expect(listTickets).toHaveBeenCalledWith(7, undefined);
    expect(subjects()).toEqual(['1']);
    expect(root.querySelector('b')).toBeNull();
    const filter = root.querySelector<HTMLSelectElement>('[data-testid="tickets-filter"]')!;
    filter.value = 'all';
    filter.dispatchEvent(new Event('change'));
    expect(subjects()).toEqual(['1', '2']);
    const more = [...root.querySelectorAll('button')].find((b) => b.textContent === 'More tickets')!;
    expect(more.hidden).toBe(false);
    more.click();
    await wait(0);
    expect(listTickets).toHaveBeenLastCalledWith(7, 'c2');
    expect(subjects()).toEqual(['1', '2', '3']);
    expect(more.hidden).toBe(true);
    root.querySelector<HTMLElement>('[data-ticket="3"]')!.click();
    expect(ctx.openTicket).toHaveBeenCalledWith(3);
  });

  it('says so when a customer has no tickets, and when the role has no ticket list', async () => {
    const ctx = context(ticketsPolicy(['tickets.list']));
    await renderTickets(root, 7, ctx);
    expect(root.textContent).toContain('This customer has no tickets.');
    const none = context(ticketsPolicy([]));
    await renderTickets(root, 7, none);
    expect(root.textContent).toMatch(/no ticket list/);
    expect(none.api.listTickets).not.toHaveBeenCalled();
  });

  it('is linked from the customer page only when the layout has it', async () => {
    const granted = context({
      ...policy([], ['customer.open_tickets']),
      pages: [
        { page: 'customer', widgets: ['customer.open_tickets'] },
        { page: 'tickets', widgets: ['tickets.list'] },
      ],
    });
    await renderCustomer(root, 7, granted);
    root.querySelector<HTMLElement>('[data-testid="all-tickets"]')!.click();
    expect(granted.openTickets).toHaveBeenCalledWith(7);
    await renderCustomer(root, 7, context(policy([], ['customer.open_tickets'])));
    expect(root.querySelector('[data-testid="all-tickets"]')).toBeNull();
  });
});
