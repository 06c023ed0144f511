// The sign-in screen and the signed-in view. Server and configuration text is only ever set as
// text, never as HTML, and through `showText`, so invisible characters in it are shown, not obeyed.
import type { AgentDto, Api, AppStatusDto, PolicyDto, SourcedDto } from './api';
import { explain } from './api';
import { formatTime, showText } from './format';
import {
  forgetDrafts,
  renderCustomer,
  renderSearch,
  renderTicket,
  renderTickets,
  renderTransactions,
} from './pages';
import { PAGE_LABELS, renderPolicyProblem, renderWorkspace } from './workspace';

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: { className?: string; text?: string; testId?: string; id?: string } = {},
  ...children: Node[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (props.className) node.className = props.className;
  if (props.text !== undefined) node.append(showText(props.text));
  if (props.testId) node.dataset.testid = props.testId;
  if (props.id) node.id = props.id;
  node.append(...children);
  return node;
}

function button(text: string, testId: string): HTMLButtonElement {
  const b = el('button', { text, testId });
  b.type = 'button';
  return b;
}

const message = explain;

/** The host a person recognises in an issuer URL, or the URL itself when it does not parse. */
export function providerLabel(issuer: string): string {
  try {
    return new URL(issuer).host || issuer;
  } catch {
    return issuer;
  }
}

/** Ends what the signed-in view keeps running (its shortcuts and reconnection probe). */
let stopSignedIn = () => {};

