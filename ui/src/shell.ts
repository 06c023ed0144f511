// The signed-in shell: the bar (who is signed in, sign-out), the navigation and the page, the
// offline banner, and above them the workspace summary, one line until the agent opens it. It holds the verified
// policy: loaded once, then replaced by every policy the server pushes, which re-renders the open
// page only when what it shows (pages, fields, actions) changed.
import type { AgentDto, Api, PolicyDto, SignOutDto } from './api';
import { CommandError, explain } from './api';
import { button, el } from './dom';
import { showText } from './format';
import { widgetsOf } from './layout';
import { navigation, type Navigation, type Place, type View } from './navigation';
import { signedOutNotice, watchOffline } from './offline';
import { ADMIN_WIDGETS, renderAdmin } from './pages/admin';
import { AUDIT_WIDGETS, renderAudit } from './pages/audit';
import type { PageContext } from './pages/context';
import { renderCustomer } from './pages/customer';
import { forgetDrafts } from './pages/reply';
import { renderSearch } from './pages/search';
import { renderTicket } from './pages/ticket';
import { renderTickets } from './pages/tickets';
import { renderTransactions } from './pages/transactions';
import { renderPolicyProblem, renderWorkspace } from './workspace';

/** The parts of the shell that change while the agent works. */
type Regions = { nav: HTMLElement; page: HTMLElement; banner: HTMLElement; workspace: HTMLElement };

/**
 * Renders the signed-in agent, with a way to sign out, and starts on their pages. `leave` is
 * called once the session is over here: after a sign-out, with what the sign-in screen is to say
 * of it; after any command found the device wiped (the app has shredded its cache and ended the
 * session), with that. Returns what ends everything the shell keeps running.
 */
export function renderSignedIn(
  root: HTMLElement,
  agent: AgentDto,
  shellApi: Api,
  leave: (notice?: string) => void,
  blocked: (text: string) => void = () => {},
): () => void {
  let left = false;
  const leaveOnce = (notice?: string) => {
    if (left) return;
    left = true;
    leave(notice);
  };
  const api = leavingOnWipe(shellApi, (err) => {
    if (err.code === 'update_required') {
      if (left) return;
      left = true;
      blocked(explain(err));
    } else leaveOnce(explain(err));
  });
  const note = el('p', { className: 'muted', testId: 'signed-in-note' });
  note.setAttribute('role', 'status');
  const signOut = button({ text: 'Sign out', testId: 'sign-out-button', className: 'secondary' });
  const regions = shellRegions();
  signOut.addEventListener('click', async () => {
    signOut.disabled = true;
    let result: SignOutDto;
    try {
      result = await api.signOut();
    } catch (err) {
      note.className = 'warning';
      note.replaceChildren(showText(explain(err)));
      signOut.disabled = false;
      return;
    }
    leaveOnce(signedOutNotice(result));
  });
  const roles = agent.roles.length ? agent.roles.join(', ') : 'none';
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
      regions.banner,
      el('div', { className: 'columns' }, regions.workspace, el('div', { className: 'main' }, regions.nav, regions.page)),
    ),
  );
  const stop = showPolicy(regions, api);
  return () => {
    stop();
    forgetDrafts();
  };
}

/**
 * `api`, with every command that fails with `wiped`, `access_withdrawn` or `update_required` also
 * calling `wiped`: the app ends the session when it carries out a wipe or finds the agent's
 * access withdrawn by the organisation, so whichever command meets it (a page's read, the policy
 * watch) takes the window back to the sign-in screen; a server that no longer answers this
 * version takes it to the update screen, where nothing else can be done.
 */
/** The codes after which the signed-in view cannot go on. */
const LEAVING: readonly string[] = ['wiped', 'access_withdrawn', 'update_required'];

function leavingOnWipe(api: Api, wiped: (err: CommandError) => void): Api {
  const guarded: Record<string, unknown> = {};
  for (const [name, command] of Object.entries(api)) {
    guarded[name] = async (...args: unknown[]) => {
      try {
        return await (command as (...a: unknown[]) => Promise<unknown>)(...args);
      } catch (err) {
        if (err instanceof CommandError && LEAVING.includes(err.code)) wiped(err);
        throw err;
      }
    };
  }
  return guarded as Api;
}

