// The tickets page: every ticket of a customer (`tickets.list`), most recently updated first,
// with a status filter and, when the customer has more than a page of tickets, a button for the
// next page (by cursor).
import type { Ticket } from '../api';
import { el } from '../dom';
import { formatTime } from '../format';
import { widgetsOf } from '../layout';
import { busy, link, note, type PageContext, problem, widgetFrame } from './context';

const TICKET_FILTERS: [string, string, (status: string | undefined) => boolean][] = [
  ['open', 'Not closed', (st) => st !== 'closed'],
  ['closed', 'Closed', (st) => st === 'closed'],
  ['all', 'All', () => true],
];

function filterSelect(): HTMLSelectElement {
  const filter = el('select', { testId: 'tickets-filter' });
  filter.setAttribute('aria-label', 'Show tickets');
  for (const [value, text] of TICKET_FILTERS) {
    const option = el('option', { text });
    option.value = value;
    filter.append(option);
  }
  return filter;
}

function ticketRow(t: Ticket, ctx: PageContext): HTMLElement {
  const subject = link(t.subject ?? `Ticket ${t.id}`, () => ctx.openTicket(t.id));
  subject.dataset.ticket = String(t.id);
  return el(
    'tr',
    {},
    el('td', {}, subject),
    el('td', { text: t.status ?? '' }),
    el('td', { text: t.priority ?? '' }),
    el('td', { text: formatTime(t.created_at) }),
    el('td', { text: formatTime(t.updated_at) }),
  );
}

/**
 * Renders every ticket of a customer (`tickets.list`), most recently updated first, with a
 * status filter and, when the customer has more than a page of tickets, a button for the next.
 */
export async function renderTickets(root: HTMLElement, customerId: number, ctx: PageContext): Promise<void> {
  if (!widgetsOf(ctx.policy, 'tickets').includes('tickets.list')) {
    root.replaceChildren(note('Your role shows no ticket list.'));
    return;
  }
  const section = widgetFrame('tickets.list');
  const filter = filterSelect();
  const status = note('Loading tickets…');
  status.setAttribute('role', 'status');
  const head = el('tr');
  for (const h of ['Subject', 'Status', 'Priority', 'Opened', 'Updated']) head.append(el('th', { text: h }));
  const body = el('tbody');
  const table = el('table', { testId: 'tickets-table' }, el('thead', {}, head), body);
  const more = el('button', { text: 'More tickets', className: 'secondary' });
  more.type = 'button';
  more.hidden = true;
  section.append(filter, status, table, more);
  root.replaceChildren(link('Customer page', () => ctx.openCustomer(customerId), 'tickets-customer'), section);

  let tickets: Ticket[] = [];
  let cursor: string | null = null;
  const draw = () => {
    const keep = TICKET_FILTERS.find(([value]) => value === filter.value)?.[2] ?? (() => true);
    const shown = tickets.filter((t) => keep(t.status));
    body.replaceChildren(...shown.map((t) => ticketRow(t, ctx)));
    table.hidden = shown.length === 0;
    status.textContent = shown.length
      ? `${shown.length} of ${tickets.length} tickets${cursor ? ' loaded so far' : ''}`
      : tickets.length
        ? 'No tickets match this filter.'
        : 'This customer has no tickets.';
  };
  const load = async () => {
    more.disabled = true;
    try {
      const answer = await busy(root, ctx.api.listTickets(customerId, cursor ?? undefined));
      ctx.sourced(answer);
      tickets = tickets.concat(answer.value.items);
      cursor = answer.value.nextCursor;
      more.hidden = cursor === null;
      draw();
    } catch (err) {
      status.replaceChildren(problem(err));
    } finally {
      more.disabled = false;
    }
  };
  filter.addEventListener('change', draw);
  more.addEventListener('click', () => void load());
  await load();
}
