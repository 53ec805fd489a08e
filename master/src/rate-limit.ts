import { RateLimitedError } from './errors.ts';

/** A fixed-window limiter per key (client address + endpoint), bounded in memory. */
export interface RateLimiter {
  /** Counts one request; throws RateLimitedError past the limit. */
  hit(key: string): void;
}

export function createRateLimiter(opts: {
  limit: number;
  windowMs: number;
  now?: () => number;
  maxKeys?: number;
}): RateLimiter {
  const now = opts.now ?? Date.now;
  const maxKeys = opts.maxKeys ?? 50_000;
  const windows = new Map<string, { start: number; count: number }>();
  return {
    hit(key) {
      const t = now();
      let w = windows.get(key);
      if (!w || t - w.start >= opts.windowMs) {
        if (!w && windows.size >= maxKeys) {
          for (const [k, v] of windows) if (t - v.start >= opts.windowMs) windows.delete(k);
          if (windows.size >= maxKeys) throw new RateLimitedError(Math.ceil(opts.windowMs / 1000));
        }
        w = { start: t, count: 0 };
        windows.set(key, w);
      }
      w.count++;
      if (w.count > opts.limit)
        throw new RateLimitedError(Math.max(1, Math.ceil((w.start + opts.windowMs - t) / 1000)));
    },
  };
}
