/**
 * Storage Box sub-accounts through the Hetzner API (`https://api.hetzner.com/v1`, the same
 * token as the Cloud API): one per project, so a worker reaches only its own backups.
 * Same transport as the Cloud client (timeouts, retries with backoff, `RateLimit-*`).
 * Creates are idempotent: the sub-account is found by its labels first, and a create whose
 * answer was lost is looked up again before it is retried.
 */
import { randomBytes } from 'node:crypto';
import { HetznerActionError, HetznerApiError, HetznerRefusedError, mayHaveBeenServed } from './errors.ts';
import { HetznerTransport, type TransportOptions } from './http.ts';
import { formatSelector } from './label-selector.ts';
import type { Action } from './types.ts';
import { LABEL_FLEET, LABEL_PROJECT, LABEL_ROLE } from '../naming/labels.ts';
import { Secret } from '../seal/secret.ts';

/** The Hetzner API (Storage Boxes), beside the Cloud API's `api.hetzner.cloud`. */
export const DEFAULT_HETZNER_ENDPOINT = 'https://api.hetzner.com/v1';

/** The role label of a project's backup sub-account. */
export const BACKUP_ROLE = 'backup';

/** A Storage Box sub-account as the API shows it (hcloud-go v2.47.0 `schema/storage_box_subaccount.go`). */
export interface Subaccount {
  readonly id: number;
  readonly name: string;
  /** Assigned by Hetzner, `<box user>-sub<N>`. */
  readonly username: string;
  readonly home_directory: string;
  /** The host the sub-account logs in at. */
  readonly server: string;
  readonly access_settings: {
    readonly reachable_externally: boolean;
    readonly readonly: boolean;
    readonly samba_enabled: boolean;
    readonly ssh_enabled: boolean;
    readonly webdav_enabled: boolean;
  };
  readonly description: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly storage_box: number;
}

/** Which ways in a Storage Box's main account allows (hcloud-go v2.47.0 `schema/storage_box.go:24-30`). */
export interface StorageBoxAccessSettings {
  /** Reachable from outside Hetzner's network. */
  readonly reachable_externally: boolean;
  readonly samba_enabled: boolean;
  /** SSH, SFTP and SCP on port 23 (and rsync, BorgBackup, restic over it). */
  readonly ssh_enabled: boolean;
  readonly webdav_enabled: boolean;
  readonly zfs_enabled: boolean;
}

/** A Storage Box as the API shows it: the fields supafleet reads (hcloud-go v2.47.0 `schema/storage_box.go:6-21`). */
export interface StorageBox {
  readonly id: number;
  readonly name: string;
  /** The main account's login, `u<N>`; null while the box is being set up. */
  readonly username: string | null;
  readonly status: string;
  /** The host name to log in at, `<username>.your-storagebox.de`; null while the box is being set up. */
  readonly server: string | null;
  readonly access_settings: StorageBoxAccessSettings;
  readonly labels: Readonly<Record<string, string>>;
}

/** Labels of a project's backup sub-account. */
export function backupSubaccountLabels(fleet: string, project: string): Record<string, string> {
  return { [LABEL_FLEET]: fleet, [LABEL_PROJECT]: project, [LABEL_ROLE]: BACKUP_ROLE };
}

/** The project's directory under the Storage Box root: its sub-account's home. */
export function backupHome(project: string): string {
  return `supafleet/${project}`;
}

/**
 * A fresh sub-account password: 32 random base64url characters and a fixed tail that
 * holds an upper and a lower case letter, a digit and a special character, whatever the
 * random part drew. No character the shell or YAML would treat specially.
 */
export function generateSubaccountPassword(): Secret {
  return new Secret(`${randomBytes(24).toString('base64url')}Aa1-`);
}

export interface StorageBoxClientOptions extends TransportOptions {
  /** Time between two polls of one action; never below 1000 ms. */
  readonly pollIntervalMs?: number;
  /** Give up waiting for an action after this long (default 10 minutes). */
  readonly actionTimeoutMs?: number;
}

