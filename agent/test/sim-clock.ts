import type { Clock } from '../src/clock.ts';

/** One wait as the code under test asked for it and as it ended. */
export interface SimWait {
  /** Virtual time the wait began. */
  readonly from: number;
  /** What was asked for. */
  readonly ms: number;
  /** How long it lasted (less than `ms` when its signal aborted it). */
  slept: number;
}

/**
 * Virtual time for one sleeper at a time: a wait jumps straight to its end,
 * unless an event scheduled with `at()` falls inside it; the event runs at its
 * time and, when it aborts the wait's signal, the wait ends there. Nothing
 * depends on the real clock, so tests of timing are exact and instant.
 */
export class SimClock implements Clock {
  readonly waits: SimWait[] = [];
  #now = 0;
  #events: { at: number; seq: number; fn: () => void }[] = [];
  #seq = 0;

  now(): number {
    return this.#now;
  }

  /** Runs `fn` when virtual time reaches `at` (during a wait that covers it). */
  at(at: number, fn: () => void): void {
    this.#events.push({ at, seq: this.#seq++, fn });
    this.#events.sort((a, b) => a.at - b.at || a.seq - b.seq);
  }

  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    const wait: SimWait = { from: this.#now, ms, slept: 0 };
    this.waits.push(wait);
    const end = this.#now + ms;
    // Bounded: each turn consumes one scheduled event.
    for (let i = 0; i <= 10_000; i++) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (signal?.aborted) break;
      const next = this.#events[0];
      if (!next || next.at > end) {
        this.#now = end;
        break;
      }
      this.#events.shift();
      this.#now = Math.max(this.#now, next.at);
      next.fn();
    }
    wait.slept = this.#now - wait.from;
  }
}
