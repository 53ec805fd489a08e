/**
 * A worker's backup end to end against a real SFTP Storage Box (test/support/ssh-box.ts): first
 * boot runs the rendered `supafleet-backup-key` as root, which makes the worker's key and
 * installs it in the sub-account with the one-time password; then the agent, which runs as a
 * non-root user (uid 1000), runs the bundle's backup script with real restic, as an on-demand
 * backup does. Everything the agent needs (the key, the known host, the password file, its
 * state) must be readable by that user, and the host key learnt at first boot must be the
 * one the backup checks.
 */
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Secret } from '../../core/seal/secret.ts';
import { resolveFleet, resolveProject } from '../../core/spec/defaults.ts';
import { startSshBox, type SshBox } from '../../test/support/ssh-box.ts';
import { rootToolsSkipReason } from '../../test/support/tools.ts';
import { placeholderEnrollment, placeholderOpened, placeholderSecrets } from '../placeholders.ts';
import { renderWorkerBundle } from '../worker/bundle.ts';
import { AGENT_UID } from '../worker/compose.ts';
import { renderWorkerUserData } from '../worker/user-data.ts';
import { decodeUserData } from './decode.ts';
import { fleetSpec, projectSpecs } from './fixtures/specs.ts';

const skip = rootToolsSkipReason(
  'the Storage Box lab needs root (namespaces, chroot)',
  ['sshd', 'ssh', 'sftp', 'ssh-keygen', 'restic', 'unshare', 'nsenter', 'setpriv', 'openssl', 'jq', 'flock'],
  'the backup-as-agent test',
);

const SUB = 'u1-sub1';
const ONE_TIME = 'oneTimePassw0rd_for-acme-Aa1';

let dir = '';
let root = '';
let box: SshBox;

/** The worker's files under `root`, at the paths the rendered text names. */
function place(path: string, content: string, mode: number): string {
  const abs = join(root, path);
  mkdirSync(dirname(abs), { recursive: true, mode: 0o755 });
  writeFileSync(abs, content, { mode });
  chmodSync(abs, mode);
  return abs;
}

