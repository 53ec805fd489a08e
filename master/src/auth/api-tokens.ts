import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Principal, Scope } from './principal.ts';
import { TOKEN_SCOPES } from './principal.ts';
import { UnauthorizedError } from '../errors.ts';

/**
 * Operator API tokens: `sft_<id>_<secret>`. The id (16 hex) finds the row; the
 * secret is stored only as its SHA-256 and compared in constant time.
 */
export const API_TOKEN_RE = /^sft_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

export interface MintedToken {
  readonly id: string;
  readonly token: string;
  readonly secretHash: Buffer;
}

export function sha256(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

export function mintApiToken(): MintedToken {
  const id = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  return { id, token: `sft_${id}_${secret}`, secretHash: sha256(secret) };
}

export function isApiTokenShaped(token: string): boolean {
  return token.startsWith('sft_');
}

export function parseScope(v: string): Scope {
  if (!(TOKEN_SCOPES as readonly string[]).includes(v))
    throw new Error(`scope "${v}" is unknown; expected read, write or admin`);
  return v as Scope;
}

export interface ApiTokenStore {
  apiTokenById(
    id: string,
  ): Promise<{ id: string; name: string; scope: string; secretHash: Buffer } | undefined>;
}

/** Checks an API token; UnauthorizedError when it is malformed, unknown, revoked or wrong. */
export async function verifyApiToken(store: ApiTokenStore, token: string): Promise<Principal> {
  const m = API_TOKEN_RE.exec(token);
  if (!m) throw new UnauthorizedError('malformed API token; expected sft_<id>_<secret>');
  const row = await store.apiTokenById(m[1]!);
  const given = sha256(m[2]!);
  // compare against a dummy when the id is unknown, so both paths cost the same
  const expected = row?.secretHash ?? sha256('');
  if (!timingSafeEqual(given, expected) || !row) throw new UnauthorizedError('unknown or revoked API token');
  return { scope: parseScope(row.scope), actor: { kind: 'token', name: row.name, id: row.id } };
}
