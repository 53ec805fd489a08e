/**
 * A Docker daemon of a test's own (Debian's docker.io) in a network namespace the test made:
 * `nsenter --net` (which keeps the host's cgroup mounts, where `ip netns exec` would hide them
 * by remounting /sys), with its data root, exec root and pidfile under `root`, its API on the
 * unix socket `sock`, no default bridge, the vfs storage driver and no userland proxy. The
 * caller stops it by the PID returned, and removes what it left under `root`.
 */
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Starts dockerd in `netns` and returns its PID once `docker version` answers on `sock` (up to
 * 120 tries, 250 ms apart). When it does not, the daemon is killed and the error names the log.
 */
export function startNamespacedDockerd(options: {
  netns: string;
  root: string;
  sock: string;
  /** The environment `docker version` runs with (DOCKER_HOST and DOCKER_CONFIG of the test). */
  env: NodeJS.ProcessEnv;
  /** More dockerd flags, e.g. `--no-new-privileges`. */
  extraArgs?: readonly string[];
  /** A file for dockerd's output; none is kept without it. */
  log?: string;
}): number {
  const { netns, root, sock } = options;
  const fd = options.log ? openSync(options.log, 'a') : undefined;
  const child = spawn(
    'nsenter',
    [
      `--net=/var/run/netns/${netns}`,
      'dockerd',
      '--data-root',
      join(root, 'data'),
      '--exec-root',
      join(root, 'exec'),
      '--pidfile',
      join(root, 'dockerd.pid'),
      '-H',
      `unix://${sock}`,
      '--bridge=none',
      '--storage-driver=vfs',
      '--userland-proxy=false',
      ...(options.extraArgs ?? []),
    ],
    { stdio: fd === undefined ? 'ignore' : ['ignore', fd, fd] },
  );
  if (fd !== undefined) closeSync(fd);
  child.on('error', () => undefined);
  const pid = child.pid;
  if (pid === undefined) throw new Error(`dockerd did not start in ${netns} (nsenter not found?)`);
  const answers = () =>
    existsSync(sock) &&
    spawnSync('docker', ['version'], { env: options.env, stdio: 'ignore', timeout: 10_000 }).status === 0;
  for (let i = 0; i < 120; i++) {
    if (answers()) return pid;
    spawnSync('sleep', ['0.25']);
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
  throw new Error(
    `dockerd in ${netns} did not answer on ${sock} within 120 tries` +
      (options.log ? `; see ${options.log}` : ''),
  );
}
