import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, renameSync, rmSync, chownSync, mkdirSync, cpSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A throwaway real PostgreSQL for tests and benchmarks. `initdb` runs once into a
 * template directory under the temp dir; each suite copies it (fast), starts its
 * own server on a free loopback port with fsync off, and removes everything in
 * teardown. As root the server runs as the `postgres` user (initdb refuses root).
 */
export const PG_BIN = process.env.SUPAFLEET_PG_BIN ?? '/usr/lib/postgresql/15/bin';
const TEMPLATE = join(tmpdir(), 'supafleet-pg-template-15');

export interface TestPostgres {
  /** Connection URL of the `postgres` database (superuser, trust auth on loopback). */
  readonly url: string;
  readonly port: number;
  /** A new empty database on this server; returns its URL. */
  createDatabase(name: string): Promise<string>;
  stop(): Promise<void>;
}

/** Why Postgres tests cannot run here, or undefined when they can. In CI a missing binary is not a reason. */
export function postgresSkipReason(): string | undefined {
  if (process.env.CI === 'true') return undefined;
  for (const bin of ['initdb', 'pg_ctl', 'postgres']) {
    if (!existsSync(join(PG_BIN, bin))) {
      return `PostgreSQL binaries not found in ${PG_BIN} (install the Debian package postgresql or set SUPAFLEET_PG_BIN)`;
    }
  }
  if (isRoot() && spawnSync('id', ['-u', 'postgres']).status !== 0) {
    return 'running as root but there is no postgres user to run the server as';
  }
  return undefined;
}

function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

function asPostgres(cmd: string, args: string[]): void {
  const file = join(PG_BIN, cmd);
  const [bin, argv] = isRoot() ? ['runuser', ['-u', 'postgres', '--', file, ...args]] : [file, args];
  const r = spawnSync(bin, argv, { encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) {
    throw new Error(
      `${cmd} failed (exit ${r.status}): ${(r.stderr || r.stdout || '').trim().slice(0, 2000)}`,
    );
  }
}

function giveToPostgres(dir: string): void {
  if (!isRoot()) return;
  execFileSync('chown', ['-R', 'postgres:postgres', dir]);
}

/** initdb once; concurrent suites race safely by building in a private dir and renaming it into place. */
function ensureTemplate(): string {
  const data = join(TEMPLATE, 'data');
  if (existsSync(join(data, 'PG_VERSION'))) return data;
  const work = mkdtempSync(join(tmpdir(), 'supafleet-pg-init-'));
  if (isRoot()) chownSync(work, 0, 0);
  giveToPostgres(work);
  asPostgres('initdb', [
    '-D',
    join(work, 'data'),
    '-U',
    'postgres',
    '--auth=trust',
    '-E',
    'UTF8',
    '--no-sync',
  ]);
  try {
    mkdirSync(TEMPLATE, { recursive: true });
    renameSync(join(work, 'data'), data);
  } catch {
    // another suite won the race: its template is as good as ours
  }
  rmSync(work, { recursive: true, force: true });
  return data;
}

/** A free TCP port on 127.0.0.1. */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, host, () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** Starts a private Postgres server. Call postgresSkipReason() first. */
export async function startPostgres(): Promise<TestPostgres> {
  const template = ensureTemplate();
  const dir = mkdtempSync(join(tmpdir(), 'supafleet-pg-'));
  const data = join(dir, 'data');
  cpSync(template, data, { recursive: true });
  giveToPostgres(dir);
  const port = await freePort();
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`;
  asPostgres('pg_ctl', ['-D', data, '-l', join(dir, 'log'), '-w', '-t', '30', '-o', options, 'start']);
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  let stopped = false;
  return {
    url,
    port,
    async createDatabase(name: string): Promise<string> {
      if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`bad database name "${name}"`);
      const { default: pg } = await import('pg');
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`create database ${name}`);
      } finally {
        await client.end();
      }
      return `postgres://postgres@127.0.0.1:${port}/${name}`;
    },
    async stop(): Promise<void> {
      if (stopped) return;
      stopped = true;
      try {
        asPostgres('pg_ctl', ['-D', data, '-m', 'immediate', '-w', '-t', '30', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
