// The only door to the app: its commands, through Tauri's IPC. The webview holds no token and
// never talks to the network itself.
import { Channel, invoke } from '@tauri-apps/api/core';

import type { Account } from './generated/Account';
import type { AgentSummary } from './generated/AgentSummary';
import type { AgentWipes } from './generated/AgentWipes';
import type { AgentDto } from './generated/AgentDto';
import type { AppStatusDto } from './generated/AppStatusDto';
import type { AuditCheck } from './generated/AuditCheck';
import type { AuditFiltersDto } from './generated/AuditFiltersDto';
import type { AuditRecord } from './generated/AuditRecord';
import type { CatalogueDto } from './generated/CatalogueDto';
import type { CheckpointCheck } from './generated/CheckpointCheck';
import type { Card } from './generated/Card';
import type { Customer } from './generated/Customer';
import type { ErrorCode } from './generated/ErrorCode';
import type { ErrorDto } from './generated/ErrorDto';
import type { ExportFormat } from './generated/ExportFormat';
import type { Exported } from './generated/Exported';
import type { Layout } from './generated/Layout';
import type { LayoutPreview } from './generated/LayoutPreview';
import type { Message } from './generated/Message';
import type { PageOf } from './generated/PageOf';
import type { PolicyDto } from './generated/PolicyDto';
import type { SignOutDto } from './generated/SignOutDto';
import type { Role } from './generated/Role';
import type { RoleChange } from './generated/RoleChange';
import type { RoleCheck } from './generated/RoleCheck';
import type { RoleDefinition } from './generated/RoleDefinition';
import type { RoleSet } from './generated/RoleSet';
import type { SourcedDto } from './generated/SourcedDto';
import type { StoredLayout } from './generated/StoredLayout';
import type { StoredRole } from './generated/StoredRole';
import type { Ticket } from './generated/Ticket';
import type { Transaction } from './generated/Transaction';
import type { UpdateProgressDto } from './generated/UpdateProgressDto';
import type { UpdateStateDto } from './generated/UpdateStateDto';
import type { WipeOrdered } from './generated/WipeOrdered';

// The records are desk-core's own types, as the server redacted them for the agent's role (or as
// the cache kept them): members named as in the JSON (`date_of_birth`), a field the role may not
// see absent (`undefined`), never `null`.
export type {
  Account,
  AgentDto,
  AgentSummary,
  AgentWipes,
  AppStatusDto,
  AuditCheck,
  AuditRecord,
  Card,
  CheckpointCheck,
  Customer,
  ErrorCode,
  ErrorDto,
  Layout,
  LayoutPreview,
  Message,
  PageOf,
  PolicyDto,
  Role,
  RoleChange,
  RoleDefinition,
  SignOutDto,
  SourcedDto,
  StoredLayout,
  StoredRole,
  Ticket,
  Transaction,
  UpdateProgressDto,
  UpdateStateDto,
  WipeOrdered,
};

/** Which transactions to list. */
export type TransactionQuery = {
  from?: string;
  to?: string;
  status?: string;
  limit?: number;
  cursor?: string;
};

/** Which audit entries to list or export; the parts given combine (generated from the Rust DTO). */
export type AuditFilters = AuditFiltersDto;

/** A command's failure as the window shows it: desk-app's error code and its sentence. */
export class CommandError extends Error {
  constructor(readonly code: ErrorCode, message: string) {
    super(message);
  }
}

/** A sentence beginning with a capital and ending with a full stop. */
function asSentence(text: string): string {
  const t = text.trim();
  if (!t) return 'Something went wrong; try again.';
  const capital = t[0]!.toUpperCase() + t.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}

/**
 * What went wrong, as a sentence a person can act on: the common cases in the agent's words, the
 * others as the app phrased them. It branches on desk-app's `ErrorCode` (generated), so a code
 * renamed or removed there is a type error here.
 */
export function explain(err: unknown): string {
  if (!(err instanceof CommandError)) return 'Something unexpected went wrong; try again.';
  switch (err.code) {
    case 'not_cached':
      return 'You are offline and this is not saved on this device. It shows once the server is back.';
    case 'server_unreachable':
      return 'The server cannot be reached. Try again when you are back online.';
    case 'wiped':
      return 'An administrator wiped this device: what it kept is deleted and your session has ended. Sign in again.';
    case 'access_withdrawn':
      return 'Your organisation withdrew your access: what this device kept is deleted and your session has ended. Sign in again once your access is given back.';
    case 'session_ended':
    case 'not_signed_in':
      return 'Your session has ended. Sign out, then sign in again.';
    case 'forbidden':
      return 'Your role may not see this. Ask an administrator if you need it.';
    case 'not_found':
      return 'This record does not exist, or no longer does.';
    default:
      return asSentence(err.message);
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
    // The IPC itself failed: something on this machine, which is what `internal` means.
    throw new CommandError('internal', `The app did not answer: ${String(err)}`);
  }
}

