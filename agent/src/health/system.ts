import { readFile, statfs } from 'node:fs/promises';
import { loadavg, totalmem, uptime } from 'node:os';

/** The heartbeat's `system` figures; null where a figure could not be read. */
export interface SystemFigures {
  readonly disk_used_pct: number | null;
  readonly disk_free_bytes: number | null;
  readonly mem_used_pct: number | null;
  readonly load1: number | null;
  readonly uptime_s: number | null;
}

/** Reads host figures; injected so tests need not depend on the machine. */
export type SystemProbe = (stateDir: string) => Promise<SystemFigures>;

/** The real probe: statfs of the state directory, /proc/meminfo (MemAvailable), load and uptime. */
export const hostSystemProbe: SystemProbe = async (stateDir) => {
  const disk = await statfs(stateDir).catch(() => undefined);
  const total = disk ? disk.blocks * disk.bsize : 0;
  const free = disk ? disk.bavail * disk.bsize : 0;
  return {
    disk_used_pct: disk && total > 0 ? round1(((total - disk.bfree * disk.bsize) / total) * 100) : null,
    disk_free_bytes: disk ? free : null,
    mem_used_pct: await memUsedPct(),
    load1: round2(loadavg()[0] ?? 0),
    uptime_s: Math.round(uptime()),
  };
};

async function memUsedPct(): Promise<number | null> {
  const text = await readFile('/proc/meminfo', 'utf8').catch(() => undefined);
  const total = text ? kb(text, 'MemTotal') : totalmem() / 1024;
  const available = text ? kb(text, 'MemAvailable') : undefined;
  if (!total || available === undefined) return null;
  return round1(((total - available) / total) * 100);
}

function kb(text: string, key: string): number | undefined {
  const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text);
  return m ? Number(m[1]) : undefined;
}

const round1 = (n: number): number => Math.round(n * 10) / 10;
const round2 = (n: number): number => Math.round(n * 100) / 100;
