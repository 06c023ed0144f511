import { beforeEach, describe, expect, it, vi } from 'vitest';

import type { AgentSummary, AgentWipes } from '../api';
import { byTestId, fakeApi, flush } from '../fixtures';
import { renderAgents } from './agents';
import { adminContext } from './fixtures';

let root: HTMLElement;
beforeEach(() => {
  document.body.innerHTML = '<section id="w"></section>';
  root = document.getElementById('w')!;
});
const q = (id: string) => byTestId(root, id);

const agent = (over: Partial<AgentSummary> = {}): AgentSummary => ({
  subject: 'agent1',
  user_name: 'agent1',
  active: true,
  roles: ['agent_l1'],
  first_sign_in: '2026-12-01T09:00:00.000Z',
  last_sign_in: '2026-12-07T09:00:00.000Z',
  devices: 1,
  pending_devices: 0,
  last_wipe: null,
  ...over,
});
const wipes = (pending: boolean): AgentWipes => ({
  subject: 'agent1',
  wipes: pending ? [{ wipe_id: 5, ordered_at: '2026-12-07T10:00:00.000Z' }] : [],
  devices: [],
  seen: [{ device: 'laptop-0123456789ab', first_seen: '2026-12-01T09:00:00.000Z', acknowledged: null, acknowledged_at: null, pending }],
});

/** Opens the table's first row, as Enter on it does. */
function openFirst() {
  const table = q('agents-table')!;
  table.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowDown' }));
  table.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter' }));
}

describe('the agents table', () => {
  it('lists agents with their state, roles and wipes', async () => {
    const api = fakeApi({
      listAgents: vi.fn(async () => ({
        items: [
          agent({ last_wipe: 3, pending_devices: 1, devices: 2 }),
          agent({ subject: 'agent2', user_name: 'agent2', active: false, roles: [] }),
          agent({ subject: null, user_name: 'robin', roles: [], last_sign_in: null, first_sign_in: null, devices: 0 }),
        ],
        nextCursor: null,
      })),
    });
    await renderAgents(root, adminContext(api, ['device.wipe']));
    expect(q('agents-summary')?.textContent).toBe('3 agents');
    const text = q('agents-table')!.textContent ?? '';
    expect(text).toContain('2 devices, wipe 3 pending on 1');
    expect(text).toContain('deprovisioned');
    expect(text).toContain('robin (never signed in)');
    expect(text).toContain('never');
    expect(text).toContain('1 device, no wipe');
    q('agents-refresh')!.click();
    await flush();
    expect(api.listAgents).toHaveBeenCalledTimes(2);
  });

  it('orders a wipe only after the confirmation, and shows it pending on the device', async () => {
    let ordered = false;
    const api = fakeApi({
      listAgents: vi.fn(async () => ({ items: [agent()], nextCursor: null })),
      agentWipes: vi.fn(async () => wipes(ordered)),
      wipeAgent: vi.fn(async () => {
        ordered = true;
        return { wipe_id: 5, subject: 'agent1', ordered_at: '2026-12-07T10:00:00.000Z' };
      }),
    });
    await renderAgents(root, adminContext(api, ['device.wipe']));
    openFirst();
    await flush();
    expect(api.agentWipes).toHaveBeenCalledWith('agent1');
    expect(q('agent-details')?.textContent).toContain('No wipe ordered.');
    expect(q('agent-devices')?.textContent).toMatch(/^laptop-0123456789ab: first seen .+, no wipe carried out$/);

    q('agent-wipe')!.click();
    expect(root.querySelector('#agent-wipe-confirm-question')?.textContent).toContain('Every device of agent1 shreds its cache');
    q('agent-wipe-confirm-cancel')!.click();
    expect(api.wipeAgent).not.toHaveBeenCalled();
    expect(q('agent-wipe-confirm')).toBeNull();

    q('agent-wipe')!.click();
    q('agent-wipe-confirm')!.click();
    await flush();
    expect(api.wipeAgent).toHaveBeenCalledWith('agent1');
    expect(q('agent-wipe-status')?.textContent).toMatch(/^Wipe 5 ordered for agent1 at /);
    expect(q('agent-wipes')?.textContent).toMatch(/^Wipe 5, ordered .+: carried out on 0 of 1 devices$/);
    expect(q('agent-devices')?.textContent).toContain('a wipe is pending');
    expect(api.listAgents).toHaveBeenCalledTimes(2);
  });

  it('offers no wipe for a user who never signed in, and says why the server refused the list', async () => {
    const api = fakeApi({
      listAgents: vi.fn(async () => ({ items: [agent({ subject: null, user_name: 'robin' })], nextCursor: null })),
    });
    await renderAgents(root, adminContext(api, ['device.wipe']));
    openFirst();
    await flush();
    expect(q('agent-wipe')).toBeNull();
    expect(q('agent-panel')?.textContent).toContain('has not signed in');
    root.replaceChildren();
    await renderAgents(root, adminContext(fakeApi({}), ['device.wipe']));
    expect(q('agents-summary')?.textContent).toBe('Your role may not see this. Ask an administrator if you need it.');
  });
});
