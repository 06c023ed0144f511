import { beforeEach, describe, expect, it, vi } from 'vitest';

import { type Api, CommandError } from './api';
import { providerLabel, renderFatal, renderSignIn, start } from './signin';

let root: HTMLElement;
beforeEach(() => {
  document.body.innerHTML = '<main id="app"></main>';
  root = document.getElementById('app')!;
});

const status = { version: '0.1.0', issuer: 'https://login.example.com/oauth2/default', signedIn: false };
const agent = { subject: 'agent2', name: 'Sam Tier-Two', email: null, roles: ['support-tier2'] };
const customer = (id: number) => ({
  id,
  name: 'Ada Lovelace',
  email: 'a•••@example.com',
  phone: null,
  dateOfBirth: null,
  address: null,
  tier: 'plus',
  status: 'active',
  createdAt: null,
  accounts: null,
});
const policy = (version: number, customer: string[]) => ({
  version,
  roles: ['agent_l2'],
  expiresAt: 1_900_000_000,
  pages: [{ page: 'customer', widgets: customer }],
  fields: { 'customer.email': 'mask_email' },
  actions: [],
  searchBy: ['name', 'email', 'phone', 'account'],
});

function fakeApi(overrides: Partial<Api> = {}): Api {
  return {
    appStatus: vi.fn(async () => status),
    currentAgent: vi.fn(async () => null),
    signIn: vi.fn(async () => agent),
    signOut: vi.fn(async () => undefined),
    currentPolicy: vi.fn(async () => policy(3, ['customer.summary', 'customer.cards'])),
    watchPolicy: vi.fn(() => new Promise<void>(() => {})),
    searchCustomers: vi.fn(async () => ({ source: 'server', asOf: 0, value: { items: [], nextCursor: null } })),
    openCustomer: vi.fn(async (id: number) => ({ source: 'server', asOf: 0, value: customer(id) })),
    listTransactions: vi.fn(async () => ({ source: 'server', asOf: 0, value: { items: [], nextCursor: null } })),
    listTickets: vi.fn(async () => ({ source: 'server', asOf: 0, value: { items: [], nextCursor: null } })),
    openTicket: vi.fn(async () => {
      throw new CommandError('not_cached', 'not in the cache');
    }),
    replyToTicket: vi.fn(async () => {
      throw new CommandError('server_unreachable', 'offline');
    }),
    serverReachable: vi.fn(async () => false),
    ...overrides,
  };
}

const q = (id: string) => root.querySelector<HTMLElement>(`[data-testid="${id}"]`);
const flush = () => new Promise((r) => setTimeout(r, 0));

