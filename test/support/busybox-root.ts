/**
 * A root file system for a test container image: the host's busybox at /bin/busybox and the
 * shared libraries it links where ldd names them (Debian's busybox links libc; busybox-static
 * would need nothing). The caller adds its own files and tars the directory for `docker load`
 * or `docker import`.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Copies busybox and the libraries it links under `root`; throws when busybox is not installed. */
export function writeBusyboxRoot(root: string): void {
  const which = spawnSync('bash', ['-c', 'command -v busybox'], { encoding: 'utf8', timeout: 10_000 });
  const busybox = (which.stdout ?? '').trim();
  if (which.status !== 0 || busybox === '')
    throw new Error('busybox not found on PATH: install Debian’s busybox');
  const files = [busybox];
  const ldd = spawnSync('ldd', [busybox], { encoding: 'utf8', timeout: 10_000 });
  for (const line of (ldd.stdout ?? '').split('\n')) {
    const m = /(\/\S+) \(0x/.exec(line) ?? /^\s*(\/\S+)/.exec(line);
    if (m) files.push(m[1]!);
  }
  for (const f of files) {
    const target = f === busybox ? join(root, 'bin', 'busybox') : join(root, f);
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(f, target);
    chmodSync(target, 0o755);
  }
}
