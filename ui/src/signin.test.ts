import { beforeEach, describe, expect, it } from 'vitest';

import { providerLabel, renderFatal, renderSignIn } from './signin';

let root: HTMLElement;
beforeEach(() => {
  document.body.innerHTML = '<main id="app"></main>';
  root = document.getElementById('app')!;
});

describe('sign-in screen', () => {
  it('names the configured provider by its host', () => {
    renderSignIn(root, { version: '0.1.0', issuer: 'https://login.example.com/oauth2/default', signedIn: false });
    const screen = root.querySelector('[data-testid="sign-in-screen"]');
    expect(screen?.querySelector('h1')?.textContent).toBe('Support Desk');
    expect(root.querySelector('[data-testid="provider"]')?.textContent).toBe(
      'Your company account at login.example.com',
    );
    expect(root.textContent).toContain('Version 0.1.0');
  });

  it('does not pretend sign-in works before it does', () => {
    renderSignIn(root, { version: '0.1.0', issuer: 'https://login.example.com', signedIn: false });
    const button = root.querySelector<HTMLButtonElement>('[data-testid="sign-in-button"]')!;
    expect(button.disabled).toBe(true);
    const note = document.getElementById(button.getAttribute('aria-describedby')!);
    expect(note?.textContent).toMatch(/not available/);
  });

  it('says what to do when no provider is configured', () => {
    renderSignIn(root, { version: '0.1.0', issuer: null, signedIn: false });
    expect(root.querySelector('[data-testid="provider"]')?.textContent).toMatch(/DESK_ISSUER/);
  });

  it('renders hostile configuration text as text, never as HTML', () => {
    const hostile = '<img src=x onerror="window.pwned=1">';
    renderSignIn(root, { version: hostile, issuer: hostile, signedIn: false });
    expect(root.querySelector('img')).toBeNull();
    expect(root.textContent).toContain(hostile);
    renderFatal(root, hostile);
    expect(root.querySelector('img')).toBeNull();
    expect(root.textContent).toContain(hostile);
  });

  it('labels a URL it cannot parse with the text as given', () => {
    expect(providerLabel('not a url')).toBe('not a url');
    expect(providerLabel('http://127.0.0.1:4010')).toBe('127.0.0.1:4010');
  });
});
