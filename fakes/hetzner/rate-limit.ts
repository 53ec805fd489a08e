/**
 * The fake's token bucket, like Hetzner's: `limit` requests, refilled at `refillPerSecond`;
 * every request takes one token, an empty bucket answers 429.
 */
export interface RateLimitOptions {
  /** Bucket size (Hetzner: 3600). */
  readonly limit: number;
  /** Tokens added per second (Hetzner: 1). */
  readonly refillPerSecond: number;
}

export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly options: RateLimitOptions,
    now: number,
  ) {
    this.tokens = options.limit;
    this.last = now;
  }

  private refill(now: number): void {
    const elapsed = Math.max(0, now - this.last) / 1000;
    this.tokens = Math.min(this.options.limit, this.tokens + elapsed * this.options.refillPerSecond);
    this.last = now;
  }

  /** Takes one token; false when the bucket is empty. */
  take(now: number): boolean {
    this.refill(now);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Empties the bucket (a fault: the next requests meet 429 until it refills). */
  drain(now: number): void {
    this.refill(now);
    this.tokens = 0;
  }

  /** `RateLimit-*` header values after the current request. */
  headers(now: number): Record<string, string> {
    this.refill(now);
    const remaining = Math.floor(this.tokens);
    const secondsToFull = (this.options.limit - this.tokens) / this.options.refillPerSecond;
    return {
      'RateLimit-Limit': String(this.options.limit),
      'RateLimit-Remaining': String(remaining),
      'RateLimit-Reset': String(Math.ceil(now / 1000 + secondsToFull)),
    };
  }
}
