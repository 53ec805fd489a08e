/**
 * The worker's SQL init files, run by a real psql 15 against a throwaway Postgres the
 * way the supabase/postgres image runs them on first boot: the cluster starts in the
 * state the image has reached (fixtures/supabase-postgres-image.ts, every statement
 * cited), then every file of /docker-entrypoint-initdb.d runs in the image's order,
 * init-scripts/* as postgres, `ALTER USER supabase_admin WITH PASSWORD`, migrations/*
 * as supabase_admin, each with `psql -v ON_ERROR_STOP=1 --no-password --no-psqlrc`,
 * stopping at the first failure as migrate.sh does (`set -eu`; supabase/postgres
 * migrations/db/migrate.sh @7db7e1a9:2,42-51). Our files and their names in the image
 * come from the rendered compose file's db volumes, their environment from its db
 * service with the rendered .env. The master's init file runs on its own server.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PG_BIN, postgresSkipReason, startPostgres, type TestPostgres } from '../../test/support/postgres.ts';
import { resolveFleet, resolveProject } from '../../core/spec/defaults.ts';
import { placeholderOpened, placeholderSecrets } from '../placeholders.ts';
import { parseEnvFile } from '../shared/env-file.ts';
import { staticFile } from '../shared/static-file.ts';
import { renderWorkerBundle } from '../worker/bundle.ts';
import { fleetSpec, projectSpecs } from './fixtures/specs.ts';
import {
  BEFORE_INIT_SCRIPTS,
  IMAGE_FILES,
  NOT_REPRODUCED,
  type ImageInitFile,
} from './fixtures/supabase-postgres-image.ts';

const skip = postgresSkipReason();
if (skip) console.warn(`skipping SQL init tests: ${skip}`);

const MASTER_INIT = staticFile(import.meta.url, '../master/static/init.sql');

/**
 * Statements of our files that Debian's PostgreSQL 15 cannot run, each replaced by a
 * stand-in with the same effect on what the rest of the files touch. The test asserts
 * that each one was found and replaced, and prints the list.
 */
const EXTENSION_STAND_INS = [
  {
    statement: 'CREATE EXTENSION IF NOT EXISTS pg_net SCHEMA extensions;',
    why: 'pg_net is not packaged for Debian PostgreSQL 15',
    // net.http_get/http_post with pg_net's signatures, answering a request id, so the webhook trigger
    // runs; then what the image's event trigger issue_pg_net_access does on CREATE EXTENSION pg_net
    // (supabase/postgres@7db7e1a9 migrations/db/init-scripts/00000000000003-post-setup.sql:60-81).
    standIn: `CREATE SCHEMA IF NOT EXISTS net;
CREATE FUNCTION net.http_get(url text, params jsonb DEFAULT '{}', headers jsonb DEFAULT '{}', timeout_milliseconds integer DEFAULT 1000)
  RETURNS bigint LANGUAGE sql AS 'SELECT 1::bigint';
CREATE FUNCTION net.http_post(url text, body jsonb DEFAULT '{}', params jsonb DEFAULT '{}', headers jsonb DEFAULT '{}', timeout_milliseconds integer DEFAULT 1000)
  RETURNS bigint LANGUAGE sql AS 'SELECT 2::bigint';
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'supabase_functions_admin') THEN
    CREATE USER supabase_functions_admin NOINHERIT CREATEROLE LOGIN NOREPLICATION;
  END IF;
END $$;
GRANT USAGE ON SCHEMA net TO supabase_functions_admin, postgres, anon, authenticated, service_role;
REVOKE ALL ON FUNCTION net.http_get(text, jsonb, jsonb, integer), net.http_post(text, jsonb, jsonb, jsonb, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION net.http_get(text, jsonb, jsonb, integer), net.http_post(text, jsonb, jsonb, jsonb, integer)
  TO supabase_functions_admin, postgres, anon, authenticated, service_role;`,
  },
] as const;

/**
 * Statements that run only when pg_net is a real extension (guarded by a check on
 * pg_extension), so the stand-in does not reach them; listed so the gap is visible.
 */
const GUARDED_BY_PG_NET = [
  '98-webhooks.sql: the closing DO block (USAGE on schema net, SECURITY DEFINER and EXECUTE grants on net.http_get/http_post)',
  "the image's event trigger issue_pg_net_access (00000000000003-post-setup.sql:47-101) itself; the stand-in does what its body does",
];

interface InitFile {
  readonly dir: 'init-scripts' | 'migrations';
  readonly name: string;
  readonly sql: string;
  readonly origin: string;
}

