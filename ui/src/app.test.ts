import { beforeEach, describe, expect, it, vi } from 'vitest';

import { CommandError, type PolicyDto } from './api';
import { renderFatal, start } from './app';
import { agent, byTestId, customer, fakeApi, flush, policy, status } from './fixtures';
import type { Source } from './generated/Source';

let root: HTMLElement;
beforeEach(() => {
  document.body.innerHTML = '<main id="app"></main>';
  root = document.getElementById('app')!;
});

const q = (id: string) => byTestId(root, id);

describe('screens', () => {
  it('signs in from the sign-in screen and shows the agent', async () => {
    await start(root, fakeApi());
    expect(q('sign-in-screen')).not.toBeNull();
    q('sign-in-button')!.click();
    await flush();
    expect(q('agent-name')?.textContent).toBe('Signed in as Sam Tier-Two');
    expect(q('agent-roles')?.textContent).toContain('support-tier2');
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

  it('says after a sign-out when the provider did not confirm ending the session', async () => {
    const api = fakeApi({
      currentAgent: vi.fn(async () => agent),
      signOut: vi.fn(async () => ({ pendingViews: 0, refusedViews: 0, unconfirmedRevocation: true })),
    });
    await start(root, api);
    (q('sign-out-button') as HTMLButtonElement).click();
    await flush();
    expect(q('sign-in-screen')).not.toBeNull();
    expect(q('sign-out-note')?.textContent).toBe(
      'Signed out on this device. Your identity provider did not confirm that it ended the session there.',
    );
  });

  it('says after a sign-out how many views made offline wait for the next sign-in', async () => {
    const api = fakeApi({
      currentAgent: vi.fn(async () => agent),
      signOut: vi.fn(async () => ({ pendingViews: 3, refusedViews: 0, unconfirmedRevocation: false })),
    });
    await start(root, api);
    (q('sign-out-button') as HTMLButtonElement).click();
    await flush();
    expect(q('sign-in-screen')).not.toBeNull();
    expect(q('sign-out-note')?.textContent).toBe(
      'Signed out, but the server did not answer. 3 records you opened offline wait to be recorded in the ' +
        'audit trail. They stay on this device and are sent when you next sign in.',
    );
  });

  it('says after a sign-out how many views made offline the server refused, when none wait', async () => {
    const api = fakeApi({
      currentAgent: vi.fn(async () => agent),
      signOut: vi.fn(async () => ({ pendingViews: 0, refusedViews: 1, unconfirmedRevocation: false })),
    });
    await start(root, api);
    (q('sign-out-button') as HTMLButtonElement).click();
    await flush();
    expect(q('sign-out-note')?.textContent).toBe(
      'Signed out. 1 record you opened offline was refused by the server and is not in the audit trail; ' +
        'it is kept on this device.',
    );
  });

  it('says both when views wait and others were refused', async () => {
    const api = fakeApi({
      currentAgent: vi.fn(async () => agent),
      signOut: vi.fn(async () => ({ pendingViews: 2, refusedViews: 4, unconfirmedRevocation: false })),
    });
    await start(root, api);
    (q('sign-out-button') as HTMLButtonElement).click();
    await flush();
    expect(q('sign-out-note')?.textContent).toBe(
      'Signed out, but the server did not answer. 2 records you opened offline wait to be recorded in the ' +
        'audit trail. They stay on this device and are sent when you next sign in. 4 records you opened ' +
        'offline were refused by the server and are not in the audit trail; they are kept on this device.',
    );
  });

  it('says nothing more after a sign-out that left nothing pending', async () => {
    await start(root, fakeApi({ currentAgent: vi.fn(async () => agent) }));
    (q('sign-out-button') as HTMLButtonElement).click();
    await flush();
    expect(q('sign-in-screen')).not.toBeNull();
    expect(q('sign-out-note')).toBeNull();
  });

  it('renders hostile text as text, never as HTML', async () => {
    const hostile = '<img src=x onerror="window.pwned=1">';
    await start(root, fakeApi({ currentAgent: vi.fn(async () => ({ ...agent, name: hostile, roles: [hostile] })) }));
    expect(root.querySelector('img')).toBeNull();
    expect(q('agent-name')?.textContent).toContain(hostile);
    renderFatal(root, hostile);
    expect(root.querySelector('img')).toBeNull();
    expect(q('fatal-error')?.textContent).toContain(hostile);
  });

  it("shows invisible characters in the agent's name as markers", async () => {
    await start(root, fakeApi({ currentAgent: vi.fn(async () => ({ ...agent, name: 'Sam\u202E\u200B' })) }));
    expect(q('agent-name')?.textContent).toBe('Signed in as Sam⟨U+202E⟩⟨U+200B⟩');
  });

  it('says so when the app cannot start', async () => {
    await start(root, fakeApi({ appStatus: vi.fn(async () => {
      throw new CommandError('config', 'the configuration is not valid: no issuer');
    }) }));
    expect(q('fatal-error')?.textContent).toContain('The configuration is not valid: no issuer.');
  });
});

describe('signed-in workspace', () => {
  const widgets = () =>
    [...root.querySelectorAll<HTMLElement>('[data-layout-widget]')].map((w) => w.dataset.layoutWidget);

  it('shows the verified policy and re-renders on every pushed one', async () => {
    let push!: (p: PolicyDto) => void;
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

describe('a remote wipe, or access withdrawn by the organisation', () => {
  const says = {
    wiped: 'An administrator wiped this device: what it kept is deleted and your session has ended. Sign in again.',
    access_withdrawn:
      'Your organisation withdrew your access: what this device kept is deleted and your session has ended. Sign in again once your access is given back.',
  } as const;

  it.each([
    ['watchPolicy', 'wiped'],
    ['currentPolicy', 'wiped'],
    ['watchPolicy', 'access_withdrawn'],
    ['currentPolicy', 'access_withdrawn'],
  ] as const)(
    'takes the window back to the sign-in screen, saying so, whichever command meets it (%s, %s)',
    async (command, code) => {
      const wipedError = () => new CommandError(code, 'the session ended here');
      const saysWiped = says[code];
      const api = fakeApi({
        currentAgent: vi.fn(async () => agent),
        [command]: vi.fn(async () => {
          throw wipedError();
        }),
      });
      await start(root, api);
      await flush();
      await flush();
      expect(q('signed-in')).toBeNull();
      expect(q('sign-in-screen')).not.toBeNull();
      expect(q('sign-out-note')?.textContent).toBe(saysWiped);
      expect(api.signOut).not.toHaveBeenCalled();
    },
  );
});

describe('a version the server no longer answers', () => {
  it.each(['watchPolicy', 'currentPolicy'] as const)(
    'shows the update screen, and nothing else, whichever command meets it (%s)',
    async (command) => {
      const refused = 'this version of Support Desk (0.1.0) is no longer answered by your organisation\'s server: update it to 2.0.0 or later';
      const api = fakeApi({
        currentAgent: vi.fn(async () => agent),
        [command]: vi.fn(async () => {
          throw new CommandError('update_required', refused);
        }),
      });
      await start(root, api);
      await flush();
      await flush();
      expect(q('signed-in')).toBeNull();
      expect(q('sign-in-screen')).toBeNull();
      const screen = q('update-required');
      expect(screen?.querySelector('h1')?.textContent).toBe('Update required');
      expect(screen?.textContent).toContain('update it to 2.0.0 or later');
      expect(document.activeElement).toBe(screen?.querySelector('h1'));
      expect(api.signOut).not.toHaveBeenCalled();
    },
  );
});

describe('moving around', () => {
  const pagesPolicy: PolicyDto = {
    ...policy(3, ['customer.summary']),
    pages: [
      { page: 'search', widgets: ['search.box', 'search.results'] },
      { page: 'customer', widgets: ['customer.summary'] },
    ],
  };
  const found = (source: Source) => ({ source, asOf: 1_800_000_000, value: { items: [customer(7)], nextCursor: null } });
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

  it('offers the administration page only when the layout shows it, and opens it', async () => {
    const admin: PolicyDto = {
      ...policy(4, ['customer.summary']),
      roles: ['admin'],
      pages: [
        { page: 'search', widgets: ['search.box', 'search.results'] },
        { page: 'admin', widgets: ['admin.roles'] },
      ],
      actions: ['role.edit'],
    };
    let push: (p: PolicyDto) => void = () => {};
    const api = fakeApi({
      currentAgent: vi.fn(async () => agent),
      currentPolicy: vi.fn(async () => admin),
      watchPolicy: vi.fn((on: (p: PolicyDto) => void) => {
        push = on;
        return new Promise<void>(() => {});
      }),
      listRoles: vi.fn(async () => []),
      roleChanges: vi.fn(async () => []),
    });
    await start(root, api);
    await flush();
    q('nav-admin')!.click();
    await flush();
    expect(root.querySelector('[data-widget="admin.roles"]')).not.toBeNull();
    expect(q('nav-admin')).toBeNull();
    // A pushed policy without the page takes the way there away, and the page says so.
    push({ ...admin, version: 5, pages: admin.pages.slice(0, 1), actions: [] });
    await flush();
    expect(q('nav-admin')).toBeNull();
    expect(root.querySelector('[data-widget="admin.roles"]')).toBeNull();
    q('nav-search')!.click();
    expect(q('nav-admin')).toBeNull();
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
        appStatus: vi.fn(async () => ({ ...status, pendingViews: 2, refusedViews: 1 })),
      });
      await start(root, api);
      await vi.advanceTimersByTimeAsync(0);
      const input = root.querySelector<HTMLInputElement>('[data-testid="search-input"]')!;
      input.value = 'ada';
      input.dispatchEvent(new Event('input'));
      await vi.advanceTimersByTimeAsync(200);
      expect(q('offline-banner')!.hidden).toBe(false);
      expect(q('offline-banner')!.textContent).toMatch(/offline.*as of/);
      expect(q('pending-views')?.textContent).toBe(
        ' 2 records you opened offline wait to be recorded in the audit trail.',
      );
      expect(q('refused-views')?.textContent).toBe(
        ' 1 record you opened offline was refused by the server and is not in the audit trail; it is kept on ' +
          'this device.',
      );
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
