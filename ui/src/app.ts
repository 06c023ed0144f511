// The window's screens and the moves between them: it opens on the sign-in screen, or signed in
// when the keychain holds a session; a sign-in opens the shell, a sign-out or a remote wipe the
// sign-in screen again (saying when views made offline wait for the next sign-in, or were
// refused by the server, or that the device was wiped), and an error the app cannot get past a
// screen that says so. Above them all, the update panel: a newer version offered, installed on
// the agent's word.
import type { AgentDto, Api, AppStatusDto } from './api';
import { explain } from './api';
import { el } from './dom';
import { renderSignedIn } from './shell';
import { renderSignIn } from './signin';
import { checkDaily, renderRequiredUpdate, renderUpdatePanel, type Updates, updates } from './update';

/**
 * Ends what the screen on show keeps running (the shell's shortcuts and reconnection probe).
 * The window has one screen at a time, so this is the document's, not a screen's.
 */
let stopScreen = () => {};

/** The window's updater (one per document, as the app has one installation). */
let updater: Updates | null = null;

function showSignIn(root: HTMLElement, status: AppStatusDto, api: Api, notice?: string): void {
  stopScreen();
  stopScreen = () => {};
  renderSignIn(root, status, api, (agent) => showSignedIn(root, status, agent, api), notice);
}

function showSignedIn(root: HTMLElement, status: AppStatusDto, agent: AgentDto, api: Api): void {
  stopScreen();
  stopScreen = renderSignedIn(
    root,
    agent,
    api,
    (notice) => showSignIn(root, status, api, notice),
    (text) => renderUpdateRequired(root, text),
  );
}

/**
 * The screen of a version the server no longer answers: nothing else can be done in it until
 * the app is updated (the server refuses every request from it anyway).
 */
export function renderUpdateRequired(root: HTMLElement, text: string): void {
  stopScreen();
  const heading = el('h1', { text: 'Update required' });
  heading.tabIndex = -1;
  const part = el('div', { testId: 'update-required-update' });
  part.setAttribute('aria-live', 'polite');
  root.replaceChildren(
    el('section', { className: 'card', testId: 'update-required' }, heading, el('p', { className: 'warning', text }), part),
  );
  stopScreen = updater ? renderRequiredUpdate(part, updater) : () => {};
  heading.focus();
}

/** Renders an error the app could not get past, as a sentence. */
export function renderFatal(root: HTMLElement, text: string): void {
  stopScreen();
  stopScreen = () => {};
  root.replaceChildren(
    el(
      'section',
      { className: 'card', testId: 'fatal-error' },
      el('h1', { text: 'Support Desk cannot start' }),
      el('p', { className: 'warning', text }),
    ),
  );
}

/**
 * Opens on the sign-in screen, or on the signed-in view when the keychain holds a session, and
 * asks for a newer version now and daily, offering it in `panel`.
 */
export async function start(root: HTMLElement, api: Api, panel?: HTMLElement): Promise<void> {
  updater = updates(api);
  if (panel) renderUpdatePanel(panel, updater);
  let status: AppStatusDto;
  try {
    status = await api.appStatus();
  } catch (err) {
    renderFatal(root, explain(err));
    return;
  }
  checkDaily(updater);
  showSignIn(root, status, api);
  if (!status.issuer) return;
  try {
    const agent = await api.currentAgent();
    if (agent) showSignedIn(root, status, agent, api);
  } catch {
    // The sign-in screen stays; signing in again reports any real problem.
  }
}