describe('sign-in screen', () => {
  it('names the configured provider by its host', () => {
    renderSignIn(root, status, fakeApi());
    expect(q('sign-in-screen')?.querySelector('h1')?.textContent).toBe('Support Desk');
    expect(q('provider')?.textContent).toBe('Your company account at login.example.com');
    expect(root.textContent).toContain('Version 0.1.0');
  });

  it('signs in, showing progress, then the agent', async () => {
    let finish!: (a: typeof agent) => void;
    const api = fakeApi({ signIn: vi.fn(() => new Promise<typeof agent>((r) => (finish = r))) });
    renderSignIn(root, status, api);
    const button = q('sign-in-button') as HTMLButtonElement;
    button.click();
    expect(button.disabled).toBe(true);
    expect(q('sign-in-note')?.textContent).toMatch(/browser/);
    finish(agent);
    await flush();
    expect(q('agent-name')?.textContent).toBe('Signed in as Sam Tier-Two');
    expect(q('agent-roles')?.textContent).toContain('support-tier2');
  });

  it('shows why sign-in failed and lets the agent try again', async () => {
    const api = fakeApi({
      signIn: vi.fn(async () => {
        throw new CommandError('sign_in_timeout', 'sign-in timed out after 300 s');
      }),
    });
    renderSignIn(root, status, api);
    (q('sign-in-button') as HTMLButtonElement).click();
    await flush();
    expect(q('sign-in-note')?.textContent).toBe('Sign-in timed out after 300 s.');
    expect(q('sign-in-note')?.getAttribute('role')).toBe('alert');
    expect((q('sign-in-button') as HTMLButtonElement).disabled).toBe(false);
  });

  it('says what to do when no provider is configured, and offers no sign-in', () => {
    renderSignIn(root, { ...status, issuer: null }, fakeApi());
    expect(q('provider')?.textContent).toMatch(/DESK_ISSUER/);
    expect((q('sign-in-button') as HTMLButtonElement).disabled).toBe(true);
  });

  it('opens signed in when the keychain holds a session, and signs out', async () => {
    const api = fakeApi({ currentAgent: vi.fn(async () => agent) });
    await start(root, api);
    expect(q('agent-name')?.textContent).toContain('Sam Tier-Two');
    (q('sign-out-button') as HTMLButtonElement).click();
    await flush();
    expect(api.signOut).toHaveBeenCalledOnce();
    expect(q('sign-in-screen')).not.toBeNull();
  });

  it('renders hostile text as text, never as HTML', async () => {
    const hostile = '<img src=x onerror="window.pwned=1">';
    renderSignIn(root, { ...status, version: hostile, issuer: hostile }, fakeApi());
    expect(root.querySelector('img')).toBeNull();
    expect(root.textContent).toContain(hostile);
    await start(root, fakeApi({ currentAgent: vi.fn(async () => ({ ...agent, name: hostile, roles: [hostile] })) }));
    expect(root.querySelector('img')).toBeNull();
    expect(q('agent-name')?.textContent).toContain(hostile);
    renderFatal(root, hostile);
    expect(root.querySelector('img')).toBeNull();
  });

  it("shows invisible characters in the agent's name and in errors as markers", async () => {
    await start(root, fakeApi({ currentAgent: vi.fn(async () => ({ ...agent, name: 'Sam\u202E\u200B' })) }));
    expect(q('agent-name')?.textContent).toBe('Signed in as Sam⟨U+202E⟩⟨U+200B⟩');
    const signIn = vi.fn(async () => {
      throw new CommandError('server_refused', 'refused: \u202Eti esoohc');
    });
    renderSignIn(root, status, fakeApi({ signIn }));
    (q('sign-in-button') as HTMLButtonElement).click();
    await flush();
    expect(q('sign-in-note')?.textContent).toContain('⟨U+202E⟩ti esoohc');
    expect(q('sign-in-note')?.textContent).not.toContain('\u202E');
  });

  it('labels a URL it cannot parse with the text as given', () => {
    expect(providerLabel('not a url')).toBe('not a url');
    expect(providerLabel('http://127.0.0.1:4010')).toBe('127.0.0.1:4010');
  });
});

describe('signed-in workspace', () => {
  const widgets = () =>
    [...root.querySelectorAll<HTMLElement>('[data-layout-widget]')].map((w) => w.dataset.layoutWidget);

  it('shows the verified policy and re-renders on every pushed one', async () => {
    let push!: (p: ReturnType<typeof policy>) => void;
    const api = fakeApi({
      currentAgent: vi.fn(async () => agent),
      watchPolicy: vi.fn((onPolicy) => {
        push = onPolicy;
        return new Promise<void>(() => {});
      }),
    });
    await start(root, api);
    await flush();
    expect(widgets()).toEqual(['customer.summary', 'customer.cards']);
    push(policy(4, ['customer.summary']));
    expect(widgets()).toEqual(['customer.summary']);
    expect(q('policy-version')?.dataset.version).toBe('4');
  });

  it('says why when the policy cannot be verified, and when live updates stop', async () => {
    const api = fakeApi({
      currentAgent: vi.fn(async () => agent),
      currentPolicy: vi.fn(async () => {
        throw new CommandError('policy_refused', 'the policy is for another agent');
      }),
      watchPolicy: vi.fn(async () => {
        throw new CommandError('session_ended', 'sign in again');
      }),
    });
    await start(root, api);
    await flush();
    await flush();
    expect(widgets()).toEqual([]);
    expect(q('policy-problem')?.textContent).toBe('Live updates stopped. Your session has ended. Sign out, then sign in again.');
  });
});

