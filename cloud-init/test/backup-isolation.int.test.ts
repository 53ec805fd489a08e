/**
 * Backup isolation, attacked for real: a Storage Box built from a real sshd (test/support/ssh-box.ts:
 * a main account that sees the whole box, sub-accounts chrooted to their own directory, as Hetzner
 * documents them), real restic over SFTP with the ssh command the worker bundle renders, and
 * project acme's own key. Root on acme's worker holds that key: it must not list, read or
 * delete shop's repository or the master's, by path, by `..`, by symlink or by logging in as
 * another account.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSshBox, type SshBox } from '../../test/support/ssh-box.ts';
import { rootToolsSkipReason } from '../../test/support/tools.ts';
import { resolveFleet, resolveProject } from '../../core/spec/defaults.ts';
import { placeholderOpened, placeholderSecrets } from '../placeholders.ts';
import { renderWorkerBundle } from '../worker/bundle.ts';
import { fleetSpec, projectSpecs } from './fixtures/specs.ts';

const skip = rootToolsSkipReason(
  'the Storage Box lab needs root (namespaces, chroot)',
  ['sshd', 'ssh', 'sftp', 'ssh-keygen', 'restic', 'unshare', 'nsenter', 'setpriv', 'openssl'],
  'the backup isolation test',
);

const MAIN = 'u1';
const ACME = 'u1-sub1';
const SHOP = 'u1-sub2';
const PASSWORD = 'restic-password-of-this-test';

let dir = '';
let box: SshBox;
const keys: Record<string, string> = {};

/** A fresh ed25519 key for `name`; its public half. */
function keygen(name: string): string {
  const path = join(dir, `${name}.key`);
  const r = spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', path], {
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`ssh-keygen: ${r.stderr}`);
  keys[name] = path;
  return readFileSync(`${path}.pub`, 'utf8').trim();
}

/**
 * The worker's sftp command as the bundle renders it (backup/backup.json), with this test's key
 * and known-hosts file in place of the worker's, and `login` as {target}.
 */
function sftpCommand(key: string, login: string): string {
  const rendered = (JSON.parse(renderedBackupJson()) as { sftp_command: string }).sftp_command;
  return rendered
    .replace('-i /etc/supafleet/backup.key', `-i ${key}`)
    .replace(/UserKnownHostsFile=\S+/, `UserKnownHostsFile=${join(dir, 'known_hosts')}`)
    .replace('{target}', login);
}

/** restic as `login` with `key`, on `repository` (a path on that account's SFTP view). */
function restic(key: string, login: string, repository: string, args: readonly string[]) {
  return box.run(
    'restic',
    [
      '-r',
      `sftp:${login}:${repository}`,
      '-o',
      `sftp.command=${sftpCommand(key, login)}`,
      '--no-cache',
      ...args,
    ],
    { env: { RESTIC_PASSWORD: PASSWORD, HOME: dir } },
  );
}

/** sftp batch commands as `login` with `key`; `-` before a command keeps going when it fails. */
function sftp(key: string, login: string, commands: readonly string[]) {
  return box.run(
    'sftp',
    [
      '-b',
      '-',
      '-P',
      '23',
      '-i',
      key,
      '-o',
      'BatchMode=yes',
      '-o',
      'IdentitiesOnly=yes',
      '-o',
      'StrictHostKeyChecking=accept-new',
      '-o',
      `UserKnownHostsFile=${join(dir, 'known_hosts')}`,
      login,
    ],
    { input: commands.join('\n') + '\n', env: { HOME: dir } },
  );
}

/** Every file under `path` with its content's hash: what an attack must leave unchanged. */
function tree(path: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out[relative(path, p)] = createHash('sha256').update(readFileSync(p)).digest('hex');
    }
  };
  walk(path);
  return out;
}

