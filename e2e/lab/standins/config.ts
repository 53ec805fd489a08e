/**
 * What a stand-in knows: the agent's process runtime starts it in the revision
 * directory with `standins.json`'s environment (non-secret settings) and it reads
 * the secrets from the bundle's `.env`, as the containers get them from Compose.
 */
import { existsSync, readFileSync } from 'node:fs';

export interface StandinConfig {
  readonly service: string;
  readonly project: string;
  readonly revision: number;
  /** 127.0.0.1 port (the health probe's). */
  readonly port: number;
  /** The worker's wg address and the service's real port there (Kong's upstream). */
  readonly wgAddress?: string;
  readonly wgPort: number;
  /** The worker's own database on the lab's Postgres (unix socket URL). */
  readonly dbUrl?: string;
  /** PostgREST's PGRST_DB_SCHEMAS, as the rendered compose sets it. */
  readonly dbSchemas: readonly string[];
  /** The functions runtime's VERIFY_JWT, as the rendered compose sets it. */
  readonly verifyJwt: boolean;
  /** The entry of @supabase/postgres-meta's app factory (dist/server/app.js). */
  readonly pgMetaApp?: string;
  /** The project's public URL (GoTrue's API_EXTERNAL_URL). */
  readonly publicUrl: string;
  /** From .env. */
  readonly jwtSecret: string;
  readonly pgMetaCryptoKey: string;
}

/** KEY='value' / KEY=value lines of a Compose env file. */
export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line.trim());
    if (!m) continue;
    let v = m[2]!;
    if (/^'.*'$/.test(v)) v = v.slice(1, -1).replaceAll("'\\''", "'");
    else if (/^".*"$/.test(v)) v = v.slice(1, -1);
    out[m[1]!] = v;
  }
  return out;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, envFile = '.env'): StandinConfig {
  const file = existsSync(envFile) ? parseEnvFile(readFileSync(envFile, 'utf8')) : {};
  return {
    service: env.SERVICE ?? '',
    project: env.PROJECT ?? '',
    revision: Number(env.REVISION ?? 0),
    port: Number(env.PORT),
    ...(env.WG_ADDRESS ? { wgAddress: env.WG_ADDRESS } : {}),
    wgPort: Number(env.WG_PORT ?? env.PORT),
    ...(env.LAB_DB_URL ? { dbUrl: env.LAB_DB_URL } : {}),
    dbSchemas: (env.PGRST_DB_SCHEMAS ?? 'public').split(',').map((s) => s.trim()),
    verifyJwt: env.VERIFY_JWT !== 'false',
    ...(env.LAB_PG_META_APP ? { pgMetaApp: env.LAB_PG_META_APP } : {}),
    publicUrl: env.API_EXTERNAL_URL ?? 'http://localhost',
    jwtSecret: file.JWT_SECRET ?? '',
    pgMetaCryptoKey: file.PG_META_CRYPTO_KEY ?? '',
  };
}
