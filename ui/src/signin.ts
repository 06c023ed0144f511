// The sign-in screen: which provider the agent signs in at, the button that opens the browser,
// and why a sign-in failed. What follows a sign-in is the caller's (`app.ts`).
import type { AgentDto, Api, AppStatusDto } from './api';
import { explain } from './api';
import { button, el } from './dom';
import { showText } from './format';

/** The host a person recognises in an issuer URL, or the URL itself when it does not parse. */
export function providerLabel(issuer: string): string {
  try {
    return new URL(issuer).host || issuer;
  } catch {
    return issuer;
  }
}

/**
 * Renders the sign-in screen for `status` into `root`, replacing what was there; calls
 * `signedIn` with the agent once a sign-in succeeds. `notice` is what the last sign-out has to
 * say (views made offline that wait for the next sign-in).
 */
export function renderSignIn(
  root: HTMLElement,
  status: AppStatusDto,
  api: Api,
  signedIn: (agent: AgentDto) => void,
  notice?: string,
): void {
  const provider = status.issuer
    ? el('p', { testId: 'provider', text: `Your company account at ${providerLabel(status.issuer)}` })
    : el('p', {
        testId: 'provider',
        className: 'warning',
        text: 'No identity provider is configured. Set DESK_ISSUER or `issuer` in the configuration file.',
      });
  const note = el('p', { id: 'sign-in-note', className: 'muted', testId: 'sign-in-note' });
  note.setAttribute('role', 'status');
  const signIn = button({ text: 'Sign in', testId: 'sign-in-button' });
  signIn.disabled = !status.issuer;
  signIn.setAttribute('aria-describedby', note.id);
  signIn.addEventListener('click', async () => {
    signIn.disabled = true;
    note.className = 'muted';
    note.textContent = 'Waiting for you to sign in in your browser…';
    let agent: AgentDto;
    try {
      agent = await api.signIn();
    } catch (err) {
      note.className = 'warning';
      note.setAttribute('role', 'alert');
      note.replaceChildren(showText(explain(err)));
      signIn.disabled = false;
      return;
    }
    signedIn(agent);
  });

  const title = el('h1', { text: 'Support Desk', id: 'sign-in-title' });
  const card = el(
    'section',
    { className: 'card', testId: 'sign-in-screen' },
    title,
    el('p', { className: 'lead', text: 'Sign in to look up customers, accounts and tickets.' }),
    provider,
    signIn,
    note,
    ...(notice ? [signOutNote(notice)] : []),
    el('p', { className: 'version', text: `Version ${status.version}` }),
  );
  card.setAttribute('aria-labelledby', title.id);
  root.replaceChildren(card);
}

function signOutNote(text: string): HTMLElement {
  const note = el('p', { className: 'warning', testId: 'sign-out-note', text });
  note.setAttribute('role', 'status');
  return note;
}
