import { readFile, stat } from 'node:fs/promises';
import type { Exec } from '../runtime/exec.ts';

/** Seconds since the last WireGuard handshake with the master; null when never or unknown. */
export type HandshakeAge = () => Promise<number | null>;

/**
 * The real reader: `wg show <if> latest-handshakes` (one `<peer>\t<epoch s>`
 * line per peer; this command prints public keys only). Without the
 * privilege to ask WireGuard, it reads the same output from `fallbackFile`
 * (written by the host), ignored once older than five minutes.
 */
export function wgHandshakeAge(
  exec: Exec,
  iface: string,
  nowMs: () => number,
  fallbackFile?: string,
): HandshakeAge {
  return async () => {
    const r = await exec('wg', ['show', iface, 'latest-handshakes'], { timeoutMs: 5_000 });
    if (r.code === 0) return parseHandshakeAge(r.stdout, nowMs());
    if (!fallbackFile) return null;
    const fresh = await stat(fallbackFile).then(
      (s) => nowMs() - s.mtimeMs < 300_000,
      () => false,
    );
    if (!fresh) return null;
    return parseHandshakeAge(await readFile(fallbackFile, 'utf8'), nowMs());
  };
}

/** The youngest non-zero handshake's age in seconds, or null. */
export function parseHandshakeAge(stdout: string, nowMs: number): number | null {
  let latest = 0;
  for (const line of stdout.split('\n')) {
    const epoch = Number(line.trim().split(/\s+/)[1]);
    if (Number.isFinite(epoch) && epoch > latest) latest = epoch;
  }
  return latest === 0 ? null : Math.max(0, Math.round(nowMs / 1000 - latest));
}
