import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { CommandError, type UpdateProgressDto, type UpdateStateDto } from './api';
import { start } from './app';
import { agent, byTestId, fakeApi, flush } from './fixtures';
import { CHECK_EVERY_MS, progressText } from './update';

let root: HTMLElement;
let panel: HTMLElement;
beforeEach(() => {
  document.body.innerHTML = '<main id="app"></main><aside id="update" hidden></aside>';
  root = document.getElementById('app')!;
  panel = document.getElementById('update')!;
});
afterEach(() => {
  vi.useRealTimers();
});

const offered: UpdateStateDto = {
  state: 'offered',
  current: '0.1.0',
  version: '0.1.1',
  notes: 'Faster search. <img src=x onerror=alert(1)>',
  date: '2026-12-01T09:00:00Z',
};
const inPanel = (id: string) => byTestId(panel, id);
const onScreen = (id: string) => byTestId(root, id);

/** An `installUpdate` that reports `steps` and then ends as `end` says. */
function installing(steps: UpdateProgressDto[], end: () => Promise<string>) {
  return vi.fn(async (_version: string, onProgress: (p: UpdateProgressDto) => void) => {
    for (const step of steps) onProgress(step);
    return end();
  });
}

describe('the update panel', () => {
  it('says nothing while the installed version is the newest, or updates are off', async () => {
    await start(root, fakeApi(), panel);
    await flush();
    expect(panel.hidden).toBe(true);
    await start(root, fakeApi({ checkUpdate: vi.fn(async () => ({ state: 'off' as const, current: '0.1.0', why: 'No feed.' })) }), panel);
    await flush();
    expect(panel.hidden).toBe(true);
  });

  it('shows what is offered, as text, and installs it only when the agent says so', async () => {
    const installUpdate = installing(
      [
        { stage: 'downloading', received: 400, total: 1000 },
        { stage: 'installing' },
      ],
      async () => '0.1.1',
    );
    const api = fakeApi({ checkUpdate: vi.fn(async () => offered), installUpdate });
    await start(root, api, panel);
    await flush();
    expect(panel.hidden).toBe(false);
    expect(inPanel('update-offered')?.textContent).toBe('Support Desk 0.1.1 is available (you have 0.1.0).');
    expect(inPanel('update-notes')?.textContent).toContain('<img src=x onerror=alert(1)>');
    expect(panel.querySelector('img')).toBeNull();
    expect(installUpdate).not.toHaveBeenCalled();

    inPanel('update-install')!.click();
    await flush();
    expect(installUpdate).toHaveBeenCalledWith('0.1.1', expect.any(Function));
    expect(inPanel('update-installed')?.textContent).toBe('Support Desk 0.1.1 is installed. Restart Support Desk to use it.');
    inPanel('update-restart')!.click();
    expect(api.restartApp).toHaveBeenCalledTimes(1);
  });

  it('shows how far the installation has come', async () => {
    let report: (p: UpdateProgressDto) => void = () => {};
    const installUpdate = vi.fn(
      (_version: string, onProgress: (p: UpdateProgressDto) => void) =>
        new Promise<string>(() => {
          report = onProgress;
        }),
    );
    await start(root, fakeApi({ checkUpdate: vi.fn(async () => offered), installUpdate }), panel);
    await flush();
    inPanel('update-install')!.click();
    expect(inPanel('update-progress')?.textContent).toBe('Downloading Support Desk 0.1.1…');
    report({ stage: 'downloading', received: 450, total: 1000 });
    expect(inPanel('update-progress')?.textContent).toBe('Downloading Support Desk 0.1.1: 45 %');
    report({ stage: 'installing' });
    expect(inPanel('update-progress')?.textContent).toContain("Your system may ask for an administrator's password");
    expect(inPanel('update-install')).toBeNull();
  });

  it('says why an update was refused, and can try again', async () => {
    const refused = 'the update to 0.1.1 was refused: it is signed with a key this build does not trust; nothing was installed';
    const installUpdate = installing([], async () => {
      throw new CommandError('update_refused', refused);
    });
    await start(root, fakeApi({ checkUpdate: vi.fn(async () => offered), installUpdate }), panel);
    await flush();
    inPanel('update-install')!.click();
    await flush();
    const problem = inPanel('update-problem');
    expect(problem?.textContent).toBe(`T${refused.slice(1)}.`);
    expect(problem?.getAttribute('role')).toBe('alert');
    expect(inPanel('update-installed')).toBeNull();
    inPanel('update-retry')!.click();
    await flush();
    expect(installUpdate).toHaveBeenCalledTimes(2);
  });

  it('asks at start and every day; an offer put off comes back with the next check', async () => {
    vi.useFakeTimers();
    const checkUpdate = vi.fn(async () => offered);
    await start(root, fakeApi({ checkUpdate }), panel);
    await vi.advanceTimersByTimeAsync(0);
    expect(checkUpdate).toHaveBeenCalledTimes(1);
    inPanel('update-later')!.click();
    expect(panel.hidden).toBe(true);
    await vi.advanceTimersByTimeAsync(CHECK_EVERY_MS - 1000);
    expect(checkUpdate).toHaveBeenCalledTimes(1);
    expect(panel.hidden).toBe(true);
    await vi.advanceTimersByTimeAsync(1000);
    expect(checkUpdate).toHaveBeenCalledTimes(2);
    expect(panel.hidden).toBe(false);
  });

  it('says when the feed cannot be read only where the agent asked for it', async () => {
    const checkUpdate = vi.fn(async () => {
      throw new CommandError('update_unavailable', 'the update feed at https://updates.example.com/latest.json could not be reached');
    });
    await start(root, fakeApi({ checkUpdate }), panel);
    await flush();
    expect(panel.hidden).toBe(true);
  });
});

