import { beforeEach, describe, expect, it, vi } from 'vitest';

import { CommandError } from './api';
import { agent, byTestId, fakeApi, flush, status } from './fixtures';
import { providerLabel, renderSignIn } from './signin';

let root: HTMLElement;
beforeEach(() => {
  document.body.innerHTML = '<main id="app"></main>';
  root = document.getElementById('app')!;
});

const q = (id: string) => byTestId(root, id);

describe('sign-in screen', () => {
  it('names the configured provider by its host', () => {
    renderSignIn(root, status, fakeApi(), vi.fn());
    expect(q('sign-in-screen')?.querySelector('h1')?.textContent).toBe('Support Desk');
    expect(q('provider')?.textContent).toBe('Your company account at login.example.com');
    expect(root.textContent).toContain('Version 0.1.0');
  });

  it('signs in, showing progress, then hands on the agent', async () => {
    let finish!: (a: typeof agent) => void;
    const api = fakeApi({ signIn: vi.fn(() => new Promise<typeof agent>((r) => (finish = r))) });
    const signedIn = vi.fn();
    renderSignIn(root, status, api, signedIn);
    const button = q('sign-in-button') as HTMLButtonElement;
    button.click();
    expect(button.disabled).toBe(true);
    expect(q('sign-in-note')?.textContent).toMatch(/browser/);
    expect(signedIn).not.toHaveBeenCalled();
    finish(agent);
    await flush();
    expect(signedIn).toHaveBeenCalledWith(agent);
  });

  it('shows why sign-in failed and lets the agent try again', async () => {
    const api = fakeApi({
      signIn: vi.fn(async () => {
        throw new CommandError('sign_in_timeout', 'sign-in timed out after 300 s');
      }),
    });
    const signedIn = vi.fn();
    renderSignIn(root, status, api, signedIn);
    (q('sign-in-button') as HTMLButtonElement).click();
    await flush();
    expect(q('sign-in-note')?.textContent).toBe('Sign-in timed out after 300 s.');
    expect(q('sign-in-note')?.getAttribute('role')).toBe('alert');
    expect((q('sign-in-button') as HTMLButtonElement).disabled).toBe(false);
    expect(signedIn).not.toHaveBeenCalled();
  });

  it('says what to do when no provider is configured, and offers no sign-in', () => {
    renderSignIn(root, { ...status, issuer: null }, fakeApi(), vi.fn());
    expect(q('provider')?.textContent).toMatch(/DESK_ISSUER/);
    expect((q('sign-in-button') as HTMLButtonElement).disabled).toBe(true);
  });

  it('renders hostile text as text, never as HTML', () => {
    const hostile = '<img src=x onerror="window.pwned=1">';
    renderSignIn(root, { ...status, version: hostile, issuer: hostile }, fakeApi(), vi.fn());
    expect(root.querySelector('img')).toBeNull();
    expect(root.textContent).toContain(hostile);
  });

  it('shows invisible characters in errors as markers', async () => {
    const signIn = vi.fn(async () => {
      throw new CommandError('server_refused', 'refused: \u202Eti esoohc');
    });
    renderSignIn(root, status, fakeApi({ signIn }), vi.fn());
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
