import { Backoff, DEFAULT_BACKOFF, type BackoffPolicy } from './backoff.ts';
import type { Clock } from './clock.ts';
import type { Logger } from './logger.ts';
import { OutageLog } from './outage-log.ts';

/** Heartbeat timing. */
export interface LoopTiming {
  /** Regular interval (the config's `heartbeat_interval_s`, default 30 s). */
  readonly intervalMs: number;
  /** ± share of the interval added at random, so a fleet does not beat in step (0.1 = ±10 %). */
  readonly jitter: number;
  /** Waits after failed heartbeats. */
  readonly backoff: BackoffPolicy;
}

export const DEFAULT_TIMING: LoopTiming = {
  intervalMs: 30_000,
  jitter: 0.1,
  backoff: DEFAULT_BACKOFF,
};

/** The wait after a heartbeat the master answered: the interval ± jitter. `random` is in [0, 1). */
export function regularDelay(t: LoopTiming, random: number): number {
  return Math.max(0, Math.round(t.intervalMs * (1 + t.jitter * (2 * random - 1))));
}

export interface HeartbeatLoopOptions {
  /** One heartbeat: collect, send, act on the answer; rejects when the master could not be reached. */
  readonly cycle: () => Promise<void>;
  readonly clock: Clock;
  readonly timing: LoopTiming;
  readonly logger: Logger;
  readonly random?: () => number;
}

/**
 * Sends heartbeats one at a time: at the regular interval, at once when
 * `reportNow()` asks (an apply or a backup finished), and with exponential
 * backoff (full jitter) while the master cannot be reached. Nothing is
 * queued: each heartbeat carries the state of the moment it is sent, so the
 * first one after the master comes back is current.
 */
export class HeartbeatLoop {
  readonly #o: HeartbeatLoopOptions;
  readonly #random: () => number;
  readonly #backoff: Backoff;
  readonly #outage: OutageLog;
  /** A report was asked for since the current heartbeat started. */
  #pending = false;
  /** Aborts the wait in progress, if any. */
  #wait: AbortController | undefined;

  constructor(options: HeartbeatLoopOptions) {
    this.#o = options;
    this.#random = options.random ?? Math.random;
    this.#backoff = new Backoff(options.timing.backoff, this.#random);
    this.#outage = new OutageLog(options.logger, {
      failing: 'heartbeat failed; backing off',
      recovered: 'master reachable again',
    });
  }

  /**
   * Asks for a heartbeat now. While one is being sent, one more follows it;
   * asks that land before that one starts are folded into it, so an event
   * costs at most one extra heartbeat and two are never in flight. After it,
   * the regular interval counts from there. While the master is failing, the
   * backoff wait is kept: the next try carries the new state anyway.
   */
  reportNow(): void {
    this.#pending = true;
    if (this.#backoff.failures === 0) this.#wait?.abort();
  }

  /** Runs until `signal` aborts (or after `maxCycles` heartbeats). */
  async run(signal: AbortSignal, maxCycles = Number.MAX_SAFE_INTEGER): Promise<void> {
    const { clock, timing } = this.#o;
    for (let i = 0; i < maxCycles && !signal.aborted; i++) {
      this.#pending = false;
      let wait: number;
      try {
        await this.#o.cycle();
        this.#outage.succeeded(this.#backoff.succeed());
        wait = this.#pending ? 0 : regularDelay(timing, this.#random());
      } catch (err) {
        wait = this.#backoff.fail();
        this.#outage.failed((err as Error).message, wait);
      }
      if (i + 1 >= maxCycles || signal.aborted || wait === 0) continue;
      // One controller per wait, aborted by the stop signal or reportNow() (no AbortSignal.any:
      // combining with the long-lived stop signal on every wait would pile up listeners).
      const controller = new AbortController();
      const stop = (): void => controller.abort();
      signal.addEventListener('abort', stop, { once: true });
      this.#wait = controller;
      try {
        await clock.sleep(wait, controller.signal);
      } finally {
        this.#wait = undefined;
        signal.removeEventListener('abort', stop);
      }
    }
  }
}
