/**
 * The worker's `.env`: the project's generated secrets and opened sealed values, read
 * by Compose for `${NAME}` references. Written by the one env-file function.
 */
import { renderEnvFile } from '../shared/env-file.ts';
import { openedValue, type WorkerBundleInput } from './input.ts';

export function workerEnvEntries(input: WorkerBundleInput): Record<string, string> {
  const s = input.secrets;
  const env: Record<string, string> = {
    ANON_KEY: s.anon_key,
    AUTHENTICATOR_PASSWORD: s.role_passwords.authenticator,
    AUTH_ADMIN_PASSWORD: s.role_passwords.supabase_auth_admin,
    FUNCTIONS_ADMIN_PASSWORD: s.role_passwords.supabase_functions_admin,
    JWT_SECRET: s.jwt_secret,
    LOGFLARE_API_KEY: s.logflare_api_key,
    PGBOUNCER_PASSWORD: s.role_passwords.pgbouncer,
    PG_META_CRYPTO_KEY: s.pg_meta_crypto_key,
    POSTGRES_PASSWORD: s.postgres_password,
    S3_PROTOCOL_ACCESS_KEY_ID: s.s3_protocol_access_key_id,
    S3_PROTOCOL_ACCESS_KEY_SECRET: s.s3_protocol_access_key_secret,
    REALTIME_ADMIN_PASSWORD: s.role_passwords.supabase_realtime_admin,
    REALTIME_DB_ENC_KEY: s.realtime_db_enc_key,
    SECRET_KEY_BASE: s.secret_key_base,
    SERVICE_ROLE_KEY: s.service_role_key,
    STORAGE_ADMIN_PASSWORD: s.role_passwords.supabase_storage_admin,
    VAULT_ENC_KEY: s.vault_enc_key,
  };
  if (input.project.auth.smtp) env.SMTP_PASS = openedValue(input, 'auth.smtp.pass');
  for (const provider of Object.keys(input.project.auth.external)) {
    env[`EXTERNAL_${provider.toUpperCase()}_SECRET`] = openedValue(input, `auth.external.${provider}.secret`);
  }
  return env;
}

export function renderWorkerEnv(input: WorkerBundleInput): string {
  return renderEnvFile(workerEnvEntries(input));
}

/** Function secrets as JSON (any text survives JSON), read by the functions main router. */
export function renderFunctionSecrets(input: WorkerBundleInput): string {
  const out: Record<string, string> = {};
  for (const name of Object.keys(input.project.functions.secrets).sort()) {
    if (!/^[A-Z_][A-Z0-9_]*$/.test(name)) {
      throw new Error(
        `functions.secrets: ${JSON.stringify(name)} is not a valid name; expected ^[A-Z_][A-Z0-9_]*$`,
      );
    }
    out[name] = openedValue(input, `functions.secrets.${name}`);
  }
  return JSON.stringify(out, null, 1) + '\n';
}
