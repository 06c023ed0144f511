// The offline banner and the reconnection probe. Each answer says where it came from; while what
// is on screen came from the cache, the banner says so and the server is asked every
// `RECONNECT_MS` whether it is back (`server_reachable`, a health check that reads and audits no
// record); once it answers, the page is fetched again. The banner also says how many views made
// offline wait to be recorded on the audit trail (they are sent once the server answers), and how
// many the server refused (kept on this device, never sent again), and so does the sign-in screen
// after a sign-out that left some unrecorded.
import type { Api, SignOutDto, SourcedDto } from './api';
import { el } from './dom';
import { formatTime } from './format';

/** How often the window asks whether the server is back while it shows cached data. */
export const RECONNECT_MS = 5_000;

/** What the window says of `n` views made offline that the server has not recorded yet. */
export function pendingViewsText(n: number): string {
  return n === 1
    ? '1 record you opened offline waits to be recorded in the audit trail.'
    : `${n} records you opened offline wait to be recorded in the audit trail.`;
}

/** What the window says of `n` views made offline that the server refused for good. */
export function refusedViewsText(n: number): string {
  return n === 1
    ? '1 record you opened offline was refused by the server and is not in the audit trail; it is kept on this device.'
    : `${n} records you opened offline were refused by the server and are not in the audit trail; they are kept on this device.`;
}

export type OfflineWatch = {
  /** Reports where an answer came from: shows or hides the banner, and starts the probe. */
  sourced: (answer: SourcedDto<unknown>) => void;
  /** Ends the probe (sign-out). */
  stop: () => void;
};

/** Watches the answers shown in `banner`'s window; calls `refresh` once the server is back. */
export function watchOffline(
  banner: HTMLElement,
  api: Pick<Api, 'serverReachable' | 'appStatus'>,
  refresh: () => void,
): OfflineWatch {
  let probe: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  /** Counts the answers shown, so that a count asked for an earlier one is not shown. */
  let shown = 0;
  const showPending = async (mine: number) => {
    let pending: number | null = null;
    let refused: number | null = null;
    try {
      ({ pendingViews: pending, refusedViews: refused } = await api.appStatus());
    } catch {
      return; // The banner stands without the counts.
    }
    if (stopped || mine !== shown || banner.hidden) return;
    if (pending) banner.append(el('span', { testId: 'pending-views', text: ` ${pendingViewsText(pending)}` }));
    if (refused) banner.append(el('span', { testId: 'refused-views', text: ` ${refusedViewsText(refused)}` }));
  };
  const reconnect = () => {
    clearTimeout(probe);
    probe = setTimeout(async () => {
      if (stopped || banner.hidden) return;
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
  return {
    sourced: (answer) => {
      const offline = answer.source === 'cache';
      banner.hidden = !offline;
      banner.textContent = offline
        ? `You are offline. Showing what was saved on this device as of ${formatTime(
            new Date(answer.asOf * 1000).toISOString(),
          )}. The page refreshes when the server is back.`
        : '';
      shown += 1;
      if (offline) {
        reconnect();
        void showPending(shown);
      }
    },
    stop: () => {
      stopped = true;
      clearTimeout(probe);
    },
  };
}

/**
 * What the sign-in screen says after a sign-out that left views made offline unrecorded (those
 * waiting for the next sign-in, and those the server refused: kept, never sent again), or that
 * the provider did not confirm ending the session (it offers no revocation, or did not answer).
 */
export function signedOutNotice(result: SignOutDto): string | undefined {
  const said: string[] = [];
  if (result.pendingViews) {
    said.push(
      'Signed out, but the server did not answer.',
      pendingViewsText(result.pendingViews),
      'They stay on this device and are sent when you next sign in.',
    );
  }
  if (result.refusedViews) {
    if (!said.length) said.push('Signed out.');
    said.push(refusedViewsText(result.refusedViews));
  }
  if (result.unconfirmedRevocation) {
    if (!said.length) said.push('Signed out on this device.');
    said.push('Your identity provider did not confirm that it ended the session there.');
  }
  return said.length ? said.join(' ') : undefined;
}
