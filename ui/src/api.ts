// The only door to the app: its commands, through Tauri's IPC. The webview holds no token and
// never talks to the network itself.
import { invoke } from '@tauri-apps/api/core';

import type { AgentDto } from './generated/AgentDto';
import type { AppStatusDto } from './generated/AppStatusDto';
import type { ErrorDto } from './generated/ErrorDto';

export type { AgentDto, AppStatusDto, ErrorDto };

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
};

/** What the screens need from the app: the commands, or test doubles of them. */
export type Api = typeof api;
