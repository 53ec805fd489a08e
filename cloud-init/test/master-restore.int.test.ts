/**
 * The master's backup and restore, for real: the master's scripts from its
 * user_data run by bash under a scratch root laid out like a master, real restic
 * on a local repository, a real throwaway Postgres holding the registry and Kong
 * databases, real wg, openssl and jq. Only docker (mapped onto that Postgres) and
 * systemctl are stand-ins. A master is backed up, wiped and rebuilt in restore
 * mode, and brought back by supafleet-master-restore.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { resolveFleet, type ResolvedFleet } from '../../core/spec/defaults.ts';
import { PG_BIN, postgresSkipReason, startPostgres, type TestPostgres } from '../../test/support/postgres.ts';
import { masterBackupPassword } from '../master/backup-password.ts';
import { MASTER_API_UID, MASTER_KEY_FILES } from '../master/keys.ts';
import { renderMasterUserData } from '../master/user-data.ts';
import { decodeUserData } from './decode.ts';
import { fleetSpec } from './fixtures/specs.ts';
import { missingTools } from './validators.ts';

const missing = missingTools(['bash', 'jq', 'openssl', 'restic', 'sha256sum', 'wg']);
const pgSkip = postgresSkipReason();
if (pgSkip) console.warn(`skipping master restore tests: ${pgSkip}`);

const fleet = resolveFleet(fleetSpec);
const MASTER = 'opt/supafleet-master';

// docker exec on the database container runs the command against the test's Postgres;
// compose calls are logged and tracked in a flag file, like systemctl's wg0.
const DOCKER = `#!/bin/bash
echo "docker $*" >>"$STUB_LOG"
case $1 in
  exec)
    shift
    [ "$1" != -i ] || shift
    [ "$1" = supafleet-master-db-1 ] || { echo "no such container: $1" >&2; exit 1; }
    shift
    export PGHOST=127.0.0.1 PGPORT=$TEST_PGPORT
    cmd=$1
    shift
    exec "$PG_BIN/$cmd" "$@" ;;
  run)
    case "$*" in
      *"crypto hash generate"*) printf '%s\n' 'Random Password: RandomAdminPasswordFromAuthelia1' 'Digest: $2b$12$abcdefghijklmnopqrstuv' ;;
      *hash-password*) echo '$2a$14$abcdefghijklmnopqrstuv' ;;
    esac ;;
  compose)
    case " $* " in
      *" ps "*) [ ! -e "$STUB_STATE/stack" ] || echo 3f2a1b0c9d8e ;;
      *" stop "*) rm -f "$STUB_STATE/stack" ;;
      *" up -d db "*) ;;
      *" up -d "*) touch "$STUB_STATE/stack" ;;
    esac ;;
esac
`;
const SYSTEMCTL = `#!/bin/bash
echo "systemctl $*" >>"$STUB_LOG"
case $1 in
  is-active) [ -e "$STUB_STATE/wg0" ] ;;
  enable) [ "$2" != --now ] || touch "$STUB_STATE/wg0" ;;
  stop) rm -f "$STUB_STATE/wg0" ;;
esac
`;

let db: TestPostgres | undefined;
beforeAll(async () => {
  if (missing.length > 0 || pgSkip) return;
  db = await startPostgres();
  await sql(
    'postgres',
    'CREATE ROLE supabase_admin SUPERUSER LOGIN',
    'CREATE ROLE kong LOGIN',
    'CREATE ROLE supafleet LOGIN',
  );
}, 120_000);
afterAll(async () => {
  await db?.stop();
});

async function sql(database: string, ...statements: string[]): Promise<pg.QueryResultRow[]> {
  return sqlAs('postgres', database, ...statements);
}

async function sqlAs(user: string, database: string, ...statements: string[]): Promise<pg.QueryResultRow[]> {
  const client = new pg.Client({ connectionString: `postgres://${user}@127.0.0.1:${db!.port}/${database}` });
  await client.connect();
  try {
    let rows: pg.QueryResultRow[] = [];
    for (const s of statements) rows = (await client.query(s)).rows;
    return rows;
  } finally {
    await client.end();
  }
}

/** The registry and Kong databases as init.sql makes them, with a few rows. */
async function seedDatabases(): Promise<void> {
  await dropDatabases();
  await sql('postgres', 'CREATE DATABASE supafleet OWNER supafleet', 'CREATE DATABASE kong OWNER kong');
  await sqlAs(
    'supafleet',
    'supafleet',
    'CREATE TABLE projects (name text PRIMARY KEY, revision int NOT NULL)',
    "INSERT INTO projects VALUES ('acme', 3), ('blog', 1), ('shop', 7)",
  );
  await sqlAs(
    'kong',
    'kong',
    'CREATE TABLE services (name text PRIMARY KEY, host text NOT NULL)',
    "INSERT INTO services VALUES ('acme-rest', '10.100.0.2')",
  );
}