/** The outcome of {@link StorageBoxClient.ensureProjectSubaccount}. */
export interface EnsureSubaccountResult {
  readonly subaccount: Subaccount;
  /** True when this call created it. */
  readonly created: boolean;
  /** The password it was created with (only when created). Never log it. */
  readonly password?: Secret;
}

const POLL_FLOOR_MS = 1000;
const MAX_CREATE_TRIES = 3;

/** Thrown from a retry hook to stop a create whose answer may have been lost. */
class MaybeServed extends Error {}

export class StorageBoxClient {
  private readonly http: HetznerTransport;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly pollIntervalMs: number;
  private readonly actionTimeoutMs: number;

  constructor(options: StorageBoxClientOptions) {
    this.http = new HetznerTransport({ ...options, endpoint: options.endpoint ?? DEFAULT_HETZNER_ENDPOINT });
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.pollIntervalMs = Math.max(POLL_FLOOR_MS, options.pollIntervalMs ?? POLL_FLOOR_MS);
    this.actionTimeoutMs = options.actionTimeoutMs ?? 10 * 60_000;
  }

  /** Requests made so far by kind, retries included. */
  calls(): Record<string, number> {
    return this.http.calls();
  }

  /** `GET /storage_boxes/{id}`; undefined when no box has that id (or the token's project does not hold it). */
  async getStorageBox(id: number): Promise<StorageBox | undefined> {
    try {
      return (await this.http.request<{ storage_box: StorageBox }>('GET', `/storage_boxes/${id}`))
        .storage_box;
    } catch (err) {
      if (err instanceof HetznerApiError && err.status === 404) return undefined;
      throw err;
    }
  }

  /**
   * `POST /storage_boxes/{id}/actions/update_access_settings` with only the settings given
   * (the others stay as they are); waits for the action.
   */
  async updateAccessSettings(id: number, settings: Partial<StorageBoxAccessSettings>): Promise<void> {
    const answer = await this.http.request<{ action: Action }>(
      'POST',
      `/storage_boxes/${id}/actions/update_access_settings`,
      { body: settings },
    );
    await this.waitForAction(answer.action);
  }

  /** `GET /storage_boxes/{id}/subaccounts` (one answer, no pages), filtered by label selector. */
  async listSubaccounts(box: number, filter: { labelSelector?: string } = {}): Promise<Subaccount[]> {
    const body = await this.http.request<{ subaccounts?: Subaccount[] }>(
      'GET',
      `/storage_boxes/${box}/subaccounts`,
      { query: { label_selector: filter.labelSelector } },
    );
    if (!Array.isArray(body.subaccounts)) {
      throw new Error(`Hetzner API GET /storage_boxes/${box}/subaccounts: answer has no "subaccounts" list`);
    }
    return body.subaccounts;
  }

  /** `GET /storage_boxes/{id}/subaccounts/{sid}`; undefined when it does not exist. */
  async getSubaccount(box: number, id: number): Promise<Subaccount | undefined> {
    try {
      return (
        await this.http.request<{ subaccount: Subaccount }>('GET', `/storage_boxes/${box}/subaccounts/${id}`)
      ).subaccount;
    } catch (err) {
      if (err instanceof HetznerApiError && err.status === 404) return undefined;
      throw err;
    }
  }

  /** The project's backup sub-accounts in this fleet (one, or none). */
  async findProjectSubaccounts(box: number, fleet: string, project: string): Promise<Subaccount[]> {
    return this.listSubaccounts(box, {
      labelSelector: formatSelector(backupSubaccountLabels(fleet, project)),
    });
  }

