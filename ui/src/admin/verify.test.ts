import { beforeEach, describe, expect, it, vi } from 'vitest';

import type { AuditCheck } from '../api';
import { byTestId, fakeApi, flush } from '../fixtures';
import { chainCheck } from './verify';

let root: HTMLElement;
beforeEach(() => {
  document.body.innerHTML = '<section id="w"></section>';
  root = document.getElementById('w')!;
});
const q = (id: string) => byTestId(root, id);

const checkpoint = (seq: number, problem: string | null = null) => ({
  seq,
  hash: 'c'.repeat(64),
  time: '2026-12-07T10:00:00.000Z',
  held: problem === null,
  problem,
});
const holding = (): AuditCheck => ({
  chain: {
    holds: true,
    after: 0,
    archive: null,
    entries: 120,
    head_seq: 120,
    head_hash: 'h'.repeat(64),
    broken: null,
    server_checkpoint: checkpoint(118),
    given_checkpoint: checkpoint(110),
    checked_at: '2026-12-07T10:01:00.000Z',
  },
  witnessed_problem: null,
});

async function verifyWith(answer: () => Promise<AuditCheck>) {
  const api = fakeApi({ verifyAudit: vi.fn(answer) });
  root.append(chainCheck(api));
  q('audit-verify')!.click();
  await flush();
  return api;
}

describe('the audit chain check', () => {
  it('shows that the chain and both checkpoints hold', async () => {
    const api = await verifyWith(async () => holding());
    expect(api.verifyAudit).toHaveBeenCalledOnce();
    const verdict = q('audit-verdict')!;
    expect(verdict.classList.contains('holds')).toBe(true);
    expect(verdict.querySelector('strong')?.textContent).toBe(
      'The chain holds: 120 entries checked from its first entry, up to entry 120',
    );
    const items = [...verdict.querySelectorAll('li')].map((li) => li.textContent);
    expect(items[0]).toMatch(/^The server's newest checkpoint \(entry 118, signed .+\): held$/);
    expect(items[1]).toMatch(/^This device's checkpoint \(entry 110, signed .+\): held$/);
    expect((q('audit-verify') as HTMLButtonElement).disabled).toBe(false);
  });

  it('says where the chain breaks, and which checkpoint a rewritten trail no longer holds', async () => {
    await verifyWith(async () => {
      const c = holding();
      c.chain.holds = false;
      c.chain.broken = { seq: 42, reason: 'its contents do not match its link' };
      return c;
    });
    const verdict = q('audit-verdict')!;
    expect(verdict.classList.contains('broken')).toBe(true);
    expect(verdict.querySelector('strong')?.textContent).toBe(
      'The chain is broken at entry 42: its contents do not match its link',
    );
    root.replaceChildren();
    await verifyWith(async () => {
      const c = holding();
      c.chain.holds = false;
      c.chain.given_checkpoint = checkpoint(110, 'entry 110 is not the one checkpointed');
      c.chain.server_checkpoint = null;
      c.witnessed_problem = 'the trail went back from entry 110 to entry 90';
      return c;
    });
    const text = q('audit-verdict')!.textContent ?? '';
    expect(text).toContain('a checkpoint is not held: the trail was rewritten');
    expect(text).toContain("The server's newest checkpoint: none kept yet");
    expect(text).toContain('not held — entry 110 is not the one checkpointed');
    expect(text).toContain('This device saw the trail go wrong earlier: the trail went back');
  });

  it('says why the server refused the check', async () => {
    const api = fakeApi({});
    root.append(chainCheck(api));
    q('audit-verify')!.click();
    await flush();
    expect(q('audit-verify-result')?.textContent).toBe('Your role may not see this. Ask an administrator if you need it.');
    expect(q('audit-verdict')).toBeNull();
  });
});