describe.skipIf(skip !== undefined)('backups on a Storage Box with a sub-account per project', () => {
  let shopBefore: Record<string, string> = {};
  let masterBefore: Record<string, string> = {};

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sf-backup-isolation-'));
    chmodSync(dir, 0o755);
    const mainKey = keygen('main');
    const acmeKey = keygen('acme');
    const shopKey = keygen('shop');
    box = await startSshBox(join(dir, 'lab'), [
      { user: MAIN, home: '', authorizedKeys: [mainKey] },
      { user: ACME, home: 'supafleet/acme', authorizedKeys: [acmeKey] },
      { user: SHOP, home: 'supafleet/shop', authorizedKeys: [shopKey] },
    ]);
    writeFileSync(join(dir, 'data.txt'), 'the data of a project\n');
    // The master backs up with the main account; shop with its own sub-account.
    for (const [key, login, repo] of [
      [keys.main!, `${MAIN}@127.0.0.1`, 'supafleet/_master'],
      [keys.shop!, `${SHOP}@127.0.0.1`, '.'],
      [keys.acme!, `${ACME}@127.0.0.1`, '.'],
    ] as const) {
      for (const args of [['init'], ['backup', join(dir, 'data.txt')]]) {
        const r = restic(key, login, repo, args);
        expect(r.status, `${login} restic ${args[0]}: ${r.stderr}\nsshd: ${box.logs()}`).toBe(0);
      }
    }
    shopBefore = tree(join(box.root, 'supafleet', 'shop'));
    masterBefore = tree(join(box.root, 'supafleet', '_master'));
  }, 120_000);

  afterAll(async () => {
    await box?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("when acme backs up with the worker's sftp command, then its repository is its sub-account's own directory", () => {
    expect(readdirSync(join(box.root, 'supafleet', 'acme')).sort()).toEqual(
      expect.arrayContaining(['config', 'data', 'index', 'keys', 'snapshots']),
    );
    expect(statSync(join(box.root, 'supafleet', 'acme', 'config')).uid).toBe(box.uidOf(ACME));
    const snapshots = restic(keys.acme!, `${ACME}@127.0.0.1`, '.', ['snapshots', '--json']);
    expect(snapshots.status, snapshots.stderr).toBe(0);
    expect(JSON.parse(snapshots.stdout)).toHaveLength(1);
  });

  it("when acme's key opens shop's or the master's repository by path or through .., then restic finds none", () => {
    for (const repo of ['../shop', '/supafleet/shop', '../_master', '/supafleet/_master', '..', '/']) {
      const r = restic(keys.acme!, `${ACME}@127.0.0.1`, repo, ['snapshots']);
      expect(r.status, `restic on ${repo}`).not.toBe(0);
      expect(r.stdout).not.toMatch(/[0-9a-f]{8}\s+\d{4}-/);
    }
  });

  it('when acme lists what it can see over SFTP, then it sees its own directory and nothing of the box beyond it', () => {
    const r = sftp(keys.acme!, `${ACME}@127.0.0.1`, ['ls -1a /', 'ls -1a ..', 'ls -1a /home', 'pwd']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('Remote working directory: /home');
    expect(r.stdout).not.toMatch(/shop|_master|supafleet/);
  });

  it("when acme tries to read or delete shop's and the master's files, by path, by .. or by a symlink, then every attempt fails", () => {
    const targets = ['supafleet/shop/config', 'supafleet/_master/config'];
    const commands = targets.flatMap((t) => [
      `-get /${t} ${join(dir, 'stolen')}`,
      `-get ../${t.split('/').slice(1).join('/')} ${join(dir, 'stolen')}`,
      `-rm /${t}`,
      `-rm ../${t.split('/').slice(1).join('/')}`,
      `-rename ../${t.split('/').slice(1).join('/')} mine`,
    ]);
    // A symlink to the host's path of shop's directory resolves inside the chroot, to nothing.
    const hostPath = join(box.root, 'supafleet', 'shop');
    const r = sftp(keys.acme!, `${ACME}@127.0.0.1`, [
      ...commands,
      `-symlink ${hostPath} link-to-shop`,
      '-ls -1 link-to-shop',
      '-get link-to-shop/config ' + join(dir, 'stolen'),
      '-rm link-to-shop/config',
    ]);
    expect(r.status).toBe(0);
    expect(() => statSync(join(dir, 'stolen'))).toThrow();
    expect(tree(join(box.root, 'supafleet', 'shop'))).toEqual(shopBefore);
    expect(tree(join(box.root, 'supafleet', '_master'))).toEqual(masterBefore);
  });

  it("when acme's key logs in as shop's sub-account or the main account, then the box refuses it", () => {
    for (const login of [`${SHOP}@127.0.0.1`, `${MAIN}@127.0.0.1`]) {
      const r = sftp(keys.acme!, login, ['ls']);
      expect(r.status, login).not.toBe(0);
      expect(r.stderr).toMatch(/Permission denied/);
    }
  });

  it("when the attacks are over, then shop's and the master's repositories still open and check clean", () => {
    for (const [key, login, repo] of [
      [keys.shop!, `${SHOP}@127.0.0.1`, '.'],
      [keys.main!, `${MAIN}@127.0.0.1`, 'supafleet/_master'],
    ] as const) {
      const r = restic(key, login, repo, ['check']);
      expect(r.status, `${login}: ${r.stderr}`).toBe(0);
    }
  });
});

/** backup/backup.json of a worker whose fleet gives each project a sub-account. */
function renderedBackupJson(): string {
  const fleet = resolveFleet({
    ...fleetSpec,
    storage_box: { host: 'u1.your-storagebox.de', user: MAIN, id: 4711 },
  });
  const project = resolveProject(projectSpecs.typical!);
  const bundle = renderWorkerBundle({
    fleet,
    project,
    secrets: placeholderSecrets(),
    opened: placeholderOpened(project),
    revision: 1,
    wgAddress: '10.100.0.5',
  });
  return bundle.get('backup/backup.json')!;
}
