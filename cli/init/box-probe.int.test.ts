/**
 * The Storage Box probe against a real OpenSSH sshd standing in for the box (test/support/ssh-box.ts:
 * port 23, every login chrooted to internal-sftp, as on the box), with real `sftp` and `ssh-keygen`.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSshBox, type SshBox } from '../../test/support/ssh-box.ts';
import { rootToolsSkipReason } from '../../test/support/tools.ts';
import { describeProbe, probeStorageBox, type BoxTarget, type ProbeExec } from './box-probe.ts';

const skip = rootToolsSkipReason(
  'the Storage Box stand-in needs root (namespaces, chroot)',
  ['sshd', 'sftp', 'ssh-keygen', 'unshare', 'nsenter', 'openssl'],
  'the Storage Box probe test',
);
if (skip) console.log(`skipping: ${skip}`);

describe.skipIf(skip !== undefined)('the Storage Box probe against a real sshd on port 23', () => {
  let dir: string;
  let box: SshBox;
  let keyPath: string;
  let strangerKey: string;
  let knownHosts: string;
  /** Runs the client inside the box's network namespace, where sshd listens. */
  const exec: ProbeExec = async (command, args, input, timeoutMs) => {
    const r = box.run(command, args, { input, timeoutMs });
    return { code: r.status, stderr: r.stderr };
  };
  const target = (user: string, port = 23): BoxTarget => ({ host: box.host, user, port });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'supafleet-box-probe-'));
    chmodSync(dir, 0o755); // the box's account reads its authorized_keys below it
    keyPath = join(dir, 'backup.key');
    strangerKey = join(dir, 'other.key');
    knownHosts = join(dir, 'storage-box.known_hosts');
    for (const k of [keyPath, strangerKey])
      expect(spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', k]).status).toBe(0);
    box = await startSshBox(join(dir, 'sb'), [
      { user: 'u1', home: '', authorizedKeys: [readFileSync(`${keyPath}.pub`, 'utf8').trim()] },
    ]);
  }, 30_000);

  afterAll(async () => {
    await box?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('when the key is on the box, then the probe is ok and pins the host key in its own known_hosts', async () => {
    const probe = await probeStorageBox(target('u1'), keyPath, knownHosts, exec);
    expect(probe, box.logs()).toEqual({ status: 'ok' });
    expect(spawnSync('ssh-keygen', ['-F', '[127.0.0.1]:23', '-f', knownHosts]).status).toBe(0);
    expect(describeProbe(probe, target('u1'), keyPath, false)).toBe(
      `Storage Box u1@127.0.0.1:23 answers over SFTP with ${keyPath}`,
    );
  });

  it('when the key is not on the box, then the probe says so and names the command that installs it', async () => {
    const probe = await probeStorageBox(target('u1'), strangerKey, knownHosts, exec);
    expect(probe).toMatchObject({
      status: 'key-not-installed',
      detail: expect.stringMatching(/Permission denied/),
    });
    expect(describeProbe(probe, target('u1'), strangerKey, false)).toContain(
      `install it with: cat ${strangerKey}.pub | ssh -p23 u1@127.0.0.1 install-ssh-key`,
    );
  });

  it('when nothing listens on the port, then the probe says the host does not answer and names host:port', async () => {
    const probe = await probeStorageBox(target('u1', 2222), keyPath, knownHosts, exec);
    expect(probe).toMatchObject({
      status: 'unreachable',
      detail: expect.stringMatching(/Connection refused/),
    });
    const line = describeProbe(probe, target('u1', 2222), keyPath, true);
    expect(line).toContain('Storage Box 127.0.0.1:2222 does not answer from this machine');
    expect(line).toContain('check the host name and that port 2222 is open from here');
  });
});