export const api = {
  appStatus: () => call<AppStatusDto>('app_status'),
  currentAgent: () => call<AgentDto | null>('current_agent'),
  signIn: () => call<AgentDto>('sign_in'),
  /** Signs out; says how many offline views wait for the next sign-in (the server did not answer). */
  signOut: () => call<SignOutDto>('sign_out'),
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
  /** Customers matching `text`; offline, the cached ones (`source` says which). */
  searchCustomers: (text: string, cursor?: string) =>
    call<SourcedDto<PageOf<Customer>>>('search_customers', { text, cursor: cursor ?? null }),
  /** One customer as the agent may see them. */
  openCustomer: (id: number) => call<SourcedDto<Customer>>('open_customer', { id }),
  /** A page of a customer's transactions, newest first. */
  listTransactions: (customerId: number, query: TransactionQuery = {}) =>
    call<SourcedDto<PageOf<Transaction>>>('list_transactions', {
      customerId,
      from: query.from ?? null,
      to: query.to ?? null,
      status: query.status ?? null,
      limit: query.limit ?? null,
      cursor: query.cursor ?? null,
    }),
  /** A page of a customer's tickets, most recently updated first. */
  listTickets: (customerId: number, cursor?: string) =>
    call<SourcedDto<PageOf<Ticket>>>('list_tickets', { customerId, cursor: cursor ?? null }),
  /** One ticket with the messages the agent may see. */
  openTicket: (id: number) => call<SourcedDto<Ticket>>('open_ticket', { id }),
  /** Replies to the customer (or adds an internal note) on a ticket; needs the server. */
  replyToTicket: (id: number, body: string, internal: boolean) =>
    call<Message>('reply_to_ticket', { id, body, internal }),
  /** Whether the server answers; asked while the window shows cached data. Reads no record. */
  serverReachable: () => call<boolean>('server_reachable'),
  /**
   * What the layout editor shows of `role`: what its definition grants, its layout now, and the
   * server's demo customer as the role sees them (redacted by the server, not here).
   */
  layoutPreview: (role: Role) => call<LayoutPreview>('layout_preview', { role }),
  /** Publishes `layout` for `role`; the server checks it and pushes it to the role's agents. */
  publishLayout: (role: Role, layout: Layout) => call<StoredLayout>('publish_layout', { role, layout }),
  /** `role`'s published layouts, newest first (at most 100). */
  layoutHistory: (role: Role) => call<StoredLayout[]>('layout_history', { role }),
  /** Publishes again the layout `role` had at `version`, as a new version. */
  restoreLayout: (role: Role, version: number) => call<StoredLayout>('restore_layout', { role, version }),
  /** Every role definition in force, with its version. */
  listRoles: () => call<StoredRole[]>('list_roles'),
  /** The role changes waiting for a second administrator, newest first. */
  roleChanges: () => call<RoleChange[]>('role_changes'),
  /** Approves another administrator's waiting change: the definition it puts in force. */
  approveRoleChange: (id: number) => call<StoredRole>('approve_role_change', { id }),
  /** Rejects (or, its proposer, withdraws) a waiting change. */
  rejectRoleChange: (id: number) => call<RoleChange>('reject_role_change', { id }),
  /** desk-core's catalogue: the values a role definition may hold, as the editor offers them. */
  roleCatalogue: () => call<CatalogueDto>('role_catalogue'),
  /** What `edited` comes to against `current`, checked as the server checks it; sends nothing. */
  checkRole: (current: RoleDefinition, edited: RoleDefinition) => call<RoleCheck>('check_role', { current, edited }),
  /** Sets a definition: in force at once, or waiting for a second administrator's approval. */
  setRole: (definition: RoleDefinition) => call<RoleSet>('set_role', { definition }),
  /** A page of the audit trail, newest first, filtered as the server filters it. */
  auditTrail: (filters: AuditFilters, cursor?: string) =>
    call<PageOf<AuditRecord>>('audit_trail', { filters, cursor: cursor ?? null }),
  /** Every entry the filters match, written as `format` to a new file in the download folder. */
  exportAudit: (filters: AuditFilters, format: ExportFormat) => call<Exported>('export_audit', { filters, format }),
  /** The server's check of its audit chain, with its newest checkpoint and this device's. */
  verifyAudit: () => call<AuditCheck>('verify_audit'),
  /** A page of the agents the server knows: those that signed in, then those only provisioned. */
  listAgents: (cursor?: string) => call<PageOf<AgentSummary>>('list_agents', { cursor: cursor ?? null }),
  /** The wipes ordered for `subject` and where each of its devices stands with them. */
  agentWipes: (subject: string) => call<AgentWipes>('agent_wipes', { subject }),
  /** Orders every device of `subject` to shred its cache (the window asks first). */
  wipeAgent: (subject: string) => call<WipeOrdered>('wipe_agent', { subject }),
  /** Asks the update feed the settings name whether a newer version is offered. */
  checkUpdate: () => call<UpdateStateDto>('check_update'),
  /**
   * Downloads the offered `version`, has its signature checked and installs it, calling
   * `onProgress` as it goes; resolves with the version installed.
   */
  installUpdate: (version: string, onProgress: (progress: UpdateProgressDto) => void) => {
    const channel = new Channel<UpdateProgressDto>();
    channel.onmessage = onProgress;
    return call<string>('install_update', { version, onProgress: channel });
  },
  /** Ends the app and starts the version just installed. */
  restartApp: () => call<void>('restart_app'),
};

/** What the screens need from the app: the commands, or test doubles of them. */
export type Api = typeof api;
