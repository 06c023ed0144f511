// The sign-in screen. Server and configuration text is only ever set as text, never as HTML.
import type { AppStatusDto } from './api';

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: { className?: string; text?: string; testId?: string; id?: string } = {},
  ...children: Node[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (props.className) node.className = props.className;
  if (props.text !== undefined) node.textContent = props.text;
  if (props.testId) node.dataset.testid = props.testId;
  if (props.id) node.id = props.id;
  node.append(...children);
  return node;
}

/** The host a person recognises in an issuer URL, or the URL itself when it does not parse. */
export function providerLabel(issuer: string): string {
  try {
    return new URL(issuer).host || issuer;
  } catch {
    return issuer;
  }
}

/** Renders the sign-in screen for `status` into `root`, replacing what was there. */
export function renderSignIn(root: HTMLElement, status: AppStatusDto): void {
  const provider = status.issuer
    ? el('p', { testId: 'provider', text: `Your company account at ${providerLabel(status.issuer)}` })
    : el('p', {
        testId: 'provider',
        className: 'warning',
        text: 'No identity provider is configured. Set DESK_ISSUER or `issuer` in the configuration file.',
      });
  const note = el('p', {
    id: 'sign-in-note',
    className: 'muted',
    testId: 'sign-in-note',
    text: 'Sign-in is not available in this build yet.',
  });
  const button = el('button', { testId: 'sign-in-button', text: 'Sign in' });
  button.type = 'button';
  button.disabled = true;
  button.setAttribute('aria-describedby', note.id);

  const card = el(
    'section',
    { className: 'card', testId: 'sign-in-screen' },
    el('h1', { text: 'Support Desk' }),
    el('p', { className: 'lead', text: 'Sign in to look up customers, accounts and tickets.' }),
    provider,
    button,
    note,
    el('p', { className: 'version', text: `Version ${status.version}` }),
  );
  card.setAttribute('aria-labelledby', 'sign-in-title');
  card.querySelector('h1')!.id = 'sign-in-title';
  root.replaceChildren(card);
}

/** Renders an error the app could not get past, as a sentence. */
export function renderFatal(root: HTMLElement, message: string): void {
  root.replaceChildren(
    el(
      'section',
      { className: 'card', testId: 'fatal-error' },
      el('h1', { text: 'Support Desk cannot start' }),
      el('p', { className: 'warning', text: message }),
    ),
  );
}
