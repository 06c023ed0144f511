// The only door to the app: its commands, through Tauri's IPC. The webview holds no token and
// never talks to the network itself.
import { Channel, invoke } from '@tauri-apps/api/core';

import type { AgentDto } from './generated/AgentDto';
import type { AppStatusDto } from './generated/AppStatusDto';
import type { ErrorDto } from './generated/ErrorDto';
import type { PolicyDto } from './generated/PolicyDto';

export type { AgentDto, AppStatusDto, ErrorDto, PolicyDto };

/** A command's failure as the window shows it. */
export class CommandError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

function isErrorDto(value: unknown): value is ErrorDto {
  return typeof value === 'object' && value !== null && 'code' in value && 'message' in value;
}

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (err) {
    if (isErrorDto(err)) throw new CommandError(err.code, err.message);
    throw new CommandError('ipc', `The app did not answer: ${String(err)}`);
  }
}

export const api = {
  appStatus: () => call<AppStatusDto>('app_status'),
  currentAgent: () => call<AgentDto | null>('current_agent'),
  signIn: () => call<AgentDto>('sign_in'),
  signOut: () => call<void>('sign_out'),
  /** The agent's policy, verified by the app against its pinned keys. */
  currentPolicy: () => call<PolicyDto>('current_policy'),
  /**
   * Calls `onPolicy` with every verified policy the server pushes. Resolves at sign-out;
   * rejects when the watch ends for a reason a retry cannot fix.
   */
  watchPolicy: (onPolicy: (policy: PolicyDto) => void) => {
    const channel = new Channel<PolicyDto>();
    channel.onmessage = onPolicy;
    return call<void>('watch_policy', { onPolicy: channel });
  },
};

/** What the screens need from the app: the commands, or test doubles of them. */
export type Api = typeof api;
