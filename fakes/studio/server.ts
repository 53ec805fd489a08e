/**
 * The requests Studio's server (supabase/studio 2026.02.16, self-hosted mode) sends to pg-meta,
 * built from a Studio container's environment exactly as Studio builds them. Studio itself does
 * not run here (its image cannot be pulled); this is the part of it the routing depends on.
 * Every behaviour cites Studio's source in CONFORMANCE.md.
 */
import { createCipheriv, createHash, randomBytes } from 'node:crypto';

/** One outgoing request of Studio's server: where it goes and what it carries. */
export interface StudioRequest {
  readonly method: 'GET' | 'POST';
  /** Absolute URL: STUDIO_PG_META_URL + the pg-meta path. */
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
}

/** The environment variables Studio reads for these requests (lib/api/self-hosted/constants.ts). */
export type StudioEnv = Readonly<Record<string, string | undefined>>;

/**
 * `getConnectionString({ readOnly })`: the read-write user `supabase_admin` (or
 * `supabase_read_only_user`), POSTGRES_PASSWORD, POSTGRES_HOST, POSTGRES_PORT, POSTGRES_DB, with
 * constants.ts's fallbacks.
 */
export function studioConnectionString(env: StudioEnv, readOnly = false): string {
  const user = readOnly
    ? (env.POSTGRES_USER_READ_ONLY ?? 'supabase_read_only_user')
    : (env.POSTGRES_USER_READ_WRITE ?? 'supabase_admin');
  const host = env.POSTGRES_HOST || 'db';
  const port = Number.parseInt(env.POSTGRES_PORT || '5432', 10);
  const db = env.POSTGRES_DB || 'postgres';
  return `postgresql://${user}:${env.POSTGRES_PASSWORD || 'postgres'}@${host}:${port}/${db}`;
}

/**
 * `encryptString`: crypto-js `AES.encrypt(plain, PG_META_CRYPTO_KEY || 'SAMPLE_KEY').toString()`.
 * With a passphrase, crypto-js derives key and IV with OpenSSL's EVP_BytesToKey (MD5, one
 * iteration, a random 8-byte salt), encrypts AES-256-CBC with PKCS#7 padding and prints
 * base64("Salted__" + salt + ciphertext). Done here with node:crypto; pg-meta's crypto-js
 * decrypting it is the proof (routing.int.test).
 */
export function studioEncrypt(env: StudioEnv, plain: string): string {
  const pass = Buffer.from(env.PG_META_CRYPTO_KEY || 'SAMPLE_KEY', 'utf8');
  const salt = randomBytes(8);
  let derived = Buffer.alloc(0);
  let block = Buffer.alloc(0);
  while (derived.length < 48) {
    block = createHash('md5')
      .update(Buffer.concat([block, pass, salt]))
      .digest();
    derived = Buffer.concat([derived, block]);
  }
  const cipher = createCipheriv('aes-256-cbc', derived.subarray(0, 32), derived.subarray(32, 48));
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return Buffer.concat([Buffer.from('Salted__', 'latin1'), salt, body]).toString('base64');
}

/**
 * `constructHeaders(headers)`: keeps Accept, Authorization, cookie, Content-Type and
 * x-connection-encrypted of the given headers, and adds `apiKey: SUPABASE_SERVICE_KEY` (self-hosted).
 */
export function studioHeaders(
  env: StudioEnv,
  given: Readonly<Record<string, string | undefined>>,
): Record<string, string> {
  const kept: Record<string, string | undefined> = {
    Accept: given.Accept,
    Authorization: given.Authorization,
    cookie: given.cookie,
    'Content-Type': given['Content-Type'],
    'x-connection-encrypted': given['x-connection-encrypted'],
  };
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(kept)) if (v !== undefined) out[k] = v;
  out.apiKey = `${env.SUPABASE_SERVICE_KEY}`;
  return out;
}

/**
 * The SQL editor and every SQL-backed page: `POST /api/platform/pg-meta/<ref>/query` runs
 * `executeQuery`, which posts `{query}` to `${STUDIO_PG_META_URL}/query` with the browser's
 * headers cleansed, JSON, and the encrypted connection string.
 */
export function studioQueryRequest(
  env: StudioEnv,
  query: string,
  browser: Readonly<Record<string, string | undefined>> = {},
): StudioRequest {
  const fromBrowser = studioHeaders(env, browser);
  return {
    method: 'POST',
    url: `${env.STUDIO_PG_META_URL}/query`,
    headers: studioHeaders(env, {
      ...fromBrowser,
      'Content-Type': 'application/json',
      'x-connection-encrypted': studioEncrypt(env, studioConnectionString(env)),
    }),
    body: JSON.stringify({ query }),
  };
}

/**
 * The table list: `GET /api/platform/pg-meta/<ref>/tables` forwards its whole query, the route's
 * own `ref` included (Next.js puts route parameters into `req.query`), to
 * `${STUDIO_PG_META_URL}/tables` with the browser's headers cleansed. The browser sends no
 * x-connection-encrypted, so pg-meta opens its own database. Self-hosted, `ref` is `default`.
 */
export function studioTablesRequest(
  env: StudioEnv,
  query: Readonly<Record<string, string>>,
  browser: Readonly<Record<string, string | undefined>> = {},
): StudioRequest {
  const qs = new URLSearchParams({ ...query, ref: 'default' }).toString();
  return {
    method: 'GET',
    url: `${env.STUDIO_PG_META_URL}/tables?${qs}`,
    headers: studioHeaders(env, browser),
  };
}