  /**
   * The project's sub-account: found by its labels, else created with home
   * `supafleet/<project>` (Hetzner creates the directory), SSH on, not reachable from
   * outside Hetzner, and a fresh password returned once.
   */
  async ensureProjectSubaccount(
    box: number,
    fleet: string,
    project: string,
  ): Promise<EnsureSubaccountResult> {
    const labels = backupSubaccountLabels(fleet, project);
    for (let attempt = 1; attempt <= MAX_CREATE_TRIES; attempt++) {
      const [existing] = await this.findProjectSubaccounts(box, fleet, project);
      if (existing) return { subaccount: existing, created: attempt > 1 };
      const password = generateSubaccountPassword();
      let answer: { subaccount: { id: number }; action: Action };
      try {
        answer = await this.http.request('POST', `/storage_boxes/${box}/subaccounts`, {
          body: {
            home_directory: backupHome(project),
            password: password.reveal(),
            description: `supafleet ${fleet}: backups of ${project}`,
            access_settings: { ssh_enabled: true, reachable_externally: false, readonly: false },
            labels,
          },
          onRetry: (failure) => {
            // A lost answer may hide a created sub-account: look it up before posting again.
            if (mayHaveBeenServed(failure)) throw new MaybeServed();
          },
        });
      } catch (err) {
        if (err instanceof MaybeServed) continue;
        throw err;
      }
      await this.waitForAction(answer.action);
      const subaccount = await this.getSubaccount(box, answer.subaccount.id);
      if (!subaccount) {
        throw new Error(
          `Storage Box ${box}: sub-account ${answer.subaccount.id} is gone right after its creation`,
        );
      }
      return { subaccount, created: true, password };
    }
    throw new HetznerRefusedError(
      `Storage Box ${box}: creating the sub-account of ${project} lost its answer ${MAX_CREATE_TRIES} times ` +
        'and none carries its labels; run again',
    );
  }

  /** `POST …/subaccounts/{sid}/actions/reset_subaccount_password`; waits for the action. */
  async resetPassword(box: number, id: number, password: Secret): Promise<void> {
    const answer = await this.http.request<{ action: Action }>(
      'POST',
      `/storage_boxes/${box}/subaccounts/${id}/actions/reset_subaccount_password`,
      { body: { password: password.reveal() } },
    );
    await this.waitForAction(answer.action);
  }

  /**
   * Deletes the project's backup sub-accounts of this fleet (found by labels, so no other
   * project's and nothing supafleet did not create). Its home directory and the backups
   * in it stay with the main account. Returns how many were deleted.
   */
  async deleteProjectSubaccounts(box: number, fleet: string, project: string): Promise<number> {
    const found = await this.findProjectSubaccounts(box, fleet, project);
    for (const sub of found) {
      const labels = sub.labels;
      if (
        labels[LABEL_FLEET] !== fleet ||
        labels[LABEL_PROJECT] !== project ||
        labels[LABEL_ROLE] !== BACKUP_ROLE
      ) {
        throw new HetznerRefusedError(
          `refusing to delete sub-account ${sub.username}: it does not carry the labels of ${project}'s backups`,
        );
      }
      try {
        const answer = await this.http.request<{ action: Action }>(
          'DELETE',
          `/storage_boxes/${box}/subaccounts/${sub.id}`,
        );
        await this.waitForAction(answer.action);
      } catch (err) {
        if (err instanceof HetznerApiError && err.status === 404) continue;
        throw err;
      }
    }
    return found.length;
  }

  /** Polls `GET /storage_boxes/actions/{id}` at least a second apart until the action ends. */
  async waitForAction(action: Action): Promise<Action> {
    let current = action;
    const deadline = this.now() + this.actionTimeoutMs;
    const maxPolls = Math.ceil(this.actionTimeoutMs / this.pollIntervalMs) + 1;
    for (let poll = 0; current.status === 'running'; poll++) {
      if (poll >= maxPolls || this.now() >= deadline) {
        throw new HetznerActionError(
          current.id,
          current.command,
          'timeout',
          `still running after ${Math.round(this.actionTimeoutMs / 1000)} s (progress ${current.progress}%)`,
        );
      }
      await this.sleep(this.pollIntervalMs);
      current = (await this.http.request<{ action: Action }>('GET', `/storage_boxes/actions/${current.id}`))
        .action;
    }
    if (current.status === 'error') {
      throw new HetznerActionError(
        current.id,
        current.command,
        current.error?.code ?? 'action_failed',
        current.error?.message ?? 'no message',
      );
    }
    return current;
  }
}
