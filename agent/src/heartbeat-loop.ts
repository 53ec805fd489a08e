import type { Clock } from './clock.ts';
import type { Logger } from './logger.ts';

/** Heartbeat timing. */
export interface LoopTiming {
  /** Normal interval (30 s). */
  readonly intervalMs: number;
  /** ± share of the interval added at random, so a fleet does not beat in step (0.1 = ±10 %). */
  readonly jitter: number;
  /** First retry delay while the master is unreachable; doubles per failure. */
  readonly backoffBaseMs: number;
  /** The longest retry delay. */
  readonly backoffCapMs: number;
}

export const DEFAULT_TIMING: LoopTiming = {
  intervalMs: 30_000,
  jitter: 0.1,
  backoffBaseMs: 2_000,
  backoffCapMs: 60_000,
};

/**
 * The wait before the next cycle: the interval with jitter after a success;
 * after `failures` failures in a row, base·2^(failures-1) capped, with "equal
 * jitter" (half fixed, half random). `random` is in [0, 1).
 */
export function nextDelay(failures: number, t: LoopTiming, random: number): number {
  if (failures <= 0) return Math.max(0, Math.round(t.intervalMs * (1 + t.jitter * (2 * random - 1))));
  const exp = Math.min(t.backoffCapMs, t.backoffBaseMs * 2 ** Math.min(failures - 1, 30));
  return Math.round(exp / 2 + (exp / 2) * random);
}

/**
 * Runs `cycle` until `signal` aborts (or `maxCycles`). Nothing is queued: each
 * cycle reports the state of that moment, so the first report after the
 * master comes back is current.
 */
export async function heartbeatLoop(opts: {
  /** One cycle; it may call `wake` to have the next one start at once (e.g. after an apply). */
  readonly cycle: (wake: () => void) => Promise<void>;
  readonly clock: Clock;
  readonly timing: LoopTiming;
  readonly logger: Logger;
  readonly signal: AbortSignal;
  readonly random?: () => number;
  readonly maxCycles?: number;
}): Promise<void> {
  const random = opts.random ?? Math.random;
  const max = opts.maxCycles ?? Number.MAX_SAFE_INTEGER;
  let failures = 0;
  let early = new AbortController();
  const wake = (): void => early.abort();
  for (let i = 0; i < max && !opts.signal.aborted; i++) {
    try {
      await opts.cycle(wake);
      if (failures > 0) opts.logger.info({ after_failures: failures }, 'master reachable again');
      failures = 0;
    } catch (err) {
      failures++;
      const level = failures === 1 || failures % 10 === 0 ? 'warn' : 'debug';
      opts.logger[level]({ failures, error: (err as Error).message }, 'heartbeat failed; backing off');
    }
    if (i + 1 < max && !early.signal.aborted && !opts.signal.aborted) {
      // One controller per wait, aborted by the stop signal or a wake (no AbortSignal.any:
      // combining with the long-lived stop signal on every cycle would pile up listeners).
      const stop = (): void => early.abort();
      opts.signal.addEventListener('abort', stop, { once: true });
      await opts.clock.sleep(nextDelay(failures, opts.timing, random()), early.signal);
      opts.signal.removeEventListener('abort', stop);
    }
    early = new AbortController();
  }
}
