import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Signed master → agent commands. The signature is HMAC-SHA256 over
 * `v1\n<METHOD>\n<path>\n<timestamp ms>\n<nonce>\n<hex sha256 of body>`, keyed
 * with the project's command key. The agent refuses a bad signature, a
 * timestamp outside the allowed skew, and a nonce it has already seen.
 */
export const HEADER_TIMESTAMP = 'x-supafleet-timestamp';
export const HEADER_NONCE = 'x-supafleet-nonce';
export const HEADER_SIGNATURE = 'x-supafleet-signature';

/** How far a command's timestamp may be from the agent's clock. */
export const DEFAULT_MAX_SKEW_MS = 60_000;

export interface SignInput {
  readonly method: string;
  readonly path: string;
  readonly body: string;
  /** The command key (any string; base64url of 32 random bytes in practice). */
  readonly key: string;
  readonly nowMs: number;
  /** Defaults to 16 random bytes, hex. */
  readonly nonce?: string;
}

/** Signature headers for a command. */
export function signCommand(input: SignInput): Record<string, string> {
  const nonce = input.nonce ?? randomBytes(16).toString('hex');
  const timestamp = String(Math.trunc(input.nowMs));
  const signature = mac(input.key, input.method, input.path, timestamp, nonce, input.body);
  return {
    [HEADER_TIMESTAMP]: timestamp,
    [HEADER_NONCE]: nonce,
    [HEADER_SIGNATURE]: `v1=${signature}`,
  };
}

/** Remembers nonces until they are too old to be replayed anyway. */
export interface NonceStore {
  /** Records the nonce; false when it was already seen (a replay). */
  remember(nonce: string, expiresAtMs: number, nowMs: number): boolean;
}

/** A bounded in-memory NonceStore: expired nonces are dropped; past `max` entries new commands are refused. */
export class MemoryNonceStore implements NonceStore {
  readonly #seen = new Map<string, number>();
  constructor(private readonly max = 10_000) {}

  remember(nonce: string, expiresAtMs: number, nowMs: number): boolean {
    for (const [n, exp] of this.#seen) {
      if (exp <= nowMs) this.#seen.delete(n);
    }
    if (this.#seen.has(nonce)) return false;
    if (this.#seen.size >= this.max) return false;
    this.#seen.set(nonce, expiresAtMs);
    return true;
  }
}

export type VerifyResult =
  | { readonly ok: true }
  | {
      readonly ok: false;
      readonly reason: 'unsigned' | 'malformed' | 'stale' | 'bad-signature' | 'replayed';
    };

export interface VerifyInput {
  readonly method: string;
  readonly path: string;
  readonly body: string;
  readonly key: string;
  /** Request headers, lower-case names (as Node gives them). */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly nowMs: number;
  readonly nonces: NonceStore;
  readonly maxSkewMs?: number;
}

/** Checks a command's signature, freshness and nonce (in that order; the nonce is recorded only for a valid, fresh command). */
export function verifyCommand(input: VerifyInput): VerifyResult {
  const timestamp = header(input.headers, HEADER_TIMESTAMP);
  const nonce = header(input.headers, HEADER_NONCE);
  const signature = header(input.headers, HEADER_SIGNATURE);
  if (timestamp === undefined || nonce === undefined || signature === undefined) {
    return { ok: false, reason: 'unsigned' };
  }
  if (
    !/^\d{1,15}$/.test(timestamp) ||
    !/^[A-Za-z0-9_-]{16,128}$/.test(nonce) ||
    !signature.startsWith('v1=')
  ) {
    return { ok: false, reason: 'malformed' };
  }
  const expected = Buffer.from(mac(input.key, input.method, input.path, timestamp, nonce, input.body), 'hex');
  const given = Buffer.from(signature.slice(3), 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: 'bad-signature' };
  }
  const skew = input.maxSkewMs ?? DEFAULT_MAX_SKEW_MS;
  const ts = Number(timestamp);
  if (Math.abs(input.nowMs - ts) > skew) return { ok: false, reason: 'stale' };
  if (!input.nonces.remember(nonce, ts + skew, input.nowMs)) return { ok: false, reason: 'replayed' };
  return { ok: true };
}

function mac(
  key: string,
  method: string,
  path: string,
  timestamp: string,
  nonce: string,
  body: string,
): string {
  const bodyHash = createHash('sha256').update(body).digest('hex');
  return createHmac('sha256', key)
    .update(['v1', method.toUpperCase(), path, timestamp, nonce, bodyHash].join('\n'))
    .digest('hex');
}

function header(headers: VerifyInput['headers'], name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}
