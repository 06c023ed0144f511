import { beforeEach, describe, expect, it, vi } from 'vitest';

import { byTestId, fakeApi, flush } from '../fixtures';
import { adminContext, history, preview } from './fixtures';
import { renderLayouts } from './layouts';

let root: HTMLElement;
beforeEach(() => {
  document.body.innerHTML = '<section id="w"></section>';
  root = document.getElementById('w')!;
});

const q = (id: string) => byTestId(root, id);
const editorApi = () =>
  fakeApi({
    layoutPreview: vi.fn(async () => preview()),
    layoutHistory: vi.fn(async () => history()),
    publishLayout: vi.fn(async (role, layout) => ({ role, layout, version: 3, updated_at: '', updated_by: 'admin' })),
    restoreLayout: vi.fn(async (role) => ({ role, layout: history()[1]!.layout, version: 3, updated_at: '', updated_by: 'admin' })),
  });
const order = (page: string) =>
  [...root.querySelectorAll<HTMLElement>(`fieldset[data-page="${page}"] [data-draft-widget]`)].map((li) => li.dataset.draftWidget);
const click = (id: string) => (q(id) as HTMLButtonElement).click();

describe('the layout editor', () => {
  it('shows each granted page with its widgets and offers only granted widgets', async () => {
    const api = editorApi();
    await renderLayouts(root, adminContext(api, ['layout.publish']));
    await flush();
    expect(api.layoutPreview).toHaveBeenCalledWith('agent_l1');
    expect(order('customer')).toEqual(['customer.summary', 'customer.contact']);
    const offered = [...(q('add-to-customer') as HTMLSelectElement).options].map((o) => o.value);
    expect(offered).toEqual(['customer.cards']);
    // A page the definition does not grant is not offered at all.
    expect(root.querySelector('fieldset[data-page="ticket"]')).toBeNull();
    expect(q('layout-status')?.textContent).toBe("agent_l1's layout is version 2.");
  });

  it('previews the customer page as the role sees it, from the preview alone', async () => {
    const api = editorApi();
    await renderLayouts(root, adminContext(api, ['layout.publish']));
    await flush();
    const shown = q('layout-preview')!;
    expect(shown.textContent).toContain('Vikram Lindqvist');
    expect(shown.querySelector('.redacted')?.textContent).toBe('v•••@example.org');
    expect([...shown.querySelectorAll<HTMLElement>('[data-widget]')].map((w) => w.dataset.widget)).toEqual([
      'customer.summary',
      'customer.contact',
    ]);
    // Nothing is read through the administrator's own session for it.
    expect(api.openCustomer).not.toHaveBeenCalled();
    expect(api.listTransactions).not.toHaveBeenCalled();
  });

  it('edits by buttons and keys, follows the draft in the preview, and publishes it', async () => {
    const api = editorApi();
    await renderLayouts(root, adminContext(api, ['layout.publish']));
    await flush();
    click('add-button-customer');
    await flush();
    expect(order('customer')).toEqual(['customer.summary', 'customer.contact', 'customer.cards']);
    expect(q('add-to-customer')).toBeNull();
    click('up-customer.cards');
    await flush();
    expect(order('customer')).toEqual(['customer.summary', 'customer.cards', 'customer.contact']);
    // Alt+Up on a widget's control moves it again, and the focus stays on it.
    const up = q('up-customer.cards')!;
    up.focus();
    up.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowUp', altKey: true, bubbles: true }));
    await flush();
    expect(order('customer')).toEqual(['customer.cards', 'customer.summary', 'customer.contact']);
    expect(document.activeElement?.getAttribute('data-focus')).toBe('down-customer.cards');
    expect(q('layout-preview')!.querySelector('[data-widget]')?.getAttribute('data-widget')).toBe('customer.cards');
    expect(q('layout-change-list')?.textContent).toBe(
      'Customer: adds Payment cards; new order: Payment cards, Summary, Contact details',
    );
    click('layout-publish');
    expect(api.publishLayout).not.toHaveBeenCalled();
    click('layout-publish-confirm');
    await flush();
    expect(api.publishLayout).toHaveBeenCalledWith('agent_l1', {
      pages: { search: ['search.box', 'search.results'], customer: ['customer.cards', 'customer.summary', 'customer.contact'] },
    });
    expect(q('layout-status')?.textContent).toBe(
      "Published version 3 of agent_l1's layout. Agents signed in with it see it now.",
    );
  });

  it('removes a widget, discards a draft, and says why a publication was refused', async () => {
    const api = editorApi();
    api.publishLayout = vi.fn(async () => {
      const { CommandError } = await import('../api');
      throw new CommandError('server_refused', 'the server refused: invalid_layout: `customer.cards` is not granted');
    });
    await renderLayouts(root, adminContext(api, ['layout.publish']));
    await flush();
    click('remove-customer.contact');
    await flush();
    expect(order('customer')).toEqual(['customer.summary']);
    click('layout-discard');
    await flush();
    expect(order('customer')).toEqual(['customer.summary', 'customer.contact']);
    click('remove-customer.contact');
    click('layout-publish');
    click('layout-publish-confirm');
    await flush();
    expect(q('layout-status')?.textContent).toContain('invalid_layout');
    // The draft is kept.
    expect(order('customer')).toEqual(['customer.summary']);
  });

  it('lists the published layouts and restores an earlier one after asking', async () => {
    const api = editorApi();
    await renderLayouts(root, adminContext(api, ['layout.publish']));
    await flush();
    const items = [...q('layout-history')!.querySelectorAll('li')].map((li) => li.dataset.version);
    expect(items).toEqual(['2', '1']);
    expect(q('restore-2')).toBeNull();
    click('restore-1');
    click('layout-restore-confirm');
    await flush();
    expect(api.restoreLayout).toHaveBeenCalledWith('agent_l1', 1);
    expect(q('layout-status')?.textContent).toBe('Version 1 published again as version 3.');
  });

  it('says when the server refuses the administrator', async () => {
    await renderLayouts(root, adminContext(fakeApi(), ['layout.publish']));
    await flush();
    expect(q('layout-status')?.textContent).toBe('Your role may not see this. Ask an administrator if you need it.');
    expect(q('layout-editor')?.children.length).toBe(0);
  });
});
