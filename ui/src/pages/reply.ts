// The reply box of a ticket, and the unsent replies it keeps: in memory only, by ticket, so that
// drawing the page again (a pushed layout, coming back online, going elsewhere and back) does not
// lose what the agent was writing. Never stored; forgotten once sent and on sign-out.
import { el } from '../dom';
import { type PageContext, problem } from './context';

/** Unsent replies by ticket. */
const drafts = new Map<number, { text: string; internal: boolean }>();

/** Forgets every unsent reply (sign-out). */
export function forgetDrafts(): void {
  drafts.clear();
}

/**
 * The reply box for ticket `ticketId`, with the internal-note switch when `notes` (the layout
 * grants internal notes). Once sent, the ticket is opened again to show the reply.
 */
export function replyBox(ticketId: number, notes: boolean, ctx: PageContext): HTMLElement {
  const area = el('textarea', { testId: 'reply-text' });
  area.rows = 4;
  area.setAttribute('aria-label', 'Your reply');
  const internal = el('input');
  internal.type = 'checkbox';
  const internalLabel = el('label', {}, internal, document.createTextNode(' Internal note (the customer does not see it)'));
  const send = el('button', { text: 'Send reply', testId: 'reply-send' });
  send.type = 'submit';
  const status = el('p', { text: '', className: 'muted' });
  status.setAttribute('role', 'status');
  const form = el('form', { className: 'reply' }, area, ...(notes ? [internalLabel] : []), send, status);
  const draft = drafts.get(ticketId);
  area.value = draft?.text ?? '';
  internal.checked = notes && (draft?.internal ?? false);
  const keep = () => {
    if (area.value) drafts.set(ticketId, { text: area.value, internal: internal.checked });
    else drafts.delete(ticketId);
  };
  area.addEventListener('input', keep);
  internal.addEventListener('change', keep);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const text = area.value.trim();
    if (!text) {
      status.textContent = 'Write a reply first.';
      return;
    }
    send.disabled = true;
    status.textContent = 'Sending…';
    try {
      await ctx.api.replyToTicket(ticketId, text, notes && internal.checked);
      drafts.delete(ticketId);
      ctx.openTicket(ticketId);
    } catch (err) {
      status.replaceChildren(problem(err));
      send.disabled = false;
    }
  });
  return form;
}
