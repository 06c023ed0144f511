// The agents the server knows (widget `admin.agents`): a windowed table of those that signed in
// and those provisioning made who never did — roles, last sign-in, active or deprovisioned, their
// devices and pending wipes — the next page fetched by cursor near the end, the first again on
// Refresh. An agent opened shows
// its wipes (which device carried out each, which is still to) and its devices, and a wipe is
// ordered there after a confirmation. The server decides who may (`device.wipe`) on every call.
import type { AgentSummary, AgentWipes, Api } from '../api';
import { button, el } from '../dom';
import { formatTime } from '../format';
import { ROLE_LABELS } from '../layout';
import { busy, note, type PageContext, problem } from '../pages/context';
import { type Column, windowedTable } from '../table';
import { confirmation } from './confirm';
import { cursorPages } from './cursor';

/** Who an agent is, as the table and its details name it. */
export function agentName(a: AgentSummary): string {
  return a.subject ?? `${a.user_name ?? '?'} (never signed in)`;
}

/** An agent's devices and where they stand with its wipes, in a few words. */
export function wipeState(a: AgentSummary): string {
  const devices = `${a.devices} ${a.devices === 1 ? 'device' : 'devices'}`;
  if (a.last_wipe === null) return `${devices}, no wipe`;
  if (a.pending_devices > 0) return `${devices}, wipe ${a.last_wipe} pending on ${a.pending_devices}`;
  return `${devices}, wipe ${a.last_wipe} carried out`;
}

const COLUMNS: Column<AgentSummary>[] = [
  { title: 'Agent', cell: agentName },
  { title: 'State', cell: (a) => (a.active ? 'active' : 'deprovisioned') },
  { title: 'Roles', cell: (a) => a.roles.join(', ') || '—' },
  { title: 'Last signed in', cell: (a) => (a.last_sign_in ? formatTime(a.last_sign_in) : 'never') },
  { title: 'Devices and wipes', cell: wipeState },
];

/** One wipe's line: when it was ordered, and which devices carried it out or are still to. */
export function wipeLine(wipes: AgentWipes, wipe: AgentWipes['wipes'][number]): string {
  const by = wipe.provisioning ? ' by provisioning' : '';
  const meant = wipes.seen.filter((d) => d.first_seen <= wipe.ordered_at);
  const done = meant.filter((d) => (d.acknowledged ?? 0) >= wipe.wipe_id).length;
  const devices = meant.length === 0 ? 'no device was in use then' : `carried out on ${done} of ${meant.length} devices`;
  return `Wipe ${wipe.wipe_id}, ordered ${formatTime(wipe.ordered_at)}${by}: ${devices}`;
}

/** One device's line: when it was first seen, the last wipe it carried out, what is pending. */
export function deviceLine(d: AgentWipes['seen'][number]): string {
  const done = d.acknowledged === null ? 'no wipe carried out' : `carried out wipe ${d.acknowledged}${d.acknowledged_at ? ` at ${formatTime(d.acknowledged_at)}` : ''}`;
  return `${d.device}: first seen ${formatTime(d.first_seen)}, ${done}${d.pending ? '; a wipe is pending' : ''}`;
}

/** An agent's details: who, its wipes and devices, and the wipe button (for one that signed in). */
function details(root: HTMLElement, api: Api, agent: AgentSummary, changed: () => void): void {
  const heading = el('h4', { text: agentName(agent) });
  const roles = agent.roles.length ? agent.roles.map((r) => ROLE_LABELS[r]).join(', ') : 'no role';
  const provisioned = agent.user_name === null ? 'not provisioned' : `provisioned as ${agent.user_name}`;
  const about = el('p', { className: 'muted', text: `${agent.active ? 'Active' : 'Deprovisioned'}; ${roles}; ${provisioned}` });
  const subject = agent.subject;
  if (subject === null) {
    root.replaceChildren(heading, about, note('This user was provisioned and has not signed in: no device holds anything of theirs.'));
    return;
  }
  const said = el('p', { className: 'muted', testId: 'agent-wipe-status' });
  said.setAttribute('role', 'status');
  const body = el('div', { testId: 'agent-details' });
  const order = button({ text: 'Order a wipe…', className: 'secondary', testId: 'agent-wipe' });
  const bar = el('div', { className: 'toolbar' }, order);
  const show = async () => {
    try {
      const wipes = await busy(body, api.agentWipes(subject));
      body.replaceChildren(
        el('h5', { text: 'Wipes' }),
        wipes.wipes.length
          ? el('ul', { testId: 'agent-wipes' }, ...[...wipes.wipes].reverse().map((w) => el('li', { text: wipeLine(wipes, w) })))
          : note('No wipe ordered.'),
        el('h5', { text: 'Devices' }),
        wipes.seen.length ? el('ul', { testId: 'agent-devices' }, ...wipes.seen.map((d) => el('li', { text: deviceLine(d) }))) : note('No device seen.'),
      );
    } catch (err) {
      body.replaceChildren(problem(err));
    }
  };
  order.addEventListener('click', () => {
    const box = confirmation(
      `Every device of ${subject} shreds its cache and signs out at its next connection (at once when it is connected). Order the wipe?`,
      'Order the wipe',
      'agent-wipe-confirm',
      async () => {
        try {
          const done = await busy(bar, api.wipeAgent(subject));
          said.textContent = `Wipe ${done.wipe_id} ordered for ${done.subject} at ${formatTime(done.ordered_at)}`;
          changed();
          await show();
        } catch (err) {
          said.replaceChildren(problem(err));
        } finally {
          bar.replaceChildren(order);
          order.focus();
        }
      },
      () => {
        bar.replaceChildren(order);
        order.focus();
      },
    );
    bar.replaceChildren(box);
    box.querySelector<HTMLElement>('button')?.focus();
  });
  root.replaceChildren(heading, about, bar, said, body);
  void show();
}

/** Renders the agents table into `section`. */
export async function renderAgents(section: HTMLElement, ctx: PageContext): Promise<void> {
  const summary = el('p', { className: 'muted', testId: 'agents-summary' });
  summary.setAttribute('role', 'status');
  const side = el('div', { className: 'audit-details', testId: 'agent-panel' }, note('Open an agent (Enter or a click) to see its devices and wipes.'));
  const table = windowedTable<AgentSummary>({
    label: 'Agents',
    testId: 'agents-table',
    className: 'agents-table',
    rowIdPrefix: 'agent-row',
    columns: COLUMNS,
    nearEnd: () => void pages.next(),
    open: (agent) => details(side, ctx.api, agent, () => void pages.first(null)),
  });
  const refresh = button({ text: 'Refresh', className: 'secondary', testId: 'agents-refresh' });
  refresh.addEventListener('click', () => void pages.first(null));
  section.append(el('div', { className: 'toolbar' }, refresh, summary), el('div', { className: 'audit-columns' }, table.element, side));
  const pages = cursorPages(table, summary, (_: null, cursor) => ctx.api.listAgents(cursor), { loading: 'Loading the agents…', rows: 'agents' }, null);
  await pages.first(null);
}