interface Worker {
  readonly files: InitFile[];
  readonly dbEnv: Record<string, string>;
  readonly env: Record<string, string>;
  readonly functionsDbUrl: string;
}

function renderWorker(): Worker {
  const project = resolveProject(projectSpecs.typical!);
  const bundle = renderWorkerBundle({
    fleet: resolveFleet(fleetSpec),
    project,
    secrets: placeholderSecrets(),
    opened: placeholderOpened(project),
    revision: 1,
    wgAddress: '10.100.0.5',
  });
  const compose = parse(bundle.get('docker-compose.yml')!) as {
    services: Record<string, { volumes?: string[]; environment?: Record<string, string> }>;
  };
  const env = parseEnvFile(bundle.get('.env')!);
  const subst = (v: string): string =>
    v.replace(/\$\{([A-Z0-9_]+)\}/g, (_, name: string) => {
      const value = env[name];
      if (value === undefined) throw new Error(`compose refers to \${${name}}, which .env does not define`);
      return value;
    });
  const files: InitFile[] = [];
  for (const volume of compose.services.db!.volumes ?? []) {
    const m =
      /^\.\/(db\/init\/[^:]+):\/docker-entrypoint-initdb\.d\/(init-scripts|migrations)\/([^:/]+)(?::ro)?$/.exec(
        volume,
      );
    if (!m) continue;
    const sql = bundle.get(m[1]!);
    if (sql === undefined) throw new Error(`the db service mounts ${m[1]}, which the bundle does not hold`);
    files.push({ dir: m[2] as InitFile['dir'], name: m[3]!, sql, origin: `supafleet ${m[1]}` });
  }
  const dbEnv = Object.fromEntries(
    Object.entries(compose.services.db!.environment ?? {}).map(([k, v]) => [k, subst(String(v))]),
  );
  const functionsDbUrl = subst(compose.services.functions!.environment!.SUPABASE_DB_URL!);
  return { files, dbEnv, env, functionsDbUrl };
}

/** The shell glob's order under the image's LC_COLLATE=C.UTF-8: bytewise. */
function byteOrder(a: { name: string }, b: { name: string }): number {
  return Buffer.compare(Buffer.from(a.name), Buffer.from(b.name));
}

function imageFile(f: ImageInitFile): InitFile {
  return { dir: f.dir, name: f.name, sql: f.sql, origin: f.source };
}

/** Replaces the statements Debian's Postgres cannot run; returns the new text and what was replaced. */
function withStandIns(file: InitFile): { sql: string; replaced: string[] } {
  let sql = file.sql;
  const replaced: string[] = [];
  for (const s of EXTENSION_STAND_INS) {
    if (sql.includes(s.statement)) {
      sql = sql.replace(s.statement, () => s.standIn);
      replaced.push(`${file.name}: ${s.statement} (${s.why}; replaced by a stand-in)`);
    }
  }
  return { sql, replaced };
}

interface Step {
  readonly file: string;
  readonly user: string;
  readonly status: number | null;
  readonly output: string;
}

interface InitResult {
  readonly steps: Step[];
  readonly failed: Step | undefined;
  readonly replaced: string[];
}

let dir = '';

function psqlFile(
  server: TestPostgres,
  user: string,
  sql: string,
  env: Record<string, string>,
): { status: number | null; output: string } {
  const file = join(dir, `script-${Math.random().toString(36).slice(2)}.sql`);
  writeFileSync(file, sql);
  const r = spawnSync(
    join(PG_BIN, 'psql'),
    ['-v', 'ON_ERROR_STOP=1', '--no-password', '--no-psqlrc', '-q', '-U', user, '-f', file],
    {
      encoding: 'utf8',
      timeout: 30_000,
      // the db container's environment, pointed at the test server (migrate.sh:16-19 derives PG* the same way)
      env: {
        PATH: process.env.PATH,
        ...env,
        PGHOST: '127.0.0.1',
        PGPORT: String(server.port),
        PGDATABASE: 'postgres',
      },
    },
  );
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

/** Runs /docker-entrypoint-initdb.d as migrate.sh does, stopping at the first failure. */
function initialise(server: TestPostgres, ours: InitFile[], env: Record<string, string>): InitResult {
  const steps: Step[] = [];
  const replaced: string[] = [];
  const run = (file: InitFile, user: string): Step => {
    const standIn = withStandIns(file);
    replaced.push(...standIn.replaced);
    const r = psqlFile(server, user, standIn.sql, env);
    const step = { file: `${file.dir}/${file.name} (${file.origin})`, user, ...r };
    steps.push(step);
    return step;
  };
  const before = psqlFile(server, 'postgres', BEFORE_INIT_SCRIPTS, {});
  if (before.status !== 0) throw new Error(`the image fixture failed: ${before.output}`);
  const all = [...IMAGE_FILES.map(imageFile), ...ours];
  for (const file of all.filter((f) => f.dir === 'init-scripts').sort(byteOrder)) {
    const step = run(file, 'postgres');
    if (step.status !== 0) return { steps, failed: step, replaced };
  }
  // migrate.sh:46, with the password from the container's environment
  const alter = run(
    {
      dir: 'init-scripts',
      name: '(migrate.sh:46)',
      sql: `\\getenv pw POSTGRES_PASSWORD\nALTER USER supabase_admin WITH PASSWORD :'pw';\n`,
      origin: 'supabase/postgres migrate.sh:46',
    },
    'postgres',
  );
  if (alter.status !== 0) return { steps, failed: alter, replaced };
  for (const file of all.filter((f) => f.dir === 'migrations').sort(byteOrder)) {
    const step = run(file, 'supabase_admin');
    if (step.status !== 0) return { steps, failed: step, replaced };
  }
  return { steps, failed: undefined, replaced };
}

async function query<T>(url: string, text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text, values)).rows as T[];
  } finally {
    await client.end();
  }
}

