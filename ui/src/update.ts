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
 * Where updating stands: what the app said of the feed (its `state` as `kind`), or, while the
 * window asks or installs, that.
 */
export type UpdateView =
  | { kind: 'unknown' }
  | { kind: 'unavailable'; message: string }
  | Kinded<UpdateStateDto>
  | { kind: 'installing'; current: string; version: string; progress: UpdateProgressDto | null }
  | { kind: 'failed'; current: string; version: string; message: string };

/** The app's states with their `state` named `kind`, as the window's own are. */
type Kinded<T> = T extends { state: infer K } ? Omit<T, 'state'> & { kind: K } : never;

function kinded(dto: UpdateStateDto): Kinded<UpdateStateDto> {
  const { state, ...rest } = dto;
  return { kind: state, ...rest } as Kinded<UpdateStateDto>;
}

/** The one updater of the window, shared by the update panel and the update-required screen. */
export type Updates = ReturnType<typeof updates>;

export function updates(api: Api) {
  let view: UpdateView = { kind: 'unknown' };
  const listeners = new Set<(view: UpdateView) => void>();
  const set = (next: UpdateView) => {
    view = next;
    for (const listener of listeners) listener(view);
  };
  const busy = () => view.kind === 'installing' || view.kind === 'installed';
  let required = false;
  return {
    view: () => view,
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
        if (!busy()) set(kinded(state));
      } catch (err) {
        if (!busy()) set({ kind: 'unavailable', message: explain(err) });
      }
    },
    /** Installs the version offered (or the one that failed, again). */
    async install(): Promise<void> {
      if (view.kind !== 'offered' && view.kind !== 'failed') return;
      const { current, version } = view;
      set({ kind: 'installing', current, version, progress: null });
      try {
        const installed = await api.installUpdate(version, (progress) =>
          set({ kind: 'installing', current, version, progress }),
        );
        set({ kind: 'installed', current, version: installed });
      } catch (err) {
        set({ kind: 'failed', current, version, message: explain(err) });
      }
    },
    restart: () => api.restartApp(),
  };
}

/** Starts asking the feed now and every day; returns what stops it. */
export function checkDaily(updater: Updates): () => void {
  void updater.check();
  const timer = setInterval(() => void updater.check(), CHECK_EVERY_MS);
  return () => clearInterval(timer);
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
  if (view.kind === 'installing') {
    const line = el('p', { testId: 'update-progress', text: progressText(view.version, view.progress) });
    line.setAttribute('role', 'status');
    return [line];
  }
  if (view.kind === 'failed') {
    const line = el('p', { className: 'warning', testId: 'update-problem', text: view.message });
    line.setAttribute('role', 'alert');
    const again = button({ text: 'Try again', testId: 'update-retry', className: 'secondary' });
    again.addEventListener('click', () => void updater.install());
    return [line, again];
  }
  if (view.kind === 'installed') {
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
 * Returns what stops it.
 */
export function renderUpdatePanel(panel: HTMLElement, updater: Updates): () => void {
  // The offer the agent put off: shown again when the next check brings it back.
  let later: UpdateView | null = null;
  const render = (view: UpdateView) => {
    const content = updater.required() ? [] : contentOf(view);
    panel.hidden = content.length === 0;
    panel.replaceChildren(...content);
  };
  const contentOf = (view: UpdateView): HTMLElement[] => {
    const installation = installationOf(view, updater);
    if (installation) return installation;
    if (view.kind !== 'offered' || later === view) return [];
    const install = button({ text: `Install ${view.version}`, testId: 'update-install' });
    install.addEventListener('click', () => void updater.install());
    const postpone = button({ text: 'Later', testId: 'update-later', className: 'secondary' });
    postpone.addEventListener('click', () => {
      later = view;
      render(view);
    });
    return [
      el('p', {
        testId: 'update-offered',
        text: `Support Desk ${view.version} is available (you have ${view.current}).`,
      }),
      ...(view.notes ? [el('p', { className: 'muted', testId: 'update-notes', text: view.notes })] : []),
      el('div', { className: 'actions' }, install, postpone),
    ];
  };
  return updater.subscribe(render);
}

/**
 * The update-required screen's part: the newer version installed at once when the feed offers
 * one, or why it cannot be. Returns what stops it.
 */
export function renderRequiredUpdate(part: HTMLElement, updater: Updates): () => void {
  let asked = false;
  updater.require();
  const stop = updater.subscribe((view) => {
    const installation = installationOf(view, updater);
    if (installation) {
      part.replaceChildren(...installation);
      return;
    }
    if (view.kind === 'offered') {
      // The server refuses this version: nothing to ask the agent.
      part.replaceChildren();
      void updater.install();
      return;
    }
    if (view.kind === 'unknown' || !asked) {
      part.replaceChildren(el('p', { className: 'muted', text: 'Looking for the new version…' }));
      if (!asked) {
        asked = true;
        void updater.check();
      }
      return;
    }
    const said =
      view.kind === 'unavailable'
        ? view.message
        : view.kind === 'off'
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
  return stop;
}
