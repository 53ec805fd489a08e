/**
 * The master's own secrets. The master generates them itself at first boot
 * (static/master-up.sh, from MASTER_SECRET_SPECS), so none of them ever passes
 * through user_data, CI or this repository. `renderMasterEnv` writes the same
 * variables for `supafleet render master` and tests. The restic password of the
 * master's backups is not one of them: it is derived from the fleet seal key
 * (backup-password.ts), so it outlives the server.
 */
import { randomBytes } from 'node:crypto';
import { renderEnvFile } from '../shared/env-file.ts';

export interface MasterSecrets {
  /** Superuser (`postgres` / `supabase_admin`) of the master's Postgres (32 hex). */
  readonly postgres_password: string;
  /** Kong's own database role (32 hex). */
  readonly kong_db_password: string;
  /** The registry database role used by the master API (32 hex). */
  readonly registry_db_password: string;
  /** Key the master API encrypts project secrets with at rest (base64 of 32 bytes: SUPAFLEET_SECRETS_KEY). */
  readonly registry_encryption_key: string;
  /** Logflare access tokens (32 hex each). */
  readonly logflare_public_token: string;
  readonly logflare_private_token: string;
  /** Supavisor SECRET_KEY_BASE (64 hex) and vault key (32 hex). */
  readonly supavisor_secret_key_base: string;
  readonly supavisor_vault_enc_key: string;
  /** JWT secret Supavisor's management API checks (40 hex). */
  readonly supavisor_jwt_secret: string;
  /** Redis password for Authelia's sessions (32 hex). */
  readonly redis_password: string;
  /** Authelia session, storage encryption and reset-password secrets (64 hex each). */
  readonly authelia_session_secret: string;
  readonly authelia_storage_encryption_key: string;
  readonly authelia_reset_password_jwt_secret: string;
}

/** Each secret: its env variable, how many random bytes it takes, and how they are encoded. */
export interface MasterSecretSpec {
  readonly key: keyof MasterSecrets;
  readonly env: string;
  readonly bytes: number;
  readonly encoding?: 'hex' | 'base64';
}

export const MASTER_SECRET_SPECS: readonly MasterSecretSpec[] = [
  { key: 'authelia_reset_password_jwt_secret', env: 'AUTHELIA_RESET_PASSWORD_JWT_SECRET', bytes: 32 },
  { key: 'authelia_session_secret', env: 'AUTHELIA_SESSION_SECRET', bytes: 32 },
  { key: 'authelia_storage_encryption_key', env: 'AUTHELIA_STORAGE_ENCRYPTION_KEY', bytes: 32 },
  { key: 'kong_db_password', env: 'KONG_DB_PASSWORD', bytes: 16 },
  { key: 'logflare_private_token', env: 'LOGFLARE_PRIVATE_ACCESS_TOKEN', bytes: 16 },
  { key: 'logflare_public_token', env: 'LOGFLARE_PUBLIC_ACCESS_TOKEN', bytes: 16 },
  { key: 'postgres_password', env: 'POSTGRES_PASSWORD', bytes: 16 },
  { key: 'redis_password', env: 'REDIS_PASSWORD', bytes: 16 },
  { key: 'registry_db_password', env: 'REGISTRY_DB_PASSWORD', bytes: 16 },
  { key: 'registry_encryption_key', env: 'SUPAFLEET_SECRETS_KEY', bytes: 32, encoding: 'base64' },
  { key: 'supavisor_jwt_secret', env: 'SUPAVISOR_JWT_SECRET', bytes: 20 },
  { key: 'supavisor_secret_key_base', env: 'SUPAVISOR_SECRET_KEY_BASE', bytes: 32 },
  { key: 'supavisor_vault_enc_key', env: 'SUPAVISOR_VAULT_ENC_KEY', bytes: 16 },
];

/** Fresh master secrets from the CSPRNG (what the bootstrap does with openssl). */
export function generateMasterSecrets(): MasterSecrets {
  const out: Record<string, string> = {};
  for (const s of MASTER_SECRET_SPECS) out[s.key] = randomBytes(s.bytes).toString(s.encoding ?? 'hex');
  return out as unknown as MasterSecrets;
}

/** The master's `.env`, written by the one env-file function. */
export function renderMasterEnv(secrets: MasterSecrets): string {
  return renderEnvFile(Object.fromEntries(MASTER_SECRET_SPECS.map((s) => [s.env, secrets[s.key]])));
}

/** Clearly marked placeholders of the right lengths, for `supafleet render master`. */
export function placeholderMasterSecrets(): MasterSecrets {
  const out: Record<string, string> = {};
  for (const s of MASTER_SECRET_SPECS) {
    out[s.key] = `PLACEHOLDER_${s.env}_`.padEnd(
      s.encoding === 'base64' ? Math.ceil(s.bytes / 3) * 4 : s.bytes * 2,
      'x',
    );
  }
  return out as unknown as MasterSecrets;
}
