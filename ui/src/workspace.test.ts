import { beforeEach, describe, expect, it } from 'vitest';

import type { PolicyDto } from './generated/PolicyDto';
import type { Widget } from './generated/Widget';
import { renderPolicyProblem, renderWorkspace } from './workspace';

let root: HTMLElement;
beforeEach(() => {
  document.body.innerHTML = '<section id="ws"></section>';
  root = document.getElementById('ws')!;
});

const policy = (version: number, customer: Widget[]): PolicyDto => ({
  version,
  roles: ['agent_l1'],
  expiresAt: 1_900_000_000,
  pages: [
    { page: 'search', widgets: ['search.box', 'search.results'] },
    { page: 'customer', widgets: customer },
    { page: 'audit', widgets: [] },
  ],
  fields: {},
  actions: [],
  searchBy: ['name', 'email', 'phone', 'account'],
});

const widgets = () =>
  [...root.querySelectorAll<HTMLElement>('[data-layout-widget]')].map((w) => w.dataset.layoutWidget);

describe('workspace', () => {
  it('renders the pages and widgets in the order of the layout', () => {
    renderWorkspace(root, policy(7, ['customer.contact', 'customer.summary']));
    expect(widgets()).toEqual(['search.box', 'search.results', 'customer.contact', 'customer.summary']);
    expect(root.querySelector('[data-page="audit"]')).toBeNull();
    expect(root.querySelector('[data-page="customer"] h3')?.textContent).toBe('Customer');
    expect(root.querySelector<HTMLElement>('[data-testid="policy-version"]')?.dataset.version).toBe('7');
  });

  it('replaces the view when a new policy arrives: removed widgets leave the DOM', () => {
    renderWorkspace(root, policy(7, ['customer.summary', 'customer.cards']));
    renderWorkspace(root, policy(8, ['customer.summary']));
    expect(widgets()).not.toContain('customer.cards');
    expect(root.querySelectorAll('[data-page="customer"]').length).toBe(1);
  });

  it('says so when the role grants no page', () => {
    renderWorkspace(root, { version: 1, roles: [], expiresAt: 0, pages: [], fields: {}, actions: [], searchBy: [] });
    expect(root.querySelector('[data-testid="no-pages"]')).not.toBeNull();
  });

  it('keeps the role in view and the pages behind a disclosure, left as the agent set it', () => {
    renderWorkspace(root, policy(7, ['customer.summary']));
    const details = () => root.querySelector<HTMLDetailsElement>('details[data-testid="workspace-details"]')!;
    expect(details().open).toBe(false);
    expect(details().querySelector('summary [data-testid="policy-version"]')?.textContent).toMatch(/^Role: agent_l1 · /);
    details().open = true;
    renderWorkspace(root, policy(8, ['customer.summary', 'customer.cards']));
    expect(details().open).toBe(true);
    expect(widgets()).toContain('customer.cards');
    details().open = false;
    renderWorkspace(root, policy(9, ['customer.summary']));
    expect(details().open).toBe(false);
  });

  it('opens the disclosure at once when the role grants no page', () => {
    renderWorkspace(root, { version: 1, roles: [], expiresAt: 0, pages: [], fields: {}, actions: [], searchBy: [] });
    expect(root.querySelector<HTMLDetailsElement>('details')?.open).toBe(true);
  });

  it('shows names as text, never as markup', () => {
    // A name the window does not know (the types allow none; a hostile app might send one).
    renderWorkspace(root, policy(1, ['<img src=x onerror=alert(1)>' as Widget]));
    expect(root.querySelector('img')).toBeNull();
    expect(root.textContent).toContain('<img src=x onerror=alert(1)>');
  });

  it('keeps the workspace and adds the problem when a policy is refused', () => {
    renderWorkspace(root, policy(7, ['customer.summary']));
    renderPolicyProblem(root, 'The permissions could not be verified.');
    renderPolicyProblem(root, 'Still not verified.');
    expect(widgets()).toContain('customer.summary');
    expect(root.querySelectorAll('[data-testid="policy-problem"]').length).toBe(1);
    expect(root.querySelector('[data-testid="policy-problem"]')?.textContent).toBe('Still not verified.');
  });
});
