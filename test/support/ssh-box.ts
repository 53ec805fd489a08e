/**
 * A Storage Box on this machine, built from a real OpenSSH sshd: a main account that sees the
 * whole box, and sub-accounts that each see only their own directory, as Hetzner documents them
 * ("The main user has complete access to all directories — including all sub-account
 * directories. Sub-accounts have access to their own sub-directory only."; docs.hetzner.com,
 * Storage Box → Overview → Additional users). Each account is chrooted by sshd to a root-owned
 * directory whose only entry, `home`, is its directory of the box, and starts there
 * (`internal-sftp -d /home`), so `.` is its base directory, as on the box.
 *
 * sshd runs in its own network namespace (so it listens on port 23, the box's SFTP port, on
 * that namespace's loopback, clashing with nothing) and its own mount namespace, where the
 * chroots are assembled with bind mounts and the accounts are added to a private copy of
 * /etc/passwd and /etc/group: nothing on the host changes. Clients run in the network
 * namespace through `nsenter`. Needs root.
 */
import { spawn, spawnSync, type ChildProcess, type SpawnSyncReturns } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';

/** One account of the box. */
export interface BoxAccount {
  /** Login name, as Hetzner names them (`u123456`, `u123456-sub1`). */
  readonly user: string;
  /** Its directory, relative to the box's root ('' for the main account). */
  readonly home: string;
  /** A password for password logins (sub-accounts' one-time password), or none. */
  readonly password?: string;
  /** Public keys placed in its `.ssh/authorized_keys` before the box starts. */
  readonly authorizedKeys?: readonly string[];
}

export interface SshBox {
  /** The box's files, as the host sees them. */
  readonly root: string;
  /** The address sshd listens on inside its network namespace (port 23). */
  readonly host: string;
  /** Runs a command inside the box's network namespace (the way a worker reaches the box). */
  run(command: string, args: readonly string[], opts?: RunOptions): SpawnSyncReturns<string>;
  /** The uid and gid of an account. */
  uidOf(user: string): number;
  /** What sshd logged so far (for a failing test's message). */
  logs(): string;
  /** Stops sshd (its namespaces go with it). */
  stop(): Promise<void>;
}

export interface RunOptions {
  readonly env?: Record<string, string>;
  readonly input?: string;
  /** Run as this uid and gid (no supplementary groups) instead of root. */
  readonly uid?: number;
  readonly timeoutMs?: number;
}

const FIRST_UID = 61_000;
const SSHD = '/usr/sbin/sshd';

function must(r: SpawnSyncReturns<string>, what: string): SpawnSyncReturns<string> {
  if (r.status !== 0) throw new Error(`${what} failed (exit ${r.status}): ${r.stderr || r.error?.message}`);
  return r;
}

/**
 * Starts a box under `dir` (a fresh directory whose parents every user may enter: the accounts
 * read their own authorized_keys there) with `accounts`; the first is the main account.
 */