/** Renders the sign-in screen for `status` into `root`, replacing what was there. */
export function renderSignIn(root: HTMLElement, status: AppStatusDto, api: Api): void {
  stopSignedIn();
  const provider = status.issuer
    ? el('p', { testId: 'provider', text: `Your company account at ${providerLabel(status.issuer)}` })
    : el('p', {
        testId: 'provider',
        className: 'warning',
        text: 'No identity provider is configured. Set DESK_ISSUER or `issuer` in the configuration file.',
      });
  const note = el('p', { id: 'sign-in-note', className: 'muted', testId: 'sign-in-note' });
  note.setAttribute('role', 'status');
  const signIn = button('Sign in', 'sign-in-button');
  signIn.disabled = !status.issuer;
  signIn.setAttribute('aria-describedby', note.id);
  signIn.addEventListener('click', async () => {
    signIn.disabled = true;
    note.className = 'muted';
    note.textContent = 'Waiting for you to sign in in your browser…';
    try {
      renderSignedIn(root, status, await api.signIn(), api);
    } catch (err) {
      note.className = 'warning';
      note.setAttribute('role', 'alert');
      note.replaceChildren(showText(message(err)));
      signIn.disabled = false;
    }
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
    el('p', { className: 'version', text: `Version ${status.version}` }),
  );
  card.setAttribute('aria-labelledby', title.id);
  root.replaceChildren(card);
}

/** Renders the signed-in agent, with a way to sign out. */
export function renderSignedIn(root: HTMLElement, status: AppStatusDto, agent: AgentDto, api: Api): void {
  stopSignedIn();
  const note = el('p', { className: 'muted', testId: 'signed-in-note' });
  note.setAttribute('role', 'status');
  const signOut = button('Sign out', 'sign-out-button');
  signOut.className = 'secondary';
  const roles = agent.roles.length ? agent.roles.join(', ') : 'none';
  const banner = el('p', { className: 'offline-banner', testId: 'offline-banner' });
  banner.setAttribute('role', 'status');
  banner.hidden = true;
  const nav = el('nav', { className: 'pages' });
  nav.setAttribute('aria-label', 'Pages');
  const page = el('section', { className: 'page-body', testId: 'page' });
  page.setAttribute('aria-label', 'Page');
  const workspace = el('aside', { className: 'workspace', testId: 'workspace' });
  workspace.append(el('p', { className: 'muted', text: 'Loading your permissions…' }));
  const shell: Shell = { workspace, banner, nav, page, stop: () => {} };
  signOut.addEventListener('click', async () => {
    signOut.disabled = true;
    try {
      await api.signOut();
      renderSignIn(root, status, api);
    } catch (err) {
      note.className = 'warning';
      note.replaceChildren(showText(message(err)));
      signOut.disabled = false;
    }
  });
  root.replaceChildren(
    el(
      'section',
      { className: 'shell', testId: 'signed-in' },
      el(
        'header',
        { className: 'topbar' },
        el('h1', { text: 'Support Desk' }),
        el(
          'div',
          { className: 'who' },
          el('p', { testId: 'agent-name', text: `Signed in as ${agent.name ?? agent.subject}` }),
          el('p', { className: 'muted', testId: 'agent-roles', text: `Roles at your company: ${roles}` }),
        ),
        signOut,
      ),
      note,
      banner,
      el('div', { className: 'columns' }, el('div', { className: 'main' }, nav, page), workspace),
    ),
  );
  stopSignedIn = () => {
    shell.stop();
    forgetDrafts();
  };
  void showPolicy(shell, api);
}

type Shell = {
  workspace: HTMLElement;
  banner: HTMLElement;
  nav: HTMLElement;
  page: HTMLElement;
  /** Ends what the shell keeps running (the reconnection probe); set by `showPolicy`. */
  stop: () => void;
};
type View =
  | { page: 'search' }
  | { page: 'customer'; id: number }
  | { page: 'ticket'; id: number }
  | { page: 'transactions'; id: number }
  | { page: 'tickets'; id: number };

/** How often the window asks whether the server is back while it shows cached data. */
export const RECONNECT_MS = 5_000;

/**
 * Shows the agent's pages from the verified policy, then re-renders the open page on every
 * policy the server pushes. A policy the app refuses leaves the previous view with the reason.
 * While the page shows cached data, the server is asked (without reading a record) whether it
 * is back; when it is, the page refreshes in place.
 */
async function showPolicy(shell: Shell, api: Api): Promise<void> {
  let policy: PolicyDto;
  let view: View = { page: 'search' };
  const history: View[] = [];
  let probe: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  shell.stop = () => {
    stopped = true;
    clearTimeout(probe);
    document.removeEventListener('keydown', shortcuts);
  };
  const reconnect = () => {
    clearTimeout(probe);
    probe = setTimeout(async () => {
      if (stopped || shell.banner.hidden) return;
      let back = false;
      try {
        back = await api.serverReachable();
      } catch {
        // The app itself did not answer; try again later.
      }
      if (stopped) return;
      if (back) refresh();
      else reconnect();
    }, RECONNECT_MS);
  };
  const sourced = (answer: SourcedDto<unknown>) => {
    const offline = answer.source === 'cache';
    shell.banner.hidden = !offline;
    shell.banner.textContent = offline
      ? `You are offline. Showing what was saved on this device as of ${formatTime(
          new Date(answer.asOf * 1000).toISOString(),
        )}. The page refreshes when the server is back.`
      : '';
    if (offline) reconnect();
  };
  const show = () => {
    const ctx = {
      api,
      policy,
      sourced,
      openCustomer: (id: number) => go({ page: 'customer', id }),
      openTicket: (id: number) => go({ page: 'ticket', id }),
      openTransactions: (id: number) => go({ page: 'transactions', id }),
      openTickets: (id: number) => go({ page: 'tickets', id }),
    };
    const toSearch = button('Search', 'nav-search');
    toSearch.className = 'secondary';
    toSearch.title = 'Search customers (Ctrl+K)';
    toSearch.addEventListener('click', () => go({ page: 'search' }));
    const previous = button('Back', 'nav-back');
    previous.className = 'secondary';
    previous.title = 'Back (Alt+Left)';
    previous.addEventListener('click', back);
    const where = el('span', { className: 'muted', text: PAGE_LABELS[view.page] ?? view.page });
    where.setAttribute('aria-current', 'page');
    shell.nav.replaceChildren(
      ...(history.length ? [previous] : []),
      ...(view.page === 'search' ? [] : [toSearch]),
      where,
    );
    if (view.page === 'search') renderSearch(shell.page, ctx);
    else if (view.page === 'customer') void renderCustomer(shell.page, view.id, ctx);
    else if (view.page === 'transactions') void renderTransactions(shell.page, view.id, ctx);
    else if (view.page === 'tickets') void renderTickets(shell.page, view.id, ctx);
    else void renderTicket(shell.page, view.id, ctx);
  };
  const go = (next: View) => {
    history.push(view);
    if (history.length > 50) history.shift();
    view = next;
    show();
    document.documentElement.scrollTop = 0;
  };
  function back() {
    const previous = history.pop();
    if (!previous) return;
    view = previous;
    show();
  }
  /** Back online: the page on screen is fetched again; a search keeps what was typed. */
  function refresh() {
    const input = shell.page.querySelector<HTMLInputElement>('[data-testid="search-input"]');
    if (view.page === 'search' && input) input.dispatchEvent(new Event('input'));
    else show();
  }
  function shortcuts(e: KeyboardEvent) {
    if (e.altKey && e.key === 'ArrowLeft') {
      e.preventDefault();
      back();
    } else if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'k') {
      e.preventDefault();
      if (view.page === 'search') shell.page.querySelector<HTMLElement>('[data-testid="search-input"]')?.focus();
      else go({ page: 'search' });
    }
  }
  document.addEventListener('keydown', shortcuts);
  try {
    policy = await api.currentPolicy();
    renderWorkspace(shell.workspace, policy);
    show();
  } catch (err) {
    shell.workspace.replaceChildren();
    renderPolicyProblem(shell.workspace, `Your permissions could not be loaded. ${message(err)}`);
  }
  try {
    await api.watchPolicy((pushed) => {
      // Re-render the open page only when what it shows changed, so a push that changes
      // nothing here (a new version, another page's layout) leaves a half-written reply alone.
      const shown = (p: PolicyDto) => JSON.stringify([p.pages, p.fields, p.actions]);
      const changed = shown(pushed) !== shown(policy);
      policy = pushed;
      renderWorkspace(shell.workspace, pushed);
      if (changed) show();
    });
  } catch (err) {
    renderPolicyProblem(shell.workspace, `Live updates stopped. ${message(err)}`);
  }
}

/** Renders an error the app could not get past, as a sentence. */
export function renderFatal(root: HTMLElement, text: string): void {
  root.replaceChildren(
    el(
      'section',
      { className: 'card', testId: 'fatal-error' },
      el('h1', { text: 'Support Desk cannot start' }),
      el('p', { className: 'warning', text }),
    ),
  );
}

/** Opens on the sign-in screen, or on the signed-in view when the keychain holds a session. */
export async function start(root: HTMLElement, api: Api): Promise<void> {
  let status: AppStatusDto;
  try {
    status = await api.appStatus();
  } catch (err) {
    renderFatal(root, message(err));
    return;
  }
  renderSignIn(root, status, api);
  if (!status.issuer) return;
  try {
    const agent = await api.currentAgent();
    if (agent) renderSignedIn(root, status, agent, api);
  } catch {
    // The sign-in screen stays; signing in again reports any real problem.
  }
}
