/** How long to wait after failures in a row: exponential, capped. */
export interface BackoffPolicy {
  /** The ceiling of the first wait. */
  readonly baseMs: number;
  /** The highest ceiling: waits never exceed it. */
  readonly capMs: number;
}

/** 1 s, 2 s, 4 s … up to 60 s (ceilings; the wait is drawn below them). */
export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 1_000, capMs: 60_000 };

/**
 * The wait after `failures` failures in a row (≥ 1), "full jitter": a random
 * share of the ceiling min(cap, base·2^(failures-1)). Drawing from the whole
 * range spreads a fleet whose master came back over the window instead of
 * having every agent retry in step. `random` is in [0, 1).
 */
export function backoffDelay(failures: number, policy: BackoffPolicy, random: number): number {
  return Math.floor(random * backoffCeiling(failures, policy));
}

/** The ceiling of the wait after `failures` failures in a row. */
export function backoffCeiling(failures: number, policy: BackoffPolicy): number {
  const doublings = Math.min(Math.max(failures, 1) - 1, 30);
  return Math.min(policy.capMs, policy.baseMs * 2 ** doublings);
}

/** Failures in a row of one kind of request, and the wait each one earns; a success resets it. */
export class Backoff {
  readonly #policy: BackoffPolicy;
  readonly #random: () => number;
  #failures = 0;

  constructor(policy: BackoffPolicy = DEFAULT_BACKOFF, random: () => number = Math.random) {
    this.#policy = policy;
    this.#random = random;
  }

  /** Failures since the last success. */
  get failures(): number {
    return this.#failures;
  }

  /** Counts a failure; returns how long to wait before the next try. */
  fail(): number {
    this.#failures++;
    return backoffDelay(this.#failures, this.#policy, this.#random());
  }

  /** Counts a success: the next failure waits at most `baseMs` again. Returns the failures it ended. */
  succeed(): number {
    const ended = this.#failures;
    this.#failures = 0;
    return ended;
  }
}
