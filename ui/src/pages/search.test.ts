import { beforeEach, describe, expect, it } from 'vitest';

import type { PolicyDto } from '../api';

import { context, policy, wait, widgetsIn } from './fixtures';
import { renderSearch, searchHint } from './search';

let root: HTMLElement;
beforeEach(() => {
  document.body.innerHTML = '<main id="page"></main>';
  root = document.getElementById('page')!;
});

const widgets = () => widgetsIn(root);

describe('search page', () => {
  it('focuses the field, searches as the agent types, and opens a result with the keyboard', async () => {
    const ctx = context(policy(['search.box', 'search.results'], []));
    renderSearch(root, ctx);
    const input = root.querySelector<HTMLInputElement>('[data-testid="search-input"]')!;
    expect(document.activeElement).toBe(input);
    input.value = 'ada';
    input.dispatchEvent(new Event('input'));
    await wait(200);
    expect(ctx.api.searchCustomers).toHaveBeenCalledWith('ada');
    const option = root.querySelector('[role="option"]')!;
    expect(option.querySelector('img')).toBeNull();
    expect(option.textContent).toContain('<img src=x onerror=alert(1)>');
    input.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowDown' }));
    expect(option.getAttribute('aria-selected')).toBe('true');
    input.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter' }));
    expect(ctx.openCustomer).toHaveBeenCalledWith(7);
  });

  it('renders nothing the layout does not grant', () => {
    renderSearch(root, context(policy(['search.box'], [])));
    expect(widgets()).toEqual(['search.box']);
    expect(root.querySelector('[data-testid="search-results"]')).toBeNull();
  });
});

describe('search hint', () => {
  it('says which keys the role may search by', () => {
    expect(searchHint(['name', 'email', 'phone', 'account'])).toBe('Name, e-mail address, phone or account number');
    expect(searchHint(['name'])).toBe('Name only');
    expect(searchHint(['name', 'account'])).toBe('Name or account number');
    expect(searchHint([])).toBe('Searching is not part of your role');
  });

  it('is the placeholder and accessible name of the search field', () => {
    const p: PolicyDto = { ...policy(['search.box', 'search.results'], []), searchBy: ['name'] };
    renderSearch(root, context(p));
    const input = root.querySelector<HTMLInputElement>('[data-testid="search-input"]')!;
    expect(input.placeholder).toBe('Name only');
    expect(input.getAttribute('aria-label')).toBe('Search customers: Name only');
  });
});
