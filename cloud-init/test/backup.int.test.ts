/**
 * The backup script, run for real by bash with stand-ins for docker, restic and
 * curl on PATH: the status file is always valid JSON matching the heartbeat's
 * backup object, and a failure anywhere (forget included) is recorded and pinged.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import heartbeatSchema from '../../schemas/api/heartbeat.schema.json' with { type: 'json' };
import { staticFile } from '../shared/static-file.ts';
import { missingTools } from './validators.ts';

const BACKUP = staticFile(import.meta.url, '../shared/static/backup.sh');
const missing = missingTools(['bash', 'jq', 'flock']);

const backupSchema = { ...(heartbeatSchema.properties.backup as object), $defs: heartbeatSchema.$defs };
const validStatus = new Ajv2020({ strict: false }).compile(backupSchema);

// Stand-ins: each logs its arguments and fails when told to through the environment.
const STUBS: Record<string, string> = {
  // Like the real client, docker exec -i forwards (and so reads) all of its stdin.
  docker: `#!/bin/sh
echo "docker $*" >>"$STUB_LOG"
[ "$2" != -i ] || cat >/dev/null
[ -z "$FAIL_DUMP" ] || exit 1
echo "-- dump of $*"`,
  restic: `#!/bin/sh
echo "restic $*" >>"$STUB_LOG"
for a in "$@"; do
  case $a in
    cat) [ -z "$RESTIC_CAT_SAYS" ] || echo "$RESTIC_CAT_SAYS" >&2; exit "\${RESTIC_CAT_EXIT:-0}" ;;
    init) exit 0 ;;
    backup) [ -z "$FAIL_BACKUP" ] || exit 1
      echo '{"message_type":"status","percent_done":1}'
      echo '{"message_type":"summary","snapshot_id":"4f1a2b3c5d6e"}'
      exit 0 ;;
    forget) [ -z "$FAIL_FORGET" ] || exit 1; exit 0 ;;
  esac
done`,
  curl: `#!/bin/sh
echo "curl $*" >>"$STUB_LOG"`,
};

let dir = '';
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sf-backup-'));
  mkdirSync(join(dir, 'bin'));
  for (const [name, body] of Object.entries(STUBS)) {
    writeFileSync(join(dir, 'bin', name), `${body}\n`);
    chmodSync(join(dir, 'bin', name), 0o755);
  }
  const state = join(dir, 'state');
  mkdirSync(join(state, 'backup'), { recursive: true });
  mkdirSync(join(state, 'functions', 'hello'), { recursive: true });
  writeFileSync(join(state, 'functions', 'hello', 'index.ts'), 'export {}\n');
  writeFileSync(join(state, 'backup', 'backup.sh'), BACKUP, { mode: 0o700 });
  writeFileSync(join(state, 'backup', 'restic-password'), 'pw\n');
  writeFileSync(
    join(state, 'backup', 'backup.json'),
    JSON.stringify({
      dumps: [{ name: 'db', container: 'supafleet-db-1', command: ['pg_dumpall', '-U', 'supabase_admin'] }],
      healthcheck_url: 'https://hc.example.com/abc',
      keep: { daily: 7, weekly: 4, monthly: 6 },
      paths: ['functions', 'missing-is-skipped'],
      repository: 'sftp://u1@box.example.com:23/supafleet/acme',
      sftp_command: 'ssh -p 23 u1@box.example.com -s sftp',
      state_dir: state,
      tag: 'project=acme',
    }),
  );
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function editConfig(change: (conf: Record<string, unknown>) => void): void {
  const path = join(dir, 'state', 'backup', 'backup.json');
  const conf = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  change(conf);
  writeFileSync(path, JSON.stringify(conf));
}

function runBackup(env: Record<string, string> = {}) {
  const log = join(dir, 'stub.log');
  const r = spawnSync('bash', [join(dir, 'state', 'backup', 'backup.sh')], {
    encoding: 'utf8',
    timeout: 30_000,
    env: { PATH: `${join(dir, 'bin')}:${process.env.PATH}`, STUB_LOG: log, ...env },
  });
  const statusFile = join(dir, 'state', 'backup-status.json');
  return {
    code: r.status,
    status: existsSync(statusFile) ? JSON.parse(readFileSync(statusFile, 'utf8')) : undefined,
    log: existsSync(log) ? readFileSync(log, 'utf8') : '',
  };
}

describe.skipIf(missing.length > 0)('backup script', () => {
  it('when everything works, then the status records success, the snapshot and the dump size, and the ping is plain', () => {
    const r = runBackup();
    expect(r.code).toBe(0);
    expect(validStatus(r.status), JSON.stringify(validStatus.errors)).toBe(true);
    expect(r.status).toMatchObject({ success: true, snapshot_id: '4f1a2b3c5d6e', error: null });
    expect(r.status.size_bytes).toBeGreaterThan(0);
    expect(r.log).toContain('docker exec -i supafleet-db-1 pg_dumpall -U supabase_admin');
    expect(r.log).toContain(
      `restic -o sftp.command=ssh -p 23 u1@box.example.com -s sftp backup --json --tag supafleet --tag project=acme ${join(dir, 'state', 'backup-staging', 'db.sql.gz')} ${join(dir, 'state', 'functions')}\n`,
    );
    expect(r.log).toContain('forget --keep-daily 7 --keep-weekly 4 --keep-monthly 6 --prune');
    expect(r.log).toMatch(/curl .* https:\/\/hc\.example\.com\/abc\n/);
  });

  it('when forget fails, then the status still records the failure and the ping goes to /fail', () => {
    const r = runBackup({ FAIL_FORGET: '1' });
    expect(r.code).not.toBe(0);
    expect(validStatus(r.status)).toBe(true);
    expect(r.status).toMatchObject({
      success: false,
      error: 'restic forget failed',
      snapshot_id: '4f1a2b3c5d6e',
    });
    expect(r.log).toContain('https://hc.example.com/abc/fail');
  });

  it('when the dump fails, then nothing is sent to restic and the failure is recorded', () => {
    const r = runBackup({ FAIL_DUMP: '1' });
    expect(r.code).not.toBe(0);
    expect(r.status).toMatchObject({ success: false, error: 'database dump db failed', snapshot_id: null });
    expect(r.log).not.toContain(' backup --json');
  });

  it('when the repository does not exist yet, then it is initialised first', () => {
    const r = runBackup({ RESTIC_CAT_EXIT: '10' });
    expect(r.code).toBe(0);
    expect(r.log).toMatch(/restic .* init\n/);
  });

  it('when it is done, then the dump staging directory is gone', () => {
    expect(runBackup().code).toBe(0);
    expect(existsSync(join(dir, 'state', 'backup-staging'))).toBe(false);
  });

  it('when backup.json lists two dumps, then both are taken (docker exec -i does not eat the list)', () => {
    editConfig((c) => {
      c.dumps = [
        { name: 'registry', container: 'm-db-1', command: ['pg_dump', '-d', 'supafleet'] },
        { name: 'kong', container: 'm-db-1', command: ['pg_dump', '-d', 'kong'] },
      ];
    });
    const r = runBackup();
    expect(r.code).toBe(0);
    expect(r.log).toContain('docker exec -i m-db-1 pg_dump -d supafleet\n');
    expect(r.log).toContain('docker exec -i m-db-1 pg_dump -d kong\n');
    expect(r.log).toMatch(/backup-staging\/registry\.sql\.gz \S+backup-staging\/kong\.sql\.gz/);
  });

  it('when restic is older than 0.17 and says there is no repository yet, then it is initialised first', () => {
    const r = runBackup({
      RESTIC_CAT_EXIT: '1',
      RESTIC_CAT_SAYS: 'Is there a repository at the following location?',
    });
    expect(r.code).toBe(0);
    expect(r.log).toMatch(/restic .* init\n/);
  });

  it('when the repository is a local path, then restic gets no sftp option', () => {
    editConfig((c) => {
      c.repository = join(dir, 'repo');
    });
    const r = runBackup();
    expect(r.code).toBe(0);
    expect(r.log).toContain('restic backup --json');
    expect(r.log).not.toContain('sftp.command');
  });

  it('when backup.json says prune: false (a worker), then the snapshot is taken and no forget runs', () => {
    editConfig((c) => {
      c.prune = false;
    });
    const r = runBackup();
    expect(r.code).toBe(0);
    expect(r.status).toMatchObject({ success: true, snapshot_id: '4f1a2b3c5d6e' });
    expect(r.log).toContain(' backup --json');
    expect(r.log).not.toContain('forget');
    expect(r.log).not.toContain('--prune');
  });

  it("when backup.json names a target file, then {target} becomes the sub-account's user@host in the repository and the ssh command", () => {
    writeFileSync(join(dir, 'backup-target'), 'u123456-sub3@u123456.your-storagebox.de\n');
    editConfig((c) => {
      c.target_file = join(dir, 'backup-target');
      c.repository = 'sftp:{target}:.';
      c.sftp_command = 'ssh -p 23 -i /etc/supafleet/backup.key {target} -s sftp';
    });
    const r = runBackup();
    expect(r.code).toBe(0);
    expect(r.log).toContain(
      'restic -o sftp.command=ssh -p 23 -i /etc/supafleet/backup.key u123456-sub3@u123456.your-storagebox.de -s sftp cat config',
    );
  });

  it.each([
    ['missing', undefined],
    ['not user@host', 'u1; rm -rf /\n'],
  ])('when the target file is %s, then nothing reaches restic and the status says so', (_, content) => {
    if (content !== undefined) writeFileSync(join(dir, 'backup-target'), content);
    editConfig((c) => {
      c.target_file = join(dir, 'backup-target');
      c.repository = 'sftp:{target}:.';
    });
    const r = runBackup();
    expect(r.code).not.toBe(0);
    expect(r.status).toMatchObject({ success: false, snapshot_id: null });
    expect(r.status.error).toMatch(/^backup target .* is missing or not user@host$/);
    expect(validStatus(r.status)).toBe(true);
    expect(r.log).not.toContain('restic');
  });

  it('when the repository cannot be reached, then the status says so', () => {
    const r = runBackup({ RESTIC_CAT_EXIT: '1' });
    expect(r.status).toMatchObject({ success: false, error: 'restic repository not reachable (exit 1)' });
    expect(validStatus(r.status)).toBe(true);
  });
});
