import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/**
 * Bounded, shell-free command calls for the lab: every call has a time limit and
 * its failure names the command line and what it printed on stderr (never stdin).
 */
export interface Result {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function sh(cmd: string, args: readonly string[], timeoutMs = 20_000): Result {
  const r = spawnSync(cmd, [...args], { encoding: 'utf8', timeout: timeoutMs });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

export function must(cmd: string, args: readonly string[], timeoutMs?: number): string {
  const r = sh(cmd, args, timeoutMs);
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.status}): ${r.stderr.trim().slice(0, 500)}`);
  }
  return r.stdout;
}

/** Network namespaces present now. */
export function listNamespaces(): string[] {
  return sh('ip', ['netns', 'list'])
    .stdout.split('\n')
    .map((l) => l.trim().split(/\s+/)[0] ?? '')
    .filter(Boolean);
}

/** PIDs of every process inside a network namespace (empty when it is gone). */
export function namespacePids(ns: string): number[] {
  return sh('ip', ['netns', 'pids', ns])
    .stdout.split('\n')
    .map((l) => Number(l.trim()))
    .filter((n) => Number.isInteger(n) && n > 0);
}

/**
 * The process in namespace `ns` that runs the stand-in of `service` (the agent's process runtime
 * starts each with `SERVICE=<name>` in its environment), or undefined.
 */
export function standinPid(ns: string, service: string): number | undefined {
  return namespacePids(ns).find((pid) => {
    try {
      return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(`SERVICE=${service}`);
    } catch {
      return false; // gone meanwhile
    }
  });
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * Stops processes by PID: SIGTERM, up to `graceMs` to exit, then SIGKILL and a
 * second bounded wait. Returns the PIDs still alive after that (should be none).
 */
export async function stopPids(pids: readonly number[], graceMs = 3000): Promise<number[]> {
  const signal = (sig: NodeJS.Signals) => {
    for (const p of pids) {
      try {
        process.kill(p, sig);
      } catch {
        // already gone
      }
    }
  };
  const waitGone = async (ms: number) => {
    for (let i = 0; i < Math.ceil(ms / 50) && pids.some(isAlive); i++) await delay(50);
  };
  signal('SIGTERM');
  await waitGone(graceMs);
  if (pids.some(isAlive)) {
    signal('SIGKILL');
    await waitGone(2000);
  }
  return pids.filter(isAlive);
}

/** Thrown by an `until` check to stop waiting at once (e.g. the awaited process exited). */
export class GiveUp extends Error {
  override readonly name = 'GiveUp';
}

/** Polls `check` every `everyMs` until it returns a value (not undefined) or `timeoutMs` passes. */
export async function until<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs: number,
  everyMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (let i = 0; i < Math.ceil(timeoutMs / everyMs) + 1; i++) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      if (err instanceof GiveUp) throw err;
      last = err;
    }
    if (Date.now() >= deadline) break;
    await delay(everyMs);
  }
  const why = last instanceof Error ? `: ${last.message}` : '';
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${why}`);
}
