/**
 * The collaborators of the apply logic, each a small interface so the actions, the
 * tests and the demo pass their own: the master API, Hetzner, GitHub, a clock and a
 * logger that can mask secrets.
 */
import type { HetznerClient } from '../hetzner/client.ts';
import type { StorageBoxClient } from '../hetzner/storage-box.ts';

export type { GitHubApi } from '../github/types.ts';
export type { MasterApi } from '../master-client/types.ts';

/** The Hetzner calls the apply logic makes (the real client implements them). */
export type HetznerApi = Pick<
  HetznerClient,
  | 'ensureServer'
  | 'waitForAction'
  | 'deleteServer'
  | 'deleteLabelledServers'
  | 'listFleetServers'
  | 'changeServerType'
  | 'power'
  | 'ensureWorkerFirewall'
>;

/** The Storage Box sub-accounts apply manages: one per project, when fleet.yaml sets `storage_box.id`. */
export type StorageBoxApi = Pick<
  StorageBoxClient,
  'ensureProjectSubaccount' | 'resetPassword' | 'deleteProjectSubaccounts'
>;

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  sleep(ms: number): Promise<void>;
}

/** Progress lines for the job log. Every secret passes through `mask` before anything prints it. */
export interface Logger {
  info(line: string): void;
  warn(line: string): void;
  error(line: string): void;
  /** Registers a secret value so the runner masks it in every later line (core.setSecret). */
  mask(value: string): void;
}

export const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** A logger that keeps its lines, for tests and the demo. */
export function memoryLogger(): Logger & { readonly lines: string[]; readonly masked: string[] } {
  const lines: string[] = [];
  const masked: string[] = [];
  return {
    lines,
    masked,
    info: (l) => lines.push(l),
    warn: (l) => lines.push(`warning: ${l}`),
    error: (l) => lines.push(`error: ${l}`),
    mask: (v) => masked.push(v),
  };
}
