import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redactor } from '../redactor.ts';
import { pgPing } from './pg-ping.ts';
import { runProbes, type PostgresProbe } from './probes.ts';

const BIN = '/usr/lib/postgresql/15/bin';
const missing = !existsSync(`${BIN}/initdb`)
  ? `PostgreSQL 15 binaries not found in ${BIN} (apt-get install postgresql)`
  : process.getuid?.() !== 0
    ? 'needs root to run initdb as the postgres user'
    : undefined;
if (missing && process.env['CI'] === 'true') throw new Error(`pg probe test cannot run in CI: ${missing}`);
if (missing) console.log(`skipping the real Postgres probe test: ${missing}`);

const password = randomBytes(16).toString('hex');
let dir = '';
let port = 0;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

const asPostgres = (args: string[]): void => {
  execFileSync('runuser', ['-u', 'postgres', '--', ...args], { stdio: 'ignore', timeout: 30_000 });
};

describe.skipIf(missing !== undefined)('Postgres probe against a real server', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sf-pg-'));
    chmodSync(dir, 0o755);
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, gid);
    const pw = join(dir, 'pw');
    writeFileSync(pw, password);
    chownSync(pw, uid, gid);
    port = await freePort();
    asPostgres([
      `${BIN}/initdb`,
      '-D',
      join(dir, 'data'),
      '-U',
      'postgres',
      '--auth=scram-sha-256',
      `--pwfile=${pw}`,
      '--no-sync',
    ]);
    asPostgres([
      `${BIN}/pg_ctl`,
      '-D',
      join(dir, 'data'),
      '-l',
      join(dir, 'log'),
      '-w',
      '-t',
      '20',
      '-o',
      `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`,
      'start',
    ]);
  }, 60_000);

  afterAll(() => {
    if (!dir) return;
    try {
      asPostgres([`${BIN}/pg_ctl`, '-D', join(dir, 'data'), '-m', 'immediate', '-w', 'stop']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  const probe = (): PostgresProbe => ({
    service: 'db',
    type: 'postgres',
    host: '127.0.0.1',
    port,
    user: 'postgres',
    database: 'postgres',
    password_env: 'POSTGRES_PASSWORD',
  });
  const deps = (pw: string) => {
    const redactor = new Redactor();
    redactor.add(password, pw);
    return {
      http: async () => ({ status: 200, body: '' }),
      pg: pgPing,
      env: new Map([['POSTGRES_PASSWORD', pw]]),
      redactor,
      now: () => 0,
      timeoutMs: 3_000,
    };
  };

  it('when the password from .env is right, then SELECT 1 succeeds', async () => {
    expect(await runProbes([probe()], deps(password))).toEqual([{ service: 'db', ok: true, latencyMs: 0 }]);
  });

  it('when the password is wrong, then the probe fails and its detail names no password', async () => {
    const wrong = randomBytes(16).toString('hex');
    const [r] = await runProbes([probe()], deps(wrong));
    expect(r?.ok).toBe(false);
    expect(r?.detail).toMatch(/^probe SELECT 1 on 127\.0\.0\.1:\d+ failed: password authentication failed/);
    expect(r?.detail).not.toContain(wrong);
    expect(r?.detail).not.toContain(password);
  });

  it('when nothing listens, then the probe fails within its timeout', async () => {
    const [r] = await runProbes([{ ...probe(), port: await freePort() }], deps(password));
    expect(r?.ok).toBe(false);
    expect(r?.detail).toMatch(/ECONNREFUSED/);
  });
});
