/**
 * The SQL init files, run by a real psql 15 against a throwaway Postgres: every
 * service role gets its own password from the environment (\getenv), the JWT
 * settings land on the database, and the master gets Kong's and the registry's
 * databases with their own roles. No password is in the files themselves.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PG_BIN, postgresSkipReason, startPostgres, type TestPostgres } from '../../test/support/postgres.ts';
import { staticFile } from '../shared/static-file.ts';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';

const skip = postgresSkipReason();
if (skip) console.warn(`skipping SQL init tests: ${skip}`);

const WORKER = ['roles.sql', 'jwt.sql', 'realtime.sql'].map(
  (f) => [f, staticFile(import.meta.url, `../worker/static/${f}`)] as const,
);
const MASTER_INIT = staticFile(import.meta.url, '../master/static/init.sql');

/** The roles the supabase/postgres image creates before the init scripts run. */
const IMAGE_ROLES = `
CREATE ROLE supabase_admin LOGIN SUPERUSER;
CREATE ROLE authenticator LOGIN NOINHERIT;
CREATE ROLE supabase_auth_admin LOGIN NOINHERIT;
CREATE ROLE supabase_storage_admin LOGIN NOINHERIT;
CREATE ROLE supabase_functions_admin LOGIN NOINHERIT;
CREATE ROLE pgbouncer LOGIN;
`;

let server: TestPostgres;
let dir = '';

function psql(
  url: string,
  sql: string,
  env: Record<string, string>,
): { status: number | null; output: string } {
  const file = join(dir, `script-${Math.random().toString(36).slice(2)}.sql`);
  writeFileSync(file, sql);
  const r = spawnSync(join(PG_BIN, 'psql'), ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', url, '-f', file], {
    encoding: 'utf8',
    timeout: 30_000,
    env: { PATH: process.env.PATH, ...env },
  });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

async function query<T>(url: string, text: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text)).rows as T[];
  } finally {
    await client.end();
  }
}

describe.skipIf(skip !== undefined)('SQL init files on a real Postgres', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sf-sql-'));
    server = await startPostgres();
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('when the worker init files run, then each service role has its own password and the JWT settings are set', async () => {
    const url = await server.createDatabase('worker_db');
    expect(psql(url, IMAGE_ROLES, {}).status).toBe(0);
    const env = {
      AUTHENTICATOR_PASSWORD: 'pw-authenticator',
      AUTH_ADMIN_PASSWORD: "pw-auth-with-'quote",
      STORAGE_ADMIN_PASSWORD: 'pw-storage',
      FUNCTIONS_ADMIN_PASSWORD: 'pw-functions',
      PGBOUNCER_PASSWORD: 'pw-pgbouncer',
      JWT_SECRET: 'jwt-secret-value',
      JWT_EXP: '3600',
    };
    for (const [name, sql] of WORKER) {
      // jwt.sql names the database "postgres", as in the image; aim it at this test's database.
      const text = sql.replaceAll('ALTER DATABASE postgres', 'ALTER DATABASE worker_db');
      const r = psql(url, text, env);
      expect(r.status, `${name}: ${r.output}`).toBe(0);
    }
    const rows = await query<{ rolname: string; rolpassword: string | null }>(
      url,
      "select rolname, rolpassword from pg_authid where rolname in ('authenticator','supabase_auth_admin','supabase_storage_admin','supabase_functions_admin','pgbouncer') order by rolname",
    );
    expect(rows).toHaveLength(5);
    expect(rows.every((r) => r.rolpassword?.startsWith('SCRAM-SHA-256$'))).toBe(true);
    expect(new Set(rows.map((r) => r.rolpassword)).size).toBe(5);
    const settings = await query<{ setconfig: string[] }>(
      url,
      "select setconfig from pg_db_role_setting s join pg_database d on d.oid = s.setdatabase where d.datname = 'worker_db'",
    );
    expect(settings[0]?.setconfig).toEqual(
      expect.arrayContaining(['app.settings.jwt_secret=jwt-secret-value', 'app.settings.jwt_exp=3600']),
    );
    const schemas = await query<{ nspname: string }>(
      url,
      "select nspname from pg_namespace where nspname = '_realtime'",
    );
    expect(schemas).toHaveLength(1);
  });

  it('when a password variable is missing, then the init file stops with an error instead of setting an empty password', async () => {
    const url = await server.createDatabase('worker_missing');
    psql(url, IMAGE_ROLES, {}); // roles are cluster-wide: they may exist already
    const r = psql(url, WORKER[0]![1], { AUTHENTICATOR_PASSWORD: 'x' });
    expect(r.status).not.toBe(0);
    expect(r.output).toMatch(/auth_admin_password|syntax error/);
  });

  it('when the master init file runs, then Kong and the registry get their own databases and roles, and _supabase its schemas', async () => {
    const url = await server.createDatabase('master_db');
    const r = psql(url, MASTER_INIT, { KONG_DB_PASSWORD: 'pw-kong', REGISTRY_DB_PASSWORD: 'pw-registry' });
    expect(r.status, r.output).toBe(0);
    const dbs = await query<{ datname: string; owner: string }>(
      url,
      "select datname, pg_get_userbyid(datdba) as owner from pg_database where datname in ('kong','supafleet','_supabase') order by datname",
    );
    expect(dbs).toEqual([
      { datname: '_supabase', owner: 'supabase_admin' },
      { datname: 'kong', owner: 'kong' },
      { datname: 'supafleet', owner: 'supafleet' },
    ]);
    const supabaseUrl = url.replace(/\/master_db$/, '/_supabase');
    const schemas = await query<{ nspname: string }>(
      supabaseUrl,
      "select nspname from pg_namespace where nspname in ('_analytics','_supavisor') order by 1",
    );
    expect(schemas.map((s) => s.nspname)).toEqual(['_analytics', '_supavisor']);
  });
});