export async function startSshBox(dir: string, accounts: readonly BoxAccount[]): Promise<SshBox> {
  const root = join(dir, 'box');
  const chroots = join(dir, 'chroot');
  const etc = join(dir, 'etc');
  for (const d of [root, chroots, etc]) mkdirSync(d, { recursive: true, mode: 0o755 });
  chmodSync(dir, 0o755);
  chmodSync(chroots, 0o755);

  const uids = new Map(accounts.map((a, i) => [a.user, FIRST_UID + i]));
  const passwd = readFileSync('/etc/passwd', 'utf8').trimEnd().split('\n');
  const group = readFileSync('/etc/group', 'utf8').trimEnd().split('\n');
  const mounts: string[] = [];
  const main = accounts[0]!;
  for (const a of accounts) {
    const uid = uids.get(a.user)!;
    const home = join(root, a.home);
    // The main account owns the box; each sub-account owns its directory, which nobody else enters.
    mkdirSync(home, { recursive: true });
    chownSync(home, uid, uid);
    chmodSync(home, a === main ? 0o755 : 0o700);
    if (a.authorizedKeys) {
      mkdirSync(join(home, '.ssh'), { mode: 0o700 });
      writeFileSync(join(home, '.ssh', 'authorized_keys'), a.authorizedKeys.join('\n') + '\n', {
        mode: 0o600,
      });
      chownSync(join(home, '.ssh'), uid, uid);
      chownSync(join(home, '.ssh', 'authorized_keys'), uid, uid);
    }
    const hash = a.password
      ? must(
          spawnSync('openssl', ['passwd', '-6', '-stdin'], { input: a.password, encoding: 'utf8' }),
          'openssl passwd',
        ).stdout.trim()
      : '*';
    passwd.push(`${a.user}:${hash}:${uid}:${uid}::${home}:/bin/sh`);
    group.push(`${a.user}:x:${uid}:`);
    // The main account owns every directory above a sub-account's, as on the box.
    for (let d = dirname(home); a !== main && d.startsWith(root) && d !== root; d = dirname(d)) {
      chownSync(d, uids.get(main.user)!, uids.get(main.user)!);
    }
    mkdirSync(join(chroots, a.user, 'home'), { recursive: true, mode: 0o755 });
    chmodSync(join(chroots, a.user), 0o755);
    mounts.push(`mount --bind '${home}' '/run/box/${a.user}/home'`);
  }
  writeFileSync(join(etc, 'passwd'), passwd.join('\n') + '\n');
  writeFileSync(join(etc, 'group'), group.join('\n') + '\n');

  must(
    spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'host_key')], {
      encoding: 'utf8',
    }),
    'ssh-keygen (host key)',
  );
  writeFileSync(
    join(dir, 'sshd_config'),
    [
      'Port 23',
      'ListenAddress 127.0.0.1',
      `HostKey ${join(dir, 'host_key')}`,
      'PidFile none',
      'UsePAM no',
      'PubkeyAuthentication yes',
      'PasswordAuthentication yes',
      'KbdInteractiveAuthentication no',
      'PermitRootLogin no',
      'AuthorizedKeysFile .ssh/authorized_keys',
      'StrictModes yes',
      `AllowUsers ${accounts.map((a) => a.user).join(' ')}`,
      'AllowTcpForwarding no',
      'AllowAgentForwarding no',
      'X11Forwarding no',
      'PermitTTY no',
      'Subsystem sftp internal-sftp',
      // Every account: chrooted to its own root, whose `home` is its directory of the box.
      'ChrootDirectory /run/box/%u',
      'ForceCommand internal-sftp -d /home',
      'LogLevel VERBOSE',
      '',
    ].join('\n'),
  );

  const logFile = join(dir, 'sshd.log');
  const script = [
    'set -e',
    'ip link set lo up',
    'mount -t tmpfs -o mode=0755 tmpfs /run',
    'mkdir -p /run/sshd /run/box',
    `mount --bind '${chroots}' /run/box`,
    ...mounts,
    `mount --bind '${join(etc, 'passwd')}' /etc/passwd`,
    `mount --bind '${join(etc, 'group')}' /etc/group`,
    `exec ${SSHD} -D -E '${logFile}' -f '${join(dir, 'sshd_config')}'`,
  ].join('\n');
  // sshd logs to a file: a pipe nobody drains while a test blocks in spawnSync would stall it.
  const logFd = openSync(logFile, 'a');
  const namespaces = ['--net', '--mount', '--propagation', 'private'];
  const sshd: ChildProcess = spawn('unshare', [...namespaces, 'sh', '-c', script], {
    stdio: ['ignore', 'ignore', logFd],
  });
  closeSync(logFd);
  const logs = () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '');
  const netns = () => `/proc/${sshd.pid}/ns/net`;

  const run = (command: string, args: readonly string[], opts: RunOptions = {}) => {
    const as =
      opts.uid === undefined
        ? []
        : ['setpriv', `--reuid=${opts.uid}`, `--regid=${opts.uid}`, '--clear-groups'];
    return spawnSync('nsenter', [`--net=${netns()}`, '--', ...as, command, ...args], {
      encoding: 'utf8',
      input: opts.input ?? '',
      env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', ...opts.env },
      timeout: opts.timeoutMs ?? 60_000,
    });
  };

  const stop = async () => {
    if (sshd.exitCode !== null || sshd.signalCode !== null) return;
    const gone = new Promise<void>((resolve) => sshd.once('exit', () => resolve()));
    sshd.kill('SIGTERM');
    await Promise.race([gone, new Promise((r) => setTimeout(r, 5_000))]);
    if (sshd.exitCode === null && sshd.signalCode === null) sshd.kill('SIGKILL');
  };

  // Ready once sshd answers on port 23 with its banner: at most 10 s, 50 tries.
  for (let i = 0; ; i++) {
    if (sshd.exitCode !== null) throw new Error(`sshd exited (${sshd.exitCode}): ${logs()}`);
    const probe = run('bash', ['-c', 'exec 3<>/dev/tcp/127.0.0.1/23 && head -c 4 <&3'], { timeoutMs: 2_000 });
    if (probe.stdout === 'SSH-') break;
    if (i >= 50) {
      await stop();
      throw new Error(`sshd did not answer on 127.0.0.1:23 within 10 s: ${logs()}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }

  return {
    root,
    host: '127.0.0.1',
    run,
    uidOf: (user) => {
      const uid = uids.get(user);
      if (uid === undefined) throw new Error(`no account ${user} on the box`);
      return uid;
    },
    logs,
    stop,
  };
}