describe('moving around', () => {
  const pagesPolicy = {
    ...policy(3, ['customer.summary']),
    pages: [
      { page: 'search', widgets: ['search.box', 'search.results'] },
      { page: 'customer', widgets: ['customer.summary'] },
    ],
  };
  const found = (source: string) => ({ source, asOf: 1_800_000_000, value: { items: [customer(7)], nextCursor: null } });
  const key = (init: KeyboardEventInit) => document.dispatchEvent(new KeyboardEvent('keydown', { ...init, cancelable: true }));

  it('goes back with Alt+Left and to the search with Ctrl+K', async () => {
    const api = fakeApi({
      currentAgent: vi.fn(async () => agent),
      currentPolicy: vi.fn(async () => pagesPolicy),
      searchCustomers: vi.fn(async () => found('server')),
    });
    await start(root, api);
    await flush();
    const input = () => root.querySelector<HTMLInputElement>('[data-testid="search-input"]');
    input()!.value = 'ada';
    input()!.dispatchEvent(new Event('input'));
    await new Promise((r) => setTimeout(r, 200));
    root.querySelector<HTMLElement>('[data-customer="7"]')!.click();
    await flush();
    const onCustomer = () => root.querySelector('[data-widget="customer.summary"]') !== null;
    expect(onCustomer()).toBe(true);
    expect(input()).toBeNull();
    key({ key: 'k', ctrlKey: true });
    expect(document.activeElement).toBe(input());
    expect(q('nav-back')).not.toBeNull();
    key({ key: 'ArrowLeft', altKey: true });
    await flush();
    expect(onCustomer()).toBe(true);
    key({ key: 'ArrowLeft', altKey: true });
    expect(input()).not.toBeNull();
    expect(q('nav-back')).toBeNull();
    q('sign-out-button')!.click();
    await flush();
    expect(key({ key: 'ArrowLeft', altKey: true })).toBe(true); // nothing listens after sign-out
  });

  it('shows the offline banner for cached data and refreshes quietly once the server is back', async () => {
    vi.useFakeTimers();
    try {
      const searchCustomers = vi.fn().mockResolvedValueOnce(found('cache')).mockResolvedValue(found('server'));
      const serverReachable = vi.fn().mockResolvedValueOnce(false).mockResolvedValue(true);
      const api = fakeApi({
        currentAgent: vi.fn(async () => agent),
        currentPolicy: vi.fn(async () => pagesPolicy),
        searchCustomers,
        serverReachable,
      });
      await start(root, api);
      await vi.advanceTimersByTimeAsync(0);
      const input = root.querySelector<HTMLInputElement>('[data-testid="search-input"]')!;
      input.value = 'ada';
      input.dispatchEvent(new Event('input'));
      await vi.advanceTimersByTimeAsync(200);
      expect(q('offline-banner')!.hidden).toBe(false);
      expect(q('offline-banner')!.textContent).toMatch(/offline.*as of/);
      await vi.advanceTimersByTimeAsync(5_000);
      expect(serverReachable).toHaveBeenCalledTimes(1);
      expect(q('offline-banner')!.hidden).toBe(false);
      await vi.advanceTimersByTimeAsync(5_000 + 200);
      expect(serverReachable).toHaveBeenCalledTimes(2);
      expect(searchCustomers).toHaveBeenLastCalledWith('ada');
      expect(searchCustomers).toHaveBeenCalledTimes(2);
      expect(q('offline-banner')!.hidden).toBe(true);
      // Online, nobody asks again.
      await vi.advanceTimersByTimeAsync(20_000);
      expect(serverReachable).toHaveBeenCalledTimes(2);
      expect(root.querySelector<HTMLInputElement>('[data-testid="search-input"]')!.value).toBe('ada');
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('errors', () => {
  it('are sentences a person can act on', async () => {
    const { explain } = await import('./api');
    expect(explain(new CommandError('forbidden', 'the server refused the request (403 forbidden): no'))).toMatch(
      /^Your role may not see this/,
    );
    expect(explain(new CommandError('not_found', 'the server refused the request (404 not_found): gone'))).toMatch(
      /does not exist/,
    );
    // The code decides, never the text: a refusal that only mentions 403 is shown as it was said.
    expect(explain(new CommandError('server_refused', 'the server refused the request (403 x): no'))).toBe(
      'The server refused the request (403 x): no.',
    );
    expect(explain(new CommandError('not_cached', 'x'))).toMatch(/^You are offline/);
    expect(explain(new CommandError('cache', 'the local cache: disk full'))).toBe('The local cache: disk full.');
    expect(explain(new CommandError('config', 'Set DESK_ISSUER!'))).toBe('Set DESK_ISSUER!');
    expect(explain(new CommandError('internal', '  '))).toBe('Something went wrong; try again.');
    expect(explain(new Error('boom'))).toMatch(/^Something unexpected/);
  });
});
