// The audit chain checked (part of widget `audit.log`): the server checks every entry its
// database holds under the audit key, with its newest signed checkpoint and the one this device
// witnessed in a signed policy (kept here, out of reach of whoever holds the server's database),
// and the verdict is shown as the server gave it: where the chain breaks, which checkpoint is not
// held and why.
import type { Api, AuditCheck, CheckpointCheck } from '../api';
import { button, el } from '../dom';
import { formatTime } from '../format';
import { busy, problem } from '../pages/context';

/** The verdict's first line: whether the chain and its checkpoints hold, and how much was checked. */
export function verdictLine(check: AuditCheck): string {
  const chain = check.chain;
  const from = chain.after === 0 ? 'from its first entry' : `after entry ${chain.after}${chain.archive ? ` (archived in ${chain.archive})` : ''}`;
  if (chain.broken) {
    return `The chain is broken at entry ${chain.broken.seq}: ${chain.broken.reason}`;
  }
  const checked = `${chain.entries} entries checked ${from}, up to entry ${chain.head_seq}`;
  if (!chain.holds) return `The entries link up (${checked}), but a checkpoint is not held: the trail was rewritten`;
  return `The chain holds: ${checked}`;
}

/** A checkpoint's line: where it points, when it was signed, and whether the chain still holds it. */
export function checkpointLine(name: string, c: CheckpointCheck | null, none: string): string {
  if (!c) return `${name}: ${none}`;
  const at = `entry ${c.seq}, signed ${formatTime(c.time)}`;
  return c.held ? `${name} (${at}): held` : `${name} (${at}): not held — ${c.problem ?? 'no reason given'}`;
}

/** The verdict as shown: its line, the two checkpoints, and what this device saw earlier. */
export function verdict(check: AuditCheck): HTMLElement {
  const good = check.chain.holds && check.witnessed_problem === null;
  const lines = [
    checkpointLine("The server's newest checkpoint", check.chain.server_checkpoint, 'none kept yet'),
    checkpointLine("This device's checkpoint", check.chain.given_checkpoint, 'none witnessed yet on this device'),
  ];
  if (check.witnessed_problem) lines.push(`This device saw the trail go wrong earlier: ${check.witnessed_problem}`);
  lines.push(`Checked ${formatTime(check.chain.checked_at)}`);
  return el(
    'div',
    { className: `verdict ${good ? 'holds' : 'broken'}`, testId: 'audit-verdict' },
    el('strong', { text: verdictLine(check) }),
    el('ul', {}, ...lines.map((text) => el('li', { text }))),
  );
}

/** The "Verify the chain" button and the verdict it brings. */
export function chainCheck(api: Api): HTMLElement {
  const result = el('div', { testId: 'audit-verify-result' });
  result.setAttribute('role', 'status');
  const start = button({ text: 'Verify the chain', className: 'secondary', testId: 'audit-verify' });
  const bar = el('div', { className: 'toolbar' }, start);
  start.addEventListener('click', async () => {
    start.disabled = true;
    result.textContent = 'Checking every entry of the trail…';
    try {
      result.replaceChildren(verdict(await busy(bar, api.verifyAudit())));
    } catch (err) {
      result.replaceChildren(problem(err));
    } finally {
      start.disabled = false;
    }
  });
  return el('div', { className: 'chain-check' }, bar, result);
}
