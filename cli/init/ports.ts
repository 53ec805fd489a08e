/** What `supafleet init` touches outside itself: each behind a small interface, so tests pass fakes. */
import type { BoxProbe, BoxTarget } from './box-probe.ts';
import type { GitHubSetupApi } from '../../core/github/setup.ts';
import type { StorageBox, StorageBoxAccessSettings, Subaccount } from '../../core/hetzner/storage-box.ts';
import type { TokenScope } from '../../core/hetzner/token-scope.ts';
import type { Server } from '../../core/hetzner/types.ts';
import type { Secret } from '../../core/seal/secret.ts';

/** A key file for the master, installed as `/etc/supafleet/<name>` (mode 0600). */
export interface MasterKeyFile {
  readonly name: 'fleet-seal.key' | 'backup.key';
  readonly content: Secret;
}

export interface InitDeps {
  readonly github: GitHubSetupApi;
  /** Hetzner Cloud with the Read & Write token (absent when HCLOUD_TOKEN is not given). */
  readonly hetzner?: { listServers(filter: { labelSelector?: string }): Promise<Server[]> };
  /** The Storage Box API with the same token. */
  readonly storageBox?: {
    /** Undefined when no box has the id. */
    getStorageBox(id: number): Promise<StorageBox | undefined>;
    /** Changes only the settings given; waits until they hold. */
    updateAccessSettings(id: number, settings: Partial<StorageBoxAccessSettings>): Promise<void>;
    listSubaccounts(box: number): Promise<Subaccount[]>;
  };
  /** The scope of HCLOUD_TOKEN (`readWrite`) or HCLOUD_TOKEN_READONLY (`readOnly`). */
  probeScope(which: 'readWrite' | 'readOnly'): Promise<TokenScope>;
  /** One SFTP session to the Storage Box with the key at `keyPath` (bounded in time): does it answer? */
  probeStorageBox(target: BoxTarget, keyPath: string): Promise<BoxProbe>;
  generateSealKeypair(): Promise<{ publicKey: string; privateKey: Secret }>;
  /** Makes an ed25519 SSH keypair without a passphrase at `path` and `path`.pub. */
  makeSshKey(path: string, comment: string): Promise<void>;
  /** Local files: undefined when missing. */
  readFile(path: string): string | undefined;
  writeFile(path: string, text: string, mode?: number): void;
  /** The IPv4 addresses a name resolves to (empty when it does not). */
  resolve(host: string): Promise<string[]>;
  /** True when `GET <url>/healthz` answers `{"ok":true}`. */
  masterHealthy(url: string): Promise<boolean>;
  /** Installs key files on the master as the SSH user; absent: init prints the command instead. */
  installKeys?(target: { host: string; user: string }, files: readonly MasterKeyFile[]): Promise<void>;
  sleep(ms: number): Promise<void>;
  now(): number;
  /** A line for the operator (standard error). */
  say(line: string): void;
  /** A progress line for a wait (a terminal only). */
  progress(text: string): void;
  /** Asks before changing anything; absent with --yes. */
  confirm?(question: string): Promise<boolean>;
}