/** Rewrites the worker's absolute paths in `text` to the scratch root. */
const rooted = (text: string) =>
  text
    .replace(/\/etc\/supafleet\//g, `${root}/etc/supafleet/`)
    .replace(/\/opt\/supafleet\b/g, `${root}/opt/supafleet`);

describe.skipIf(skip !== undefined)('a backup run by the agent user against a real Storage Box', () => {
  let firstBoot: ReturnType<SshBox['run']>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sf-backup-agent-'));
    chmodSync(dir, 0o755);
    root = join(dir, 'root');
    box = await startSshBox(join(dir, 'lab'), [
      { user: 'u1', home: '' },
      { user: SUB, home: 'supafleet/acme', password: ONE_TIME },
    ]);

    const fleet = resolveFleet({
      ...fleetSpec,
      storage_box: { host: 'u1.your-storagebox.de', user: 'u1', id: 4711 },
    });
    const project = resolveProject(projectSpecs.typical!);
    // First boot: user_data's backup account and key script, as the rendered files are.
    const { files } = decodeUserData(
      renderWorkerUserData({
        fleet,
        project,
        enrollment: placeholderEnrollment('example.com'),
        backup: { user: SUB, host: box.host, password: new Secret(ONE_TIME) },
      }).text,
    );
    for (const f of files.filter((f) => /backup-account\.json|supafleet-backup-key$/.test(f.path))) {
      place(f.path.slice(1), f.content, Number.parseInt(f.permissions, 8));
    }
    mkdirSync(join(root, 'var', 'log'), { recursive: true });
    mkdirSync(join(root, 'opt', 'supafleet'), { recursive: true, mode: 0o755 });
    firstBoot = box.run('bash', [join(root, 'usr/local/sbin/supafleet-backup-key')], {
      env: { SUPAFLEET_ROOT: root, HOME: dir },
      timeoutMs: 120_000,
    });
    // enroll.sh then hands the agent its state directory (cloud-init/worker/static/enroll.sh).
    chownSync(join(root, 'opt', 'supafleet'), AGENT_UID, AGENT_UID);

    // The agent writes the bundle (as its own user) into its state directory.
    const bundle = renderWorkerBundle({
      fleet,
      project,
      secrets: placeholderSecrets(),
      opened: placeholderOpened(project),
      revision: 1,
      wgAddress: '10.100.0.5',
    });
    const rev = join(root, 'opt', 'supafleet', 'rev-1');
    for (const name of ['backup/backup.sh', 'backup/backup.json', 'backup/restic-password', '.env']) {
      const conf = name === 'backup/backup.json' ? JSON.parse(bundle.get(name)!) : undefined;
      if (conf) {
        conf.sftp_command = rooted(conf.sftp_command as string);
        conf.state_dir = join(root, 'opt', 'supafleet');
        conf.target_file = rooted(conf.target_file as string);
        conf.dumps = [];
        conf.paths = ['.env'];
      }
      const path = join(rev, name);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, conf ? JSON.stringify(conf) : bundle.get(name)!, {
        mode: name.endsWith('.sh') ? 0o700 : 0o600,
      });
    }
    spawnSync('chown', ['-R', `${AGENT_UID}:${AGENT_UID}`, rev]);
  }, 180_000);

  afterAll(async () => {
    await box?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("when first boot installs the worker's key with the one-time password, then the key works alone and the password is gone", () => {
    expect(firstBoot.status, firstBoot.stderr).toBe(0);
    const log = readFileSync(join(root, 'var/log/supafleet-bootstrap.log'), 'utf8');
    expect(log, `${log}\nsshd: ${box.logs()}`).toContain(`backup key installed for ${SUB}@${box.host}`);
    expect(readFileSync(join(box.root, 'supafleet/acme/.ssh/authorized_keys'), 'utf8')).toBe(
      readFileSync(join(root, 'etc/supafleet/backup.key.pub'), 'utf8'),
    );
    expect(readFileSync(join(root, 'etc/supafleet/backup-target'), 'utf8')).toBe(`${SUB}@${box.host}\n`);
    expect(() => statSync(join(root, 'etc/supafleet/backup-account.json'))).toThrow();
    expect(log).not.toContain(ONE_TIME);
  });

  it('when the agent user runs an on-demand backup, then it reads its key and the known host and the snapshot lands in its sub-account', () => {
    const script = join(root, 'opt/supafleet/rev-1/backup/backup.sh');
    const r = box.run('bash', [script], {
      uid: AGENT_UID,
      env: {
        HOME: join(root, 'opt', 'supafleet'),
        RESTIC_CACHE_DIR: join(root, 'opt/supafleet/.restic-cache'),
      },
      timeoutMs: 120_000,
    });
    const status = JSON.parse(readFileSync(join(root, 'opt/supafleet/backup-status.json'), 'utf8')) as {
      success: boolean;
      error: string | null;
    };
    expect(status, `${r.stderr}\nsshd: ${box.logs()}`).toMatchObject({ success: true, error: null });
    expect(readFileSync(join(box.root, 'supafleet/acme/config')).length).toBeGreaterThan(0);
  });

  it("when the backup connects, then it checks the box's host key learnt at first boot, and a different key is refused", () => {
    const knownHosts = join(root, 'opt/supafleet/.ssh_known_hosts');
    const before = readFileSync(knownHosts, 'utf8');
    expect(before.trim().split('\n')).toHaveLength(1);
    // Another host key for the same name: the agent's ssh must refuse it (no silent re-learning).
    const other = join(dir, 'other');
    spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', other]);
    writeFileSync(
      knownHosts,
      `[127.0.0.1]:23 ${readFileSync(`${other}.pub`, 'utf8').split(' ').slice(0, 2).join(' ')}\n`,
    );
    const r = box.run(
      'ssh',
      [
        ...rooted(
          '-p 23 -i /etc/supafleet/backup.key -o BatchMode=yes -o StrictHostKeyChecking=accept-new -o UserKnownHostsFile=/opt/supafleet/.ssh_known_hosts',
        ).split(' '),
        `${SUB}@${box.host}`,
        '-s',
        'sftp',
      ],
      { uid: AGENT_UID, env: { HOME: join(root, 'opt', 'supafleet') }, timeoutMs: 30_000 },
    );
    writeFileSync(knownHosts, before);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/REMOTE HOST IDENTIFICATION HAS CHANGED|Host key verification failed/);
  });
});
