import type { Exec } from '../runtime/exec.ts';

/** Seconds since the last WireGuard handshake with the master; null when never or unknown. */
export type HandshakeAge = () => Promise<number | null>;

/**
 * The real reader: `wg show <if> latest-handshakes` (one `<peer>\t<epoch s>`
 * line per peer; this command never prints keys other than public ones).
 */
export function wgHandshakeAge(exec: Exec, iface: string, nowMs: () => number): HandshakeAge {
  return async () => {
    const r = await exec('wg', ['show', iface, 'latest-handshakes'], { timeoutMs: 5_000 });
    if (r.code !== 0) return null;
    return parseHandshakeAge(r.stdout, nowMs());
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
