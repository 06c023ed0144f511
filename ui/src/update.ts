// Updates as the agent sees them: the app asks its update feed at start and daily; a newer
// version is offered in a panel of its own (what it is, its notes) and installed on the agent's
// word, with how far it has come; once installed, a restart runs it. On the update-required
// screen the same installation starts at once, without asking. The app checks each package's
// signature before installing it; the window only shows what it says.
import type { Api, UpdateProgressDto, UpdateStateDto } from './api';
import { explain } from './api';
import { button, el } from './dom';

/** How often the app asks its feed again while the window is open. */
export const CHECK_EVERY_MS = 24 * 60 * 60 * 1000;

/**
 * Where updating stands: what the app said of the feed (its `UpdateStateDto`), or, while the
 * window asks or installs, that, under the same `state` discriminant.
 */
export type UpdateView =
  | { state: 'unknown' }
  | { state: 'unavailable'; message: string }
  | UpdateStateDto
  | { state: 'installing'; current: string; version: string; progress: UpdateProgressDto | null }
  | { state: 'failed'; current: string; version: string; message: string };

/** The one updater of the window, shared by the update panel and the update-required screen. */
export type Updates = ReturnType<typeof updates>;

export function updates(api: Api) {
  let view: UpdateView = { state: 'unknown' };
  const listeners = new Set<(view: UpdateView) => void>();
  const set = (next: UpdateView) => {
    view = next;
    for (const listener of listeners) listener(view);
  };
  const busy = () => view.state === 'installing' || view.state === 'installed';
  let required = false;
  // The agent put the offer off: hidden until the next check.
  let postponed = false;
  return {
    /** Whether the agent put the offer off until the next check. */
    postponed: () => postponed,
    /** Puts the offer off until the next check. */
    postpone(): void {
      postponed = true;
      set(view);
    },
    /** Whether the server refuses this version: the update-required screen shows the update. */
    required: () => required,
    /** The server refuses this version: the installation is the update-required screen's now. */
    require(): void {
      required = true;
      set(view);
    },
    /** Calls `listener` with every change (and now); returns what stops it. */
    subscribe(listener: (view: UpdateView) => void): () => void {
      listeners.add(listener);
      listener(view);
      return () => listeners.delete(listener);
    },
    /** Asks the feed; an installation under way or done is left as it is. */
    async check(): Promise<void> {
      if (busy()) return;
      try {
        const state = await api.checkUpdate();
        if (busy()) return;
        postponed = false;
        set(state);
      } catch (err) {
        if (!busy()) set({ state: 'unavailable', message: explain(err) });
      }
    },
    /** Installs the version offered (or the one that failed, again). */
    async install(): Promise<void> {
      if (view.state !== 'offered' && view.state !== 'failed') return;
      const { current, version } = view;
      set({ state: 'installing', current, version, progress: null });
      try {
        const installed = await api.installUpdate(version, (progress) =>
          set({ state: 'installing', current, version, progress }),
        );
        set({ state: 'installed', current, version: installed });
      } catch (err) {
        set({ state: 'failed', current, version, message: explain(err) });
      }
    },
    restart: () => api.restartApp(),
  };
}

/** Starts asking the feed now and every day, for as long as the window is open. */
export function checkDaily(updater: Updates): void {
  void updater.check();
  setInterval(() => void updater.check(), CHECK_EVERY_MS);
}

/** The progress of an installation, as a sentence. */
export function progressText(version: string, progress: UpdateProgressDto | null): string {
  if (progress?.stage === 'installing') {
    return `Installing Support Desk ${version}: its signature checked. Your system may ask for an administrator's password.`;
  }
  if (progress?.stage === 'downloading' && progress.total) {
    const percent = Math.min(100, Math.floor((progress.received / progress.total) * 100));
    return `Downloading Support Desk ${version}: ${percent} %`;
  }
  return `Downloading Support Desk ${version}…`;
}

/**
 * What `view` shows of an installation under way, done or failed, with its buttons; `null`
 * for the other states, which each place shows its own way.
 */
function installationOf(view: UpdateView, updater: Updates): HTMLElement[] | null {
  if (view.state === 'installing') {
    const line = el('p', { testId: 'update-progress', text: progressText(view.version, view.progress) });
    line.setAttribute('role', 'status');
    return [line];
  }
  if (view.state === 'failed') {
    const line = el('p', { className: 'warning', testId: 'update-problem', text: view.message });
    line.setAttribute('role', 'alert');
    const again = button({ text: 'Try again', testId: 'update-retry', className: 'secondary' });
    again.addEventListener('click', () => void updater.install());
    return [line, again];
  }
  if (view.state === 'installed') {
    const restart = button({ text: 'Restart now', testId: 'update-restart' });
    restart.addEventListener('click', () => {
      restart.disabled = true;
      void updater.restart();
    });
    const line = el('p', {
      testId: 'update-installed',
      text: `Support Desk ${view.version} is installed. Restart Support Desk to use it.`,
    });
    line.setAttribute('role', 'status');
    return [line, restart];
  }
  return null;
}

/**
 * The update panel in `panel`: shown while a newer version is offered, installing, installed or
 * failed, and hidden otherwise (or once the agent puts an offer off, until the next check), and
 * while the update-required screen shows the installation itself.
 */
export function renderUpdatePanel(panel: HTMLElement, updater: Updates): void {
  const render = (view: UpdateView) => {
    const content = updater.required() ? [] : contentOf(view);
    panel.hidden = content.length === 0;
    panel.replaceChildren(...content);
  };
  const contentOf = (view: UpdateView): HTMLElement[] => {
    const installation = installationOf(view, updater);
    if (installation) return installation;
    if (view.state !== 'offered' || updater.postponed()) return [];
    const install = button({ text: `Install ${view.version}`, testId: 'update-install' });
    install.addEventListener('click', () => void updater.install());
    const postpone = button({ text: 'Later', testId: 'update-later', className: 'secondary' });
    postpone.addEventListener('click', () => updater.postpone());
    return [
      el('p', {
        testId: 'update-offered',
        text: `Support Desk ${view.version} is available (you have ${view.current}).`,
      }),
      ...(view.notes ? [el('p', { className: 'muted', testId: 'update-notes', text: view.notes })] : []),
      el('div', { className: 'actions' }, install, postpone),
    ];
  };
  updater.subscribe(render);
}

/**
 * The update-required screen's part: the newer version installed at once when the feed offers
 * one, or why it cannot be. Returns what stops it.
 */
export function renderRequiredUpdate(part: HTMLElement, updater: Updates): () => void {
  let asked = false;
  updater.require();
  return updater.subscribe((view) => {
    const installation = installationOf(view, updater);
    if (installation) {
      part.replaceChildren(...installation);
      return;
    }
    if (view.state === 'offered') {
      // The server refuses this version: nothing to ask the agent.
      part.replaceChildren();
      void updater.install();
      return;
    }
    if (view.state === 'unknown' || !asked) {
      part.replaceChildren(el('p', { className: 'muted', text: 'Looking for the new version…' }));
      if (!asked) {
        asked = true;
        void updater.check();
      }
      return;
    }
    const said =
      view.state === 'unavailable'
        ? view.message
        : view.state === 'off'
          ? view.why
          : 'Your organisation’s update feed offers no newer version yet.';
    part.replaceChildren(
      el('p', { className: 'muted', testId: 'update-none', text: said }),
      el('p', {
        className: 'muted',
        text: 'Install the new version your organisation provides (its software centre, or the installer it sends), then open Support Desk again.',
      }),
    );
  });
}
