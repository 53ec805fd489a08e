import { randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import type { ProjectSecrets } from './types.ts';

/** Lifetime of the anon and service_role keys, as self-hosted Supabase issues them: five years. */
export const API_KEY_LIFETIME_S = 5 * 365 * 24 * 60 * 60;

const hex = (bytes: number): string => randomBytes(bytes).toString('hex');
const b64url = (bytes: number): string => randomBytes(bytes).toString('base64url');

/**
 * Signs a Supabase API key: an HS256 JWT `{role, iss: "supabase", iat, exp}` with
 * the project's JWT secret (the secret string's UTF-8 bytes are the HMAC key, as
 * GoTrue and PostgREST read it).
 */
export async function signApiKey(
  jwtSecret: string,
  role: 'anon' | 'service_role',
  iat: number,
): Promise<string> {
  return new SignJWT({ role })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer('supabase')
    .setIssuedAt(iat)
    .setExpirationTime(iat + API_KEY_LIFETIME_S)
    .sign(new TextEncoder().encode(jwtSecret));
}

/**
 * A project's generated secrets, fresh from the system's CSPRNG. The master calls
 * this once per project and stores the result encrypted; it never regenerates.
 */
export async function generateProjectSecrets(now: Date = new Date()): Promise<ProjectSecrets> {
  const iat = Math.floor(now.getTime() / 1000);
  const jwtSecret = hex(20);
  return {
    jwt_secret: jwtSecret,
    anon_key: await signApiKey(jwtSecret, 'anon', iat),
    service_role_key: await signApiKey(jwtSecret, 'service_role', iat),
    postgres_password: hex(16),
    role_passwords: {
      authenticator: hex(16),
      supabase_auth_admin: hex(16),
      supabase_storage_admin: hex(16),
      supabase_functions_admin: hex(16),
      supabase_realtime_admin: hex(16),
      pgbouncer: hex(16),
    },
    realtime_db_enc_key: hex(8),
    secret_key_base: hex(32),
    vault_enc_key: hex(16),
    pg_meta_crypto_key: hex(16),
    logflare_api_key: hex(16),
    ...laterSecrets(),
    restic_password: hex(24),
    agent_token: b64url(32),
    command_key: b64url(32),
  };
}

/**
 * Secrets added after the first projects were created, with their generators. A
 * project stored before one of them existed gets it from `completeProjectSecrets`.
 */
const LATER_SECRETS = {
  s3_protocol_access_key_id: () => hex(16),
  s3_protocol_access_key_secret: () => hex(32),
} as const;

function laterSecrets(): { [K in keyof typeof LATER_SECRETS]: string } {
  return {
    s3_protocol_access_key_id: LATER_SECRETS.s3_protocol_access_key_id(),
    s3_protocol_access_key_secret: LATER_SECRETS.s3_protocol_access_key_secret(),
  };
}

/** Stored secrets as they may come back from a registry written by an older version. */
export type StoredProjectSecrets = Omit<ProjectSecrets, keyof typeof LATER_SECRETS> &
  Partial<Pick<ProjectSecrets, keyof typeof LATER_SECRETS>>;

/**
 * Fills in the secrets a stored record lacks (generated fresh) and names them, so
 * the caller stores the completed record once; values already stored are kept.
 */
export function completeProjectSecrets(stored: StoredProjectSecrets): {
  secrets: ProjectSecrets;
  added: (keyof typeof LATER_SECRETS)[];
} {
  const added = (Object.keys(LATER_SECRETS) as (keyof typeof LATER_SECRETS)[]).filter(
    (k) => typeof stored[k] !== 'string' || stored[k] === '',
  );
  const fresh = laterSecrets();
  const fill = Object.fromEntries(added.map((k) => [k, fresh[k]]));
  return { secrets: { ...stored, ...fill } as ProjectSecrets, added };
}

/** Every secret value of a project as a flat list (for tests that prove none leaks). */
export function secretValues(s: ProjectSecrets): string[] {
  const { role_passwords, ...rest } = s;
  return [...Object.values(rest), ...Object.values(role_passwords)];
}
