/**
 * Exponential backoff with full jitter: before retry n (1-based) wait a random time in
 * [0, min(cap, base * 2^(n-1))]. Full jitter spreads parallel clients apart after a
 * shared 429 or 5xx burst instead of letting them retry in lockstep.
 */

export interface BackoffPolicy {
  /** Total tries including the first (default 5). */
  readonly maxTries: number;
  /** First backoff ceiling in ms (default 1000). */
  readonly baseMs: number;
  /** Largest wait in ms (default 60000). */
  readonly capMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { maxTries: 5, baseMs: 1000, capMs: 60_000 };

/** The ceiling of the wait before retry `retry` (1 = the first retry). */
export function backoffCeiling(policy: BackoffPolicy, retry: number): number {
  return Math.min(policy.capMs, policy.baseMs * 2 ** Math.max(0, retry - 1));
}

/** The wait before retry `retry`, drawn with `random` in [0, 1). */
export function backoffDelay(policy: BackoffPolicy, retry: number, random: () => number): number {
  return Math.floor(random() * backoffCeiling(policy, retry));
}

/**
 * How long to wait before the next request given the last `RateLimit-Remaining` and
 * `RateLimit-Reset` (unix seconds): until the reset when nothing remains, else 0.
 * Bounded by `capMs` so a far reset cannot stall a run.
 */
export function rateLimitWait(
  remaining: number | undefined,
  resetUnixSeconds: number | undefined,
  nowMs: number,
  capMs: number,
): number {
  if (remaining === undefined || remaining > 0 || resetUnixSeconds === undefined) return 0;
  return Math.min(capMs, Math.max(0, resetUnixSeconds * 1000 - nowMs));
}
