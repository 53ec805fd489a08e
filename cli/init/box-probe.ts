/**
 * Does the Storage Box answer with the master's key? One SFTP session on port 23 with
 * `backup.key` (OpenSSH's `sftp`, batch mode: it never asks for a password), bounded in time,
 * whose outcome says what is wrong: the key is not on the box yet, or the host does not answer.
 */
import { spawn } from 'node:child_process';

/** The box's SFTP port (SSH, SFTP, SCP, rsync and restic all use it). */
export const BOX_SSH_PORT = 23;
/** Seconds `ssh` waits for the TCP connection. */
export const CONNECT_TIMEOUT_S = 10;
/** The whole probe, connection and login included, ends within this. */
export const PROBE_TIMEOUT_MS = 30_000;

export interface BoxTarget {
  readonly host: string;
  readonly user: string;
  readonly port: number;
}

/** What the probe found: `ok`, or what is wrong, with the client's last line as `detail`. */
export type BoxProbe =
  | { readonly status: 'ok' }
  | { readonly status: 'key-not-installed' | 'unreachable' | 'failed'; readonly detail: string };

/** Runs a command with `input` on stdin; its exit code (null when killed) and standard error. */
export type ProbeExec = (
  command: string,
  args: readonly string[],
  input: string,
  timeoutMs: number,
) => Promise<{ code: number | null; stderr: string }>;

/** The operator's command that puts the key's public half on the box (asks for the box's password). */
export function installKeyCommand(keyPath: string, target: Pick<BoxTarget, 'host' | 'user'>): string {
  return `cat ${keyPath}.pub | ssh -p${BOX_SSH_PORT} ${target.user}@${target.host} install-ssh-key`;
}

/**
 * `sftp` arguments: only this key (no agent, no password), the box's host key pinned in
 * `knownHosts` on first contact (the operator's own known_hosts stays untouched).
 */
export function probeArgs(target: BoxTarget, keyPath: string, knownHosts: string): string[] {
  const options = [
    'BatchMode=yes',
    'IdentitiesOnly=yes',
    'IdentityAgent=none',
    'PasswordAuthentication=no',
    'KbdInteractiveAuthentication=no',
    'StrictHostKeyChecking=accept-new',
    `UserKnownHostsFile=${knownHosts}`,
    `ConnectTimeout=${CONNECT_TIMEOUT_S}`,
    'ConnectionAttempts=1',
  ];
  return [
    '-b',
    '-',
    '-P',
    String(target.port),
    '-i',
    keyPath,
    ...options.flatMap((o) => ['-o', o]),
    `${target.user}@${target.host}`,
  ];
}

/** What `sftp` reads on stdin: one harmless command, then the session ends. */
export const PROBE_BATCH = 'pwd\n';

const UNREACHABLE =
  /Connection refused|Connection timed out|timed out during banner exchange|No route to host|Network is unreachable|Could not resolve hostname|Name or service not known|Temporary failure in name resolution/i;

/** Sorts the client's exit code and standard error into a {@link BoxProbe}. Pure. */
export function classifyProbe(code: number | null, stderr: string): BoxProbe {
  if (code === 0) return { status: 'ok' };
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  const detail = lines.at(-1) ?? (code === null ? 'no answer before the time limit' : `exit ${code}`);
  if (code === null) return { status: 'unreachable', detail };
  const denied = lines.find((l) => /Permission denied/.test(l));
  if (denied) return { status: 'key-not-installed', detail: denied };
  const down = lines.find((l) => UNREACHABLE.test(l));
  if (down) return { status: 'unreachable', detail: down };
  return { status: 'failed', detail };
}

/** Probes the box: one bounded SFTP session through `exec` (the real `sftp` by default). */
export async function probeStorageBox(
  target: BoxTarget,
  keyPath: string,
  knownHosts: string,
  exec: ProbeExec = spawnExec,
): Promise<BoxProbe> {
  const { code, stderr } = await exec(
    'sftp',
    probeArgs(target, keyPath, knownHosts),
    PROBE_BATCH,
    PROBE_TIMEOUT_MS,
  );
  return classifyProbe(code, stderr);
}

/** The line init prints for a probe: ok, or what is wrong and what to do. */
export function describeProbe(
  probe: BoxProbe,
  target: BoxTarget,
  keyPath: string,
  reachableExternally: boolean,
): string {
  const where = `${target.user}@${target.host}:${target.port}`;
  switch (probe.status) {
    case 'ok':
      return `Storage Box ${where} answers over SFTP with ${keyPath}`;
    case 'key-not-installed':
      return `Storage Box ${where} refuses ${keyPath} (${probe.detail}): the key is not on the box yet; install it with: ${installKeyCommand(keyPath, target)}`;
    case 'unreachable':
      return (
        `Storage Box ${target.host}:${target.port} does not answer from this machine (${probe.detail}): ` +
        (reachableExternally
          ? `check the host name and that port ${target.port} is open from here`
          : 'its access settings allow only Hetzner networks (External reachability is off in the Hetzner Console); the master reaches it from inside, and the key is installed from a machine that reaches it')
      );
    case 'failed':
      return `Storage Box ${where}: the SFTP check with ${keyPath} failed (${probe.detail})`;
  }
}

/** Runs `command` with a hard time limit; the child is killed by its own handle when over it. */
const spawnExec: ProbeExec = (command, args, input, timeoutMs) =>
  new Promise((resolve) => {
    const child = spawn(command, [...args], { stdio: ['pipe', 'ignore', 'pipe'], timeout: timeoutMs });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => {
      if (stderr.length < 64_000) stderr += c.toString();
    });
    child.on('error', (e) => resolve({ code: -1, stderr: `${command}: ${e.message}` }));
    child.on('close', (code) => resolve({ code, stderr }));
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  });
