// The ticket page: one ticket with its conversation, its internal notes and the reply box, each
// as the layout grants it, through `TICKET_WIDGETS`, a registry with one renderer for every
// ticket widget of desk-core. Message bodies are server text: shown as text only, each isolated
// in its own direction.
import type { Message, Ticket } from '../api';
import { el } from '../dom';
import { formatTime } from '../format';
import { type WidgetOf, widgetsOf } from '../layout';
import { busy, link, note, type PageContext, problem, widgetFrame } from './context';
import { replyBox } from './reply';

type TicketWidget = (section: HTMLElement, ticket: Ticket, widgets: readonly WidgetOf<'ticket'>[], ctx: PageContext) => void;

function messageItem(m: Message): HTMLElement {
  const meta = el('p', {
    text: `${m.internal ? 'Internal note · ' : ''}${m.author ?? ''} · ${formatTime(m.time)}`,
    className: 'muted',
  });
  // Server text: set as text only, whatever it contains. Its direction is its own, line by line
  // (`dir="auto"`, and `unicode-bidi: plaintext` in the CSS), isolated from the page around it.
  const body = el('p', { text: m.body ?? '', className: 'message-body' });
  body.dir = 'auto';
  const item = el('li', { className: m.internal ? 'message internal' : 'message' }, meta, body);
  item.dataset.message = String(m.id);
  return item;
}

/** The ticket's messages, the customer's conversation or the internal notes. */
function messages(ticket: Ticket, internal: boolean): HTMLElement {
  const shown = (ticket.messages ?? []).filter((m) => m.internal === internal);
  return el('ol', { className: 'messages' }, ...shown.map(messageItem));
}

/** One renderer per ticket-page widget; the layout chooses which run, in which order. */
export const TICKET_WIDGETS: Record<WidgetOf<'ticket'>, TicketWidget> = {
  'ticket.messages': (section, ticket) => {
    section.append(messages(ticket, false));
  },
  'ticket.internal_notes': (section, ticket) => {
    const list = messages(ticket, true);
    section.append(list.childElementCount ? list : note('No internal notes.'));
  },
  'ticket.reply': (section, ticket, widgets, ctx) => {
    section.append(replyBox(ticket.id, widgets.includes('ticket.internal_notes'), ctx));
  },
};

/** Renders ticket `id`: its conversation, its internal notes and the reply box, as granted. */
export async function renderTicket(root: HTMLElement, id: number, ctx: PageContext): Promise<void> {
  const widgets = widgetsOf(ctx.policy, 'ticket').filter((w) => w in TICKET_WIDGETS);
  root.replaceChildren(note('Loading the ticket…'));
  let ticket: Ticket;
  try {
    const answer = await busy(root, ctx.api.openTicket(id));
    ctx.sourced(answer);
    ticket = answer.value;
  } catch (err) {
    root.replaceChildren(problem(err));
    return;
  }
  const heading = el('h2', { text: ticket.subject ?? `Ticket ${ticket.id}` });
  heading.tabIndex = -1;
  const meta = note(`${ticket.status ?? ''} · ${ticket.priority ?? ''} · opened ${formatTime(ticket.created_at)}`);
  const sections = widgets.map((w) => {
    const section = widgetFrame(w);
    TICKET_WIDGETS[w](section, ticket, widgets, ctx);
    return section;
  });
  const customer = link('Customer page', () => ctx.openCustomer(ticket.customer_id), 'ticket-customer');
  root.replaceChildren(heading, meta, customer, ...sections);
  if (!root.contains(document.activeElement)) heading.focus({ preventScroll: true });
}