async function dropDatabases(): Promise<void> {
  await sql(
    'postgres',
    'DROP DATABASE IF EXISTS supafleet WITH (FORCE)',
    'DROP DATABASE IF EXISTS kong WITH (FORCE)',
  );
}

let dir = '';
let root = '';
let sealKey = '';
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sf-master-restore-'));
  root = join(dir, 'root');
  mkdirSync(join(dir, 'bin'));
  mkdirSync(join(dir, 'state'));
  writeFileSync(join(dir, 'bin', 'docker'), DOCKER, { mode: 0o755 });
  writeFileSync(join(dir, 'bin', 'systemctl'), SYSTEMCTL, { mode: 0o755 });
  sealKey = randomBytes(32).toString('base64');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A fresh server: the files of the master's user_data under the scratch root. */
function layOut(restore: boolean, from: ResolvedFleet = fleet): void {
  rmSync(root, { recursive: true, force: true });
  for (const d of ['var/log', 'root', 'etc/cron.d']) mkdirSync(join(root, d), { recursive: true });
  for (const f of decodeUserData(renderMasterUserData({ fleet: from, restore }).text).files) {
    const path = join(root, f.path);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, f.content, { mode: Number.parseInt(f.permissions, 8) });
  }
  // The test's backup.json: a local repository, and the absolute paths inside the scratch root.
  const confPath = join(root, MASTER, 'backup', 'backup.json');
  const conf = JSON.parse(readFileSync(confPath, 'utf8'));
  conf.repository = join(dir, 'repo');
  conf.state_dir = join(root, MASTER);
  const inRoot = (p: string) => (p.startsWith('/') ? join(root, p) : p);
  conf.paths = conf.paths.map(inRoot);
  conf.rendered = conf.rendered.map(inRoot);
  writeFileSync(confPath, JSON.stringify(conf));
}

/** The files the rebuilt master's user_data renders under a backed-up path (backup.json "rendered"): path → content. */
function renderedForRestore(from: ResolvedFleet): Map<string, string> {
  const written = decodeUserData(renderMasterUserData({ fleet: from, restore: true }).text).files;
  const conf = JSON.parse(written.find((f) => f.path === `/${MASTER}/backup/backup.json`)!.content);
  const paths = new Set(
    (conf.rendered as string[]).map((p) => (p.startsWith('/') ? p.slice(1) : `${MASTER}/${p}`)),
  );
  return new Map(written.filter((f) => paths.has(f.path.slice(1))).map((f) => [f.path.slice(1), f.content]));
}

/** What the operator installs over SSH. */
function installKeys(key = sealKey): void {
  writeFileSync(join(root, 'etc/supafleet/fleet-seal.key'), `${key}\n`, { mode: 0o600 });
  writeFileSync(join(root, 'etc/supafleet/backup.key'), 'storage box key\n', { mode: 0o600 });
}

interface Run {
  readonly code: number | null;
  readonly out: string;
}
const outputs: string[] = [];

