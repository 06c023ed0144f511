import { beforeEach, describe, expect, it, vi } from 'vitest';

import type { Api, PolicyDto, Ticket } from '../api';
import type { Widget } from '../generated/Widget';
import { context, policy, wait } from './fixtures';
import { forgetDrafts } from './reply';
import { renderTicket } from './ticket';

let root: HTMLElement;
beforeEach(() => {
  document.body.innerHTML = '<main id="page"></main>';
  root = document.getElementById('page')!;
});

describe('ticket page', () => {
  const ticket: Ticket = {
    id: 11,
    customer_id: 7,
    subject: 'Card charged twice',
    status: 'open',
    priority: 'high',
    created_at: '2026-10-01T10:00:00Z',
    messages: [
      { id: 1, internal: false, author: 'Ada', body: '<img src=x onerror=alert(1)>' },
      { id: 2, internal: true, author: 'agent-2', body: 'Checked with fraud team' },
    ],
  };
  const ticketPolicy = (widgets: Widget[]): PolicyDto => ({
    ...policy([], []),
    pages: [{ page: 'ticket', widgets }],
  });

  it('shows messages as text and internal notes only in their own widget', async () => {
    const ctx = context(ticketPolicy(['ticket.messages']), {
      openTicket: vi.fn(async () => ({ source: 'server', asOf: 0, value: ticket })),
    } as Partial<Api>);
    await renderTicket(root, 11, ctx);
    expect(root.querySelector('img')).toBeNull();
    expect(root.textContent).toContain('<img src=x onerror=alert(1)>');
    expect(root.textContent).not.toContain('fraud team');
    expect(root.querySelector('textarea')).toBeNull();
  });

  it('shows bidi controls and zero-width characters in the subject and messages as markers', async () => {
    const tricky = {
      ...ticket,
      subject: 'Refund\u200B please',
      messages: [
        { id: 3, internal: false, author: 'Ada\u2067', body: 'See invoice\u202Efdp.exe\nthanks\uFEFF' },
        { id: 4, internal: false, author: 'Ada', body: 'مرحبا، أريد استرداد المبلغ' },
      ],
    };
    const ctx = context(ticketPolicy(['ticket.messages']), {
      openTicket: vi.fn(async () => ({ source: 'server', asOf: 0, value: tricky })),
    } as Partial<Api>);
    await renderTicket(root, 11, ctx);
    for (const c of ['\u200B', '\u202E', '\u2067', '\uFEFF']) expect(root.textContent).not.toContain(c);
    expect(root.querySelector('h2')?.textContent).toBe('Refund⟨U+200B⟩ please');
    const body = root.querySelector<HTMLElement>('[data-message="3"] .message-body')!;
    expect(body.dir).toBe('auto');
    expect(body.textContent).toBe('See invoice⟨U+202E⟩fdp.exe\nthanks⟨U+FEFF⟩');
    const marker = body.querySelector<HTMLElement>('.invisible-char')!;
    expect(marker.title).toBe('U+202E RIGHT-TO-LEFT OVERRIDE');
    expect(marker.nextSibling?.textContent).toBe('fdp.exe\nthanks');
    expect(root.querySelector('[data-message="3"] .muted .invisible-char')?.textContent).toBe('⟨U+2067⟩');
    // Right-to-left text is left as it is.
    const arabic = root.querySelector<HTMLElement>('[data-message="4"] .message-body')!;
    expect(arabic.textContent).toBe('مرحبا، أريد استرداد المبلغ');
    expect(arabic.querySelector('.invisible-char')).toBeNull();
  });

  it('offers the reply box when granted, with internal notes only when those are', async () => {
    const replyToTicket = vi.fn(async () => ticket.messages?.[0]);
    const ctx = context(ticketPolicy(['ticket.messages', 'ticket.internal_notes', 'ticket.reply']), {
      openTicket: vi.fn(async () => ({ source: 'server', asOf: 0, value: ticket })),
      replyToTicket,
    } as Partial<Api>);
    await renderTicket(root, 11, ctx);
    expect(root.querySelector('.message.internal')?.textContent).toContain('fraud team');
    root.querySelector<HTMLTextAreaElement>('textarea')!.value = 'Refunded.';
    root.querySelector<HTMLInputElement>('input[type="checkbox"]')!.checked = true;
    root.querySelector('form')!.dispatchEvent(new Event('submit'));
    await wait(0);
    expect(replyToTicket).toHaveBeenCalledWith(11, 'Refunded.', true);
    expect(ctx.openTicket).toHaveBeenCalledWith(11);
  });

  it('keeps an unsent reply when the page is drawn again, and forgets it once sent', async () => {
    const replyToTicket = vi.fn(async () => ticket.messages?.[0]);
    const ctx = context(ticketPolicy(['ticket.messages', 'ticket.internal_notes', 'ticket.reply']), {
      openTicket: vi.fn(async (id: number) => ({ source: 'server', asOf: 0, value: { ...ticket, id } })),
      replyToTicket,
    } as Partial<Api>);
    const box = () => root.querySelector<HTMLTextAreaElement>('textarea')!;
    await renderTicket(root, 11, ctx);
    box().value = 'Half a thought';
    box().dispatchEvent(new Event('input'));
    root.querySelector<HTMLInputElement>('input[type="checkbox"]')!.checked = true;
    root.querySelector<HTMLInputElement>('input[type="checkbox"]')!.dispatchEvent(new Event('change'));
    root.replaceChildren();
    await renderTicket(root, 11, ctx);
    expect(box().value).toBe('Half a thought');
    expect(root.querySelector<HTMLInputElement>('input[type="checkbox"]')!.checked).toBe(true);
    root.replaceChildren();
    await renderTicket(root, 12, ctx);
    expect(box().value).toBe('');

    root.replaceChildren();
    await renderTicket(root, 11, ctx);
    root.querySelector('form')!.dispatchEvent(new Event('submit'));
    await wait(0);
    expect(replyToTicket).toHaveBeenCalledWith(11, 'Half a thought', true);
    root.replaceChildren();
    await renderTicket(root, 11, ctx);
    expect(box().value).toBe('');

    box().value = 'Another';
    box().dispatchEvent(new Event('input'));
    forgetDrafts();
    root.replaceChildren();
    await renderTicket(root, 11, ctx);
    expect(box().value).toBe('');
  });
});
