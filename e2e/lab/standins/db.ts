/**
 * The worker's database: a database of its own on the lab's Postgres (one cluster
 * serves every lab worker; roles are cluster-wide, as they would be per worker).
 * The `db` stand-in creates it on start with the API roles the supabase/postgres
 * image's first init script creates (supabase/postgres@aec738186bbc
 * migrations/db/init-scripts/00000000000000-initial-schema.sql:25-32: anon,
 * authenticated, service_role with BYPASSRLS, authenticator granted all three, and
 * `grant usage on schema public` to them, :35). Left out: supabase_admin and its grant
 * to authenticator (:8-9,33), the extensions schema (:19-22,41), the default privileges
 * (:36-38,47-52) and the API roles' statement timeouts (:55-56).
 */
import pg from 'pg';

const ROLES = [
  'create role anon nologin noinherit',
  'create role authenticated nologin noinherit',
  'create role service_role nologin noinherit bypassrls',
  'create role authenticator login noinherit',
];

/** Creates the worker's database and the API roles when missing (concurrent workers may race: duplicates are fine). */
export async function ensureWorkerDatabase(url: string): Promise<void> {
  const u = new URL(url);
  const name = decodeURIComponent(u.pathname.slice(1));
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const c = new pg.Client({ connectionString: admin.toString() });
  await c.connect();
  try {
    for (const sql of ROLES) await c.query(sql).catch(ignoreDuplicate);
    await c.query('grant anon, authenticated, service_role to authenticator').catch(ignoreDuplicate);
    const exists = await c.query('select 1 from pg_database where datname = $1', [name]);
    if (exists.rowCount === 0) {
      await c.query(`create database ${quoteIdent(name)}`).catch(ignoreDuplicate);
    }
  } finally {
    await c.end();
  }
  const w = new pg.Client({ connectionString: url });
  await w.connect();
  try {
    // as the image's initial schema (00000000000000-initial-schema.sql:35): the API roles may use public
    await w.query('grant usage on schema public to anon, authenticated, service_role');
  } finally {
    await w.end();
  }
}

function ignoreDuplicate(err: { code?: string }): void {
  // 42710 duplicate_object (role), 42P04 duplicate_database, 23505 a concurrent create
  if (err.code === '42710' || err.code === '42P04' || err.code === '23505') return;
  throw err as Error;
}

export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export function createPool(url: string, max = 4): pg.Pool {
  return new pg.Pool({ connectionString: url, max, idleTimeoutMillis: 5000 });
}