function run(script: string, args: string[] = [], opts: { keepAll?: boolean; failMv?: string } = {}): Run {
  const path = [join(dir, 'bin'), process.env.PATH!];
  if (opts.failMv) {
    // mv fails when it moves this staged file into place, as a full disk would make it.
    mkdirSync(join(dir, 'fail-mv'), { recursive: true });
    const real = spawnSync('bash', ['-c', 'command -v mv'], { encoding: 'utf8' }).stdout.trim();
    writeFileSync(
      join(dir, 'fail-mv', 'mv'),
      `#!/bin/bash\ncase "$1" in */restore/files/*/${opts.failMv}) echo "mv: no space left on device" >&2; exit 1 ;; esac\nexec ${real} "$@"\n`,
      { mode: 0o755 },
    );
    path.unshift(join(dir, 'fail-mv'));
  }
  if (opts.keepAll) {
    // Retention keeps one snapshot a day; to have two today, this run's restic skips forget.
    mkdirSync(join(dir, 'keep-all'), { recursive: true });
    const real = spawnSync('bash', ['-c', 'command -v restic'], { encoding: 'utf8' }).stdout.trim();
    writeFileSync(
      join(dir, 'keep-all', 'restic'),
      `#!/bin/bash\ncase " $* " in *" forget "*) exit 0 ;; esac\nexec ${real} "$@"\n`,
      { mode: 0o755 },
    );
    path.unshift(join(dir, 'keep-all'));
  }
  const r = spawnSync('bash', [join(root, 'usr/local/sbin', script), ...args], {
    encoding: 'utf8',
    timeout: 120_000,
    env: {
      PATH: path.join(':'),
      SUPAFLEET_ROOT: root,
      STUB_LOG: join(dir, 'stub.log'),
      STUB_STATE: join(dir, 'state'),
      TEST_PGPORT: String(db!.port),
      PG_BIN,
      HOME: dir,
    },
  });
  const out = `${r.stdout}${r.stderr}`;
  outputs.push(out);
  return { code: r.status, out };
}

const read = (p: string) => readFileSync(join(root, p), 'utf8');
const stubLog = () => (existsSync(join(dir, 'stub.log')) ? readFileSync(join(dir, 'stub.log'), 'utf8') : '');

/** Every file under the scratch root (outside the restore's work area): path → mode and bytes. */
function tree(under = root): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const rel = p.slice(root.length + 1);
      if (rel === `${MASTER}/restore` || rel === `${MASTER}/.restic-cache`) continue;
      const st = lstatSync(p);
      if (st.isDirectory()) walk(p);
      else out.set(rel, `${(st.mode & 0o777).toString(8)} ${readFileSync(p, 'base64')}`);
    }
  };
  walk(under);
  return out;
}

/** A running master (first boot done, a peer enrolled, keys installed) backed up once. */
async function backedUpMaster(): Promise<{ snapshot: string; files: Map<string, string> }> {
  layOut(false);
  expect(run('supafleet-master-up').code, read('var/log/supafleet-bootstrap.log')).toBe(0);
  writeFileSync(
    join(root, 'etc/wireguard/supafleet/peers.conf'),
    '[Peer]\nPublicKey = 4dJg1r6bB0zGm8rDk2qzJmT0m5sBf3t9d1y6kqzQh1k=\nAllowedIPs = 10.100.0.2/32\n',
  );
  installKeys();
  await seedDatabases();
  const backup = run('supafleet-master-backup');
  expect(backup.code, backup.out).toBe(0);
  const status = JSON.parse(read(`${MASTER}/backup-status.json`));
  expect(status).toMatchObject({ success: true, error: null });
  const conf = JSON.parse(read(`${MASTER}/backup/backup.json`));
  const files = new Map<string, string>();
  for (const p of conf.paths as string[]) {
    const abs = p.startsWith('/') ? p : join(root, MASTER, p);
    if (!existsSync(abs)) continue;
    if (lstatSync(abs).isDirectory()) for (const [k, v] of tree(abs)) files.set(k, v);
    else files.set(abs.slice(root.length + 1), tree(dirname(abs)).get(abs.slice(root.length + 1))!);
  }
  return { snapshot: status.snapshot_id as string, files };
}