function shellRegions(): Regions {
  const banner = el('p', { className: 'offline-banner', testId: 'offline-banner' });
  banner.setAttribute('role', 'status');
  banner.hidden = true;
  const nav = el('nav', { className: 'pages' });
  nav.setAttribute('aria-label', 'Pages');
  const page = el('section', { className: 'page-body', testId: 'page' });
  page.setAttribute('aria-label', 'Page');
  const workspace = el('aside', { className: 'workspace', testId: 'workspace' });
  workspace.append(el('p', { className: 'muted', text: 'Loading your permissions…' }));
  return { banner, nav, page, workspace };
}

/**
 * Shows the agent's pages from the verified policy, then follows the policies the server pushes.
 * A policy the app refuses leaves the previous view with the reason. Returns what ends the
 * shortcuts and the reconnection probe.
 */
function showPolicy(regions: Regions, api: Api): () => void {
  let policy: PolicyDto | undefined;
  const offline = watchOffline(regions.banner, api, () => refresh());
  const nav: Navigation = navigation(
    regions.nav,
    (view) => {
      if (policy) renderView(regions.page, view, pageContext(policy));
    },
    () => searchInput(regions.page)?.focus(),
    () => (policy ? placesOf(policy) : []),
  );
  const pageContext = (p: PolicyDto): PageContext => ({
    api,
    policy: p,
    sourced: offline.sourced,
    openCustomer: (id) => nav.go({ page: 'customer', id }),
    openTicket: (id) => nav.go({ page: 'ticket', id }),
    openTransactions: (id) => nav.go({ page: 'transactions', id }),
    openTickets: (id) => nav.go({ page: 'tickets', id }),
  });
  /** Back online: the page on screen is fetched again; a search keeps what was typed. */
  const refresh = () => {
    const input = searchInput(regions.page);
    if (nav.view.page === 'search' && input) input.dispatchEvent(new Event('input'));
    else nav.show();
  };
  void followPolicy(regions.workspace, api, (next) => {
    // Re-render the open page only when what it shows changed, so a push that changes nothing
    // here (a new version, another page's layout) leaves a half-written reply alone.
    const shown = (p: PolicyDto | undefined) => JSON.stringify(p && [p.pages, p.fields, p.actions]);
    const changed = shown(next) !== shown(policy);
    policy = next;
    if (changed) nav.show();
  });
  return () => {
    offline.stop();
    nav.stop();
  };
}

/** The places the policy's layout shows: a page with at least one widget the window renders. */
function placesOf(policy: PolicyDto): Place[] {
  const places: Place[] = [];
  if (widgetsOf(policy, 'audit').some((w) => w in AUDIT_WIDGETS)) places.push('audit');
  if (widgetsOf(policy, 'admin').some((w) => w in ADMIN_WIDGETS)) places.push('admin');
  return places;
}

/** The search page's field, when the search is open. */
function searchInput(page: HTMLElement): HTMLInputElement | null {
  return page.querySelector<HTMLInputElement>('[data-testid="search-input"]');
}

/** Draws `view` into `page`. */
function renderView(page: HTMLElement, view: View, ctx: PageContext): void {
  if (view.page === 'search') renderSearch(page, ctx);
  else if (view.page === 'admin') void renderAdmin(page, ctx);
  else if (view.page === 'audit') void renderAudit(page, ctx);
  else if (view.page === 'customer') void renderCustomer(page, view.id, ctx);
  else if (view.page === 'transactions') void renderTransactions(page, view.id, ctx);
  else if (view.page === 'tickets') void renderTickets(page, view.id, ctx);
  else void renderTicket(page, view.id, ctx);
}

/**
 * Loads the verified policy into `workspace` and calls `accepted` with it, then with every one
 * the server pushes, until sign-out. A policy that cannot be loaded, or a watch that ends, is
 * said in the workspace, which keeps what it showed.
 */
async function followPolicy(workspace: HTMLElement, api: Api, accepted: (policy: PolicyDto) => void): Promise<void> {
  try {
    const policy = await api.currentPolicy();
    renderWorkspace(workspace, policy);
    accepted(policy);
  } catch (err) {
    workspace.replaceChildren();
    renderPolicyProblem(workspace, `Your permissions could not be loaded. ${explain(err)}`);
  }
  try {
    await api.watchPolicy((pushed) => {
      renderWorkspace(workspace, pushed);
      accepted(pushed);
    });
  } catch (err) {
    renderPolicyProblem(workspace, `Live updates stopped. ${explain(err)}`);
  }
}
