/**
 * What a Hetzner Cloud API token may do. A token is either Read (GET only) or Read & Write
 * (docs.hetzner.com/cloud/api/getting-started/generating-api-token: "If you select Read, the
 * token will only be allowed to perform GET requests"); the API does not say which a token is,
 * so the probe asks: a list (any valid token), then the create and delete of an SSH key named
 * `supafleet-init-probe` (a project resource that costs nothing and touches no server). A Read
 * token's create is refused with 401 `token_readonly` ("The token is only allowed to perform GET
 * requests", the Cloud API reference, "Error Codes"; hcloud-go v2.47.0 `hcloud/error.go:35`).
 */
import { generateKeyPairSync } from 'node:crypto';
import { HetznerApiError } from './errors.ts';
import type { SshKey } from './client.ts';
import { LABEL_ROLE } from '../naming/labels.ts';

/** The name of the SSH key the probe creates and deletes at once. */
export const PROBE_KEY_NAME = 'supafleet-init-probe';

/** What a token may do: `read_write`, `read` (GET only), or `invalid` (unknown or revoked). */
export type TokenScope = 'read_write' | 'read' | 'invalid';

/** The Hetzner calls the probe makes (HetznerClient has them). */
export interface ScopeProbeApi {
  listSshKeys(filter: { name?: string }): Promise<SshKey[]>;
  createSshKey(request: {
    name: string;
    public_key: string;
    labels?: Readonly<Record<string, string>>;
  }): Promise<SshKey>;
  deleteSshKey(id: number): Promise<void>;
}

/** Finds out a token's scope; the probe key never outlives the call (a leftover of an interrupted run is removed first). */
export async function probeTokenScope(api: ScopeProbeApi): Promise<TokenScope> {
  let leftovers: SshKey[];
  try {
    leftovers = await api.listSshKeys({ name: PROBE_KEY_NAME });
  } catch (err) {
    if (err instanceof HetznerApiError && err.status === 401) return 'invalid';
    throw err;
  }
  let created: SshKey;
  try {
    for (const key of leftovers) if (key.labels[LABEL_ROLE] === 'init-probe') await api.deleteSshKey(key.id);
    created = await api.createSshKey({
      name: PROBE_KEY_NAME,
      public_key: probePublicKey(),
      labels: { [LABEL_ROLE]: 'init-probe' },
    });
  } catch (err) {
    if (err instanceof HetznerApiError && (err.code === 'token_readonly' || err.code === 'forbidden'))
      return 'read';
    throw err;
  }
  await api.deleteSshKey(created.id);
  return 'read_write';
}

/** A throwaway ed25519 public key in OpenSSH's one-line form; its private half is dropped. */
export function probePublicKey(): string {
  const { publicKey } = generateKeyPairSync('ed25519');
  const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  const field = (b: Buffer): Buffer => Buffer.concat([u32(b.length), b]);
  const blob = Buffer.concat([field(Buffer.from('ssh-ed25519')), field(raw)]);
  return `ssh-ed25519 ${blob.toString('base64')} ${PROBE_KEY_NAME}`;
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

/** The two tokens a fleet uses, by the secret names the workflows read. */
export interface FleetTokenScopes {
  /** HCLOUD_TOKEN: apply, backup and the master workflow create and delete servers. */
  readonly readWrite?: TokenScope;
  /** HCLOUD_TOKEN_READONLY: plans on pull requests only read. */
  readonly readOnly?: TokenScope;
}

/**
 * What is wrong with the tokens, one sentence each naming the token and the fix; empty when
 * both fit. A token not given is not judged here (the caller says it is missing).
 */
export function tokenScopeProblems(scopes: FleetTokenScopes): string[] {
  const problems: string[] = [];
  const hint = 'Hetzner Console → your project → Security → API tokens';
  if (scopes.readWrite === 'invalid')
    problems.push(
      `HCLOUD_TOKEN is not accepted by Hetzner (unknown or revoked): create a Read & Write token (${hint})`,
    );
  if (scopes.readWrite === 'read')
    problems.push(
      `HCLOUD_TOKEN is a Read token, but apply and the master workflow create servers: create a Read & Write token (${hint})`,
    );
  if (scopes.readOnly === 'invalid')
    problems.push(
      `HCLOUD_TOKEN_READONLY is not accepted by Hetzner (unknown or revoked): create a Read token (${hint})`,
    );
  if (scopes.readOnly === 'read_write')
    problems.push(
      `HCLOUD_TOKEN_READONLY can write, but plans run for pull requests and must only read: create a Read token (${hint}) and delete this one`,
    );
  return problems;
}