function expectNoSecretIn(texts: string[]): void {
  const password = masterBackupPassword(fleet.name, sealKey).reveal();
  for (const t of [...texts, stubLog()]) {
    expect(t.includes(sealKey), 'the seal key in an output').toBe(false);
    expect(t.includes(password), 'the restic password in an output').toBe(false);
  }
}

describe.skipIf(missing.length > 0 || pgSkip !== undefined)(
  'master backup and restore with real restic and Postgres',
  () => {
    beforeEach(() => {
      outputs.length = 0;
    });

    it('when a wiped master is rebuilt in restore mode and restored, then its files, keys and databases are back and it boots with its old secrets', async () => {
      const { snapshot, files } = await backedUpMaster();
      const env = read(`${MASTER}/.env`);
      const wgKey = read('etc/wireguard/wg0.key');
      expect(files.has(`${MASTER}/.env`) && files.has('etc/wireguard/supafleet/peers.conf')).toBe(true);
      expect(files.has('root/supafleet-admin-password') && files.has(`${MASTER}/authelia/users.yml`)).toBe(
        true,
      );

      // The server is rebuilt: disk wiped, restore-mode user_data, databases gone.
      await dropDatabases();
      layOut(true);
      const pending = run('supafleet-master-up');
      expect(pending.code).toBe(0);
      expect(read('var/log/supafleet-bootstrap.log')).toContain('restore pending');
      expect(existsSync(join(root, MASTER, '.env'))).toBe(false);
      installKeys();
      rmSync(join(dir, 'stub.log'), { force: true });

      const restore = run('supafleet-master-restore');

      expect(restore.code, restore.out).toBe(0);
      expect(restore.out).toMatch(
        new RegExp(
          `supafleet-restore: snapshot ${snapshot.slice(0, 8)} taken \\S+ \\(latest of 1 tagged master\\)`,
        ),
      );
      for (const step of [
        'keys',
        'password',
        'snapshots',
        'restore to staging',
        'stop',
        'files',
        'database',
        'marker',
        'start',
      ])
        expect(restore.out).toMatch(new RegExp(`supafleet-restore: \\S+Z ${step}\\n`));
      expect(restore.out).toMatch(
        /supafleet-restore: loaded dump registry into database supafleet \(owner supafleet\)/,
      );
      expect(restore.out).toMatch(/supafleet-restore: \S+Z done: snapshot \w{8} taken \S+ is restored/);
      const now = tree();
      const rendered = renderedForRestore(fleet);
      expect(rendered.has('etc/supafleet/fleet.yaml') && rendered.has(`${MASTER}/docker-compose.yml`)).toBe(
        true,
      );
      for (const [path, content] of files) {
        // the files the rebuild rendered are the new render's (here the same fleet; master.json says restore)
        if (rendered.has(path)) continue;
        // the seal key comes back as the master API's alone (supafleet-master-up hands it over)
        const want = path === 'etc/supafleet/fleet-seal.key' ? content.replace(/^600 /, '400 ') : content;
        expect(now.get(path), path).toBe(want);
      }
      for (const [path, content] of rendered) expect(read(path), path).toBe(content);
      expect(lstatSync(join(root, 'etc/supafleet/fleet-seal.key')).uid).toBe(MASTER_API_UID);
      expect(read(`${MASTER}/.env`)).toBe(env);
      expect(read('etc/wireguard/wg0.key')).toBe(wgKey);
      const marker = JSON.parse(read('etc/supafleet/restored.json'));
      // restic before 0.17 reports the short snapshot id in the backup summary, later ones the full id.
      expect(marker.snapshot_id).toMatch(new RegExp(`^${snapshot}[0-9a-f]*$`));
      expect(marker.snapshot_id).toMatch(/^[0-9a-f]{64}$/);
      expect(marker.snapshot_time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/);
      expect(await sql('supafleet', 'SELECT name, revision FROM projects ORDER BY name')).toEqual([
        { name: 'acme', revision: 3 },
        { name: 'blog', revision: 1 },
        { name: 'shop', revision: 7 },
      ]);
      expect(await sql('kong', 'SELECT name, host FROM services')).toEqual([
        { name: 'acme-rest', host: '10.100.0.2' },
      ]);
      expect(
        await sql(
          'postgres',
          "SELECT pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname = 'supafleet'",
        ),
      ).toEqual([{ owner: 'supafleet' }]);
      // master-up ran after the databases were back, found .env and the keys, and started wg0 and the stack.
      const log = stubLog();
      expect(log.indexOf('up -d db')).toBeLessThan(log.indexOf('psql'));
      expect(log.lastIndexOf('psql')).toBeLessThan(log.indexOf('systemctl enable --now wg-quick@wg0'));
      expect(log).toMatch(/docker compose -p supafleet-master .* up -d\n$/);
      expect(read('var/log/supafleet-bootstrap.log')).toMatch(/supafleet-master: done\n$/);
      expect(existsSync(join(root, 'etc/cron.d/supafleet-master-backup'))).toBe(true);
      expect(readdirSync(join(root, MASTER, 'restore'))).toEqual([]);
      // The next nightly backup of the restored master writes to the same repository.
      expect(run('supafleet-master-backup').code).toBe(0);
      expectNoSecretIn([...outputs, read('var/log/supafleet-bootstrap.log')]);
    }, 180_000);

    it('when the fleet file changed since the backup, then the restored master runs the newly rendered fleet file and everything else the snapshot holds', async () => {
      const { files } = await backedUpMaster();
      const env = read(`${MASTER}/.env`);
      const oldFleetFile = read('etc/supafleet/fleet.yaml');
      // Since the backup, the fleet moved from the shared credential to per-project sub-accounts.
      const { shared_credential: _, ...box } = fleetSpec.storage_box;
      const changed = resolveFleet({ ...fleetSpec, storage_box: { ...box, id: 4242 } });

      await dropDatabases();
      layOut(true, changed);
      expect(run('supafleet-master-up').code).toBe(0);
      installKeys();
      const restore = run('supafleet-master-restore');

      expect(restore.code, restore.out).toBe(0);
      const fleetFile = read('etc/supafleet/fleet.yaml');
      expect(fleetFile).toBe(renderedForRestore(changed).get('etc/supafleet/fleet.yaml'));
      expect(fleetFile).not.toBe(oldFleetFile);
      expect(fleetFile).toMatch(/id: 4242/);
      expect(fleetFile).not.toMatch(/shared_credential: true/);
      expect(lstatSync(join(root, 'etc/supafleet/fleet.yaml')).uid).toBe(MASTER_API_UID);
      // what the new render does not provide comes from the snapshot
      expect(read(`${MASTER}/.env`)).toBe(env);
      const now = tree();
      for (const path of [
        'etc/wireguard/wg0.key',
        'etc/wireguard/supafleet/peers.conf',
        `${MASTER}/authelia/users.yml`,
      ])
        expect(now.get(path), path).toBe(files.get(path));
      expect(await sql('supafleet', 'SELECT count(*)::int AS n FROM projects')).toEqual([{ n: 3 }]);
      expectNoSecretIn(outputs);
    }, 180_000);

    it('when --snapshot names an older snapshot, then that one is restored, not the latest', async () => {
      const { snapshot: first } = await backedUpMaster();
      await sqlAs('supafleet', 'supafleet', "INSERT INTO projects VALUES ('late', 1)");
      expect(run('supafleet-master-backup', [], { keepAll: true }).code).toBe(0);

      const restore = run('supafleet-master-restore', ['--snapshot', first.slice(0, 8)]);

      expect(restore.code, restore.out).toBe(0);
      expect(restore.out).toContain(`snapshot ${first.slice(0, 8)} taken`);
      expect(restore.out).toContain('(chosen of 2 tagged master)');
      expect(await sql('supafleet', 'SELECT count(*)::int AS n FROM projects')).toEqual([{ n: 3 }]);
      expectNoSecretIn(outputs);
    }, 180_000);

    it('when the seal key is not the one the backup was made with, then restic refuses and nothing is changed', async () => {
      await backedUpMaster();
      const before = tree();
      const wrongKey = randomBytes(32).toString('base64');
      installKeys(wrongKey);
      const beforeWrong = tree();
      rmSync(join(dir, 'stub.log'), { force: true });

      const restore = run('supafleet-master-restore');

      expect(restore.code).toBe(1);
      expect(restore.out).toMatch(
        /supafleet-restore: snapshots failed: the password derived from \S+\/etc\/supafleet\/fleet-seal\.key does not open \S+\/repo \(restic exit (1|12)\); install the seal private key of this fleet\. Nothing was changed\./,
      );
      expect(tree()).toEqual(beforeWrong);
      expect(before.get(`${MASTER}/.env`)).toBe(beforeWrong.get(`${MASTER}/.env`));
      expect(stubLog()).toBe('');
      expect(restore.out.includes(wrongKey)).toBe(false);
      expect(restore.out.includes(masterBackupPassword(fleet.name, wrongKey).reveal())).toBe(false);
      expectNoSecretIn(outputs);
    }, 180_000);

    it('when a file cannot be put in place, then the files already replaced are moved back', async () => {
      await backedUpMaster();
      writeFileSync(join(root, MASTER, '.env'), 'CHANGED_SINCE_THE_BACKUP=1\n', { mode: 0o600 });
      const before = tree();

      const restore = run('supafleet-master-restore', [], { failMv: 'docker-compose.yml' });

      expect(restore.code).toBe(1);
      expect(restore.out).toContain(
        'supafleet-restore: files failed: the previous files are back in place.\n',
      );
      expect(restore.out).toMatch(/restored \S+\/opt\/supafleet-master\/authelia\n/);
      expect(tree()).toEqual(before);
      expect(stubLog()).not.toContain('psql');
      expectNoSecretIn(outputs);
    }, 180_000);

    it('when the repository has no master snapshot, then it says so and nothing is changed', async () => {
      layOut(true);
      installKeys();
      const passwordFile = join(dir, 'password');
      writeFileSync(passwordFile, masterBackupPassword(fleet.name, sealKey).reveal(), { mode: 0o600 });
      const init = spawnSync('restic', ['init', '--repo', join(dir, 'repo')], {
        encoding: 'utf8',
        timeout: 60_000,
        env: { ...process.env, RESTIC_PASSWORD_FILE: passwordFile, RESTIC_CACHE_DIR: join(dir, 'cache') },
      });
      expect(init.status, init.stderr).toBe(0);
      const before = tree();

      const restore = run('supafleet-master-restore');

      expect(restore.code).toBe(1);
      expect(restore.out).toMatch(
        /supafleet-restore: snapshots failed: \S+\/repo has no snapshot tagged master, nothing to restore\. Nothing was changed\./,
      );
      expect(tree()).toEqual(before);
      expect(stubLog()).toBe('');
      expectNoSecretIn(outputs);
    }, 120_000);

    it.each([
      ['fleet-seal.key', 'backup.key'],
      ['backup.key', 'fleet-seal.key'],
    ])(
      'when %s is not installed, then the restore names it and the command that installs it',
      (absent, present) => {
        layOut(true);
        writeFileSync(join(root, 'etc/supafleet', present), 'x\n', { mode: 0o600 });

        const restore = run('supafleet-master-restore');

        expect(restore.code).toBe(1);
        expect(restore.out).toContain(
          `supafleet-restore: keys failed: ${root}/etc/supafleet/${absent} is missing; install it: ssh <user>@<master> 'sudo ${MASTER_KEY_FILES.find((k) => k.file === absent)!.install} /dev/stdin /etc/supafleet/${absent}' <${absent}. Nothing was changed.`,
        );
      },
    );

    it('when given an unknown argument, then it prints its usage and changes nothing', () => {
      layOut(true);
      installKeys();
      const restore = run('supafleet-master-restore', ['--latest']);
      expect(restore.code).toBe(1);
      expect(restore.out).toContain('usage: supafleet-master-restore [--snapshot ID]');
    });
  },
);