describe('an update the server requires', () => {
  const refused = "this version of Support Desk (0.1.0) is no longer answered by your organisation's server: update it to 0.1.1 or later";
  const requiring = (overrides: Parameters<typeof fakeApi>[0]) =>
    fakeApi({
      currentAgent: vi.fn(async () => agent),
      currentPolicy: vi.fn(async () => {
        throw new CommandError('update_required', refused);
      }),
      ...overrides,
    });

  it('is installed at once, without asking, on the update screen', async () => {
    const installUpdate = installing([{ stage: 'installing' }], async () => '0.1.1');
    const api = requiring({ checkUpdate: vi.fn(async () => offered), installUpdate });
    await start(root, api, panel);
    for (let i = 0; i < 4; i += 1) await flush();
    expect(onScreen('update-required')).not.toBeNull();
    expect(installUpdate).toHaveBeenCalledWith('0.1.1', expect.any(Function));
    expect(onScreen('update-installed')?.textContent).toContain('Support Desk 0.1.1 is installed');
    expect(panel.hidden).toBe(true);
    onScreen('update-restart')!.click();
    expect(api.restartApp).toHaveBeenCalled();
  });

  it('says why not when the app does not update itself', async () => {
    const why = 'No update feed is set (update_feed in the configuration file, or DESK_UPDATE_FEED), so Support Desk does not look for new versions: your organisation delivers them another way.';
    const api = requiring({ checkUpdate: vi.fn(async () => ({ state: 'off' as const, current: '0.1.0', why })) });
    await start(root, api, panel);
    for (let i = 0; i < 4; i += 1) await flush();
    expect(onScreen('update-none')?.textContent).toBe(why);
    expect(onScreen('update-required')?.textContent).toContain('Install the new version your organisation provides');
    expect(api.installUpdate).not.toHaveBeenCalled();
  });

  it('says so when the feed offers nothing newer yet', async () => {
    await start(root, requiring({}), panel);
    for (let i = 0; i < 4; i += 1) await flush();
    expect(onScreen('update-none')?.textContent).toBe('Your organisation’s update feed offers no newer version yet.');
  });
});

describe('progress', () => {
  it('reads as a sentence at each stage', () => {
    expect(progressText('2.0.0', null)).toBe('Downloading Support Desk 2.0.0…');
    expect(progressText('2.0.0', { stage: 'downloading', received: 5, total: null })).toBe('Downloading Support Desk 2.0.0…');
    expect(progressText('2.0.0', { stage: 'downloading', received: 1000, total: 1000 })).toBe('Downloading Support Desk 2.0.0: 100 %');
  });
});