/** A URL of the test server for `user` on the database postgres. */
function urlAs(server: TestPostgres, user: string): string {
  return `postgres://${user}@127.0.0.1:${server.port}/postgres`;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sf-sql-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(skip !== undefined)('worker SQL init files in the supabase/postgres image order', () => {
  const worker = renderWorker();
  let server: TestPostgres;
  let result: InitResult;

  beforeAll(async () => {
    server = await startPostgres();
    result = initialise(server, worker.files, worker.dbEnv);
    console.info(
      [
        'worker SQL init:',
        ...result.steps.map((s) => `  ${s.status === 0 ? 'ok  ' : 'FAIL'} ${s.file} as ${s.user}`),
        'statements Debian PostgreSQL 15 could not run (replaced by stand-ins):',
        ...result.replaced.map((r) => `  ${r}`),
        'statements that run only with a real pg_net (not reached here):',
        ...GUARDED_BY_PG_NET.map((r) => `  ${r}`),
        'image steps not reproduced by the fixture:',
        ...NOT_REPRODUCED.map((r) => `  ${r}`),
      ].join('\n'),
    );
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
  });

  it('when the image runs the init scripts and migrations in its order, then every file succeeds', () => {
    expect(result.failed, result.failed && `${result.failed.file}: ${result.failed.output}`).toBeUndefined();
    const ours = result.steps.filter((s) => s.file.includes('(supafleet ')).map((s) => s.file.split(' ')[0]);
    expect(ours).toEqual([
      'init-scripts/98-webhooks.sql',
      'init-scripts/99-jwt.sql',
      'init-scripts/99-roles.sql',
      'migrations/99-realtime.sql',
      'migrations/99-supafleet.sql',
    ]);
  });

  it('when initialised, then supafleet.smoke exists for supafleet smoke, usable by service_role only', async () => {
    const rows = await query<{ role: string; usage: boolean; ins: boolean }>(
      server.url,
      "select r as role, has_schema_privilege(r, 'supafleet', 'usage') as usage, has_table_privilege(r, 'supafleet.smoke', 'insert') as ins from unnest(array['anon','authenticated','service_role']) r order by r",
    );
    expect(rows).toEqual([
      { role: 'anon', usage: false, ins: false },
      { role: 'authenticated', usage: false, ins: false },
      { role: 'service_role', usage: true, ins: true },
    ]);
  });

  it('when an extension is missing on Debian PostgreSQL 15, then the statements that could not run are named, not skipped', () => {
    expect(result.replaced).toEqual([
      '98-webhooks.sql: CREATE EXTENSION IF NOT EXISTS pg_net SCHEMA extensions; (pg_net is not packaged for Debian PostgreSQL 15; replaced by a stand-in)',
    ]);
  });

  it('when initialised, then each service role has its own password from the environment and the JWT settings are set', async () => {
    const rows = await query<{ rolname: string; rolpassword: string | null }>(
      server.url,
      "select rolname, rolpassword from pg_authid where rolname in ('authenticator','supabase_auth_admin','supabase_storage_admin','supabase_functions_admin','pgbouncer','supabase_admin') order by rolname",
    );
    expect(rows.map((r) => r.rolname)).toEqual([
      'authenticator',
      'pgbouncer',
      'supabase_admin',
      'supabase_auth_admin',
      'supabase_functions_admin',
      'supabase_storage_admin',
    ]);
    expect(rows.every((r) => r.rolpassword?.startsWith('SCRAM-SHA-256$'))).toBe(true);
    expect(new Set(rows.map((r) => r.rolpassword)).size).toBe(6);
    const settings = await query<{ setconfig: string[] }>(
      server.url,
      "select setconfig from pg_db_role_setting s join pg_database d on d.oid = s.setdatabase where d.datname = 'postgres' and s.setrole = 0",
    );
    expect(settings[0]?.setconfig).toEqual(
      expect.arrayContaining([
        `app.settings.jwt_secret=${worker.env.JWT_SECRET}`,
        'app.settings.jwt_exp=3600',
      ]),
    );
    const schemas = await query<{ nspname: string; owner: string }>(
      server.url,
      "select nspname, pg_get_userbyid(nspowner) as owner from pg_namespace where nspname in ('_realtime','supabase_functions') order by 1",
    );
    expect(schemas).toEqual([
      { nspname: '_realtime', owner: 'supabase_admin' },
      { nspname: 'supabase_functions', owner: 'supabase_admin' },
    ]);
  });

  it('when a Database Webhook trigger fires, then the call is recorded in supabase_functions.hooks', async () => {
    await query(
      server.url,
      `create table public.orders (id int primary key);
       create trigger orders_webhook after insert on public.orders for each row
         execute function supabase_functions.http_request('http://127.0.0.1:9/hook', 'POST', '{"Content-Type":"application/json"}', '{}', '1000')`,
    );
    await query(server.url, 'insert into public.orders values (1)');
    const hooks = await query<{ hook_name: string; request_id: string }>(
      server.url,
      'select hook_name, request_id from supabase_functions.hooks',
    );
    expect(hooks).toEqual([{ hook_name: 'orders_webhook', request_id: '2' }]);
    const owner = await query<{ owner: string }>(
      server.url,
      "select pg_get_userbyid(relowner) as owner from pg_class where oid = 'supabase_functions.hooks'::regclass",
    );
    expect(owner).toEqual([{ owner: 'supabase_functions_admin' }]);
  });

  it("when an Edge Function connects with SUPABASE_DB_URL, then it is the demoted postgres role and can work in the app's schema", async () => {
    const u = new URL(worker.functionsDbUrl);
    expect(u.username).toBe('postgres');
    expect(u.password).toBe(worker.env.POSTGRES_PASSWORD);
    const url = urlAs(server, u.username);
    const [role] = await query<{ rolsuper: boolean }>(
      url,
      'select rolsuper from pg_roles where rolname = current_user',
    );
    expect(role).toEqual({ rolsuper: false });
    await query(url, 'create table public.fn_notes (id int primary key, body text)');
    await query(url, "insert into public.fn_notes values (1, 'hello')");
    expect(await query(url, 'select body from public.fn_notes')).toEqual([{ body: 'hello' }]);
    // and it manages the webhooks (GRANT supabase_functions_admin TO postgres)
    expect(await query(url, 'select count(*)::int as n from supabase_functions.hooks')).toHaveLength(1);
  });
});

describe.skipIf(skip !== undefined)('worker SQL init files: failures stop the init', () => {
  const worker = renderWorker();
  let server: TestPostgres;

  beforeAll(async () => {
    server = await startPostgres();
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
  });

  it('when a password variable is missing, then 99-roles.sql stops with an error instead of setting an empty password', () => {
    const env = { ...worker.dbEnv };
    delete env.AUTH_ADMIN_PASSWORD;
    const result = initialise(server, worker.files, env);
    expect(result.failed?.file).toMatch(/^init-scripts\/99-roles\.sql /);
    expect(result.failed?.output).toMatch(/auth_admin_password|syntax error/);
  });
});

describe.skipIf(skip !== undefined)('master SQL init file on a real Postgres', () => {
  let server: TestPostgres;
  beforeAll(async () => {
    server = await startPostgres();
    // the master's Postgres is the same image: supabase_admin is its bootstrap superuser
    const before = psqlFile(server, 'postgres', BEFORE_INIT_SCRIPTS, {});
    if (before.status !== 0) throw new Error(before.output);
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
  });

  it('when the master init file runs, then Kong and the registry get their own databases and roles, and _supabase its schemas', async () => {
    const url = await server.createDatabase('master_db');
    const file = join(dir, 'master-init.sql');
    writeFileSync(file, MASTER_INIT);
    const r = spawnSync(join(PG_BIN, 'psql'), ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', url, '-f', file], {
      encoding: 'utf8',
      timeout: 30_000,
      env: { PATH: process.env.PATH, KONG_DB_PASSWORD: 'pw-kong', REGISTRY_DB_PASSWORD: 'pw-registry' },
    });
    expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
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
