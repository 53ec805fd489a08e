import { isIPv4, isIPv6 } from 'node:net';
import { RateLimitedError } from './errors.ts';

/** A fixed-window limiter per key (client + endpoint), bounded in memory. */
export interface RateLimiter {
  /** Counts one request; throws RateLimitedError past the limit. */
  hit(key: string): void;
  /** Keys held (for tests and metrics). */
  readonly size: number;
}

/**
 * At most `maxKeys` windows are held. A client seen for the first time when the table is full
 * evicts the oldest window (oldest first: a Map iterates in insertion order, and a window that
 * starts anew is re-inserted at the end). So a flood of distinct addresses costs bounded memory
 * and only resets the budgets of the clients it pushes out; it never locks new clients out.
 */
export function createRateLimiter(opts: {
  limit: number;
  windowMs: number;
  now?: () => number;
  maxKeys?: number;
}): RateLimiter {
  const now = opts.now ?? Date.now;
  const maxKeys = Math.max(1, opts.maxKeys ?? 50_000);
  const windows = new Map<string, { start: number; count: number }>();
  return {
    hit(key) {
      const t = now();
      let w = windows.get(key);
      if (!w || t - w.start >= opts.windowMs) {
        if (w) windows.delete(key);
        while (windows.size >= maxKeys) {
          const oldest = windows.keys().next();
          if (oldest.done) break;
          windows.delete(oldest.value);
        }
        w = { start: t, count: 0 };
        windows.set(key, w);
      }
      w.count++;
      if (w.count > opts.limit)
        throw new RateLimitedError(Math.max(1, Math.ceil((w.start + opts.windowMs - t) / 1000)));
    },
    get size() {
      return windows.size;
    },
  };
}

/** The eight 16-bit groups of an IPv6 address (`::` expanded, a dotted IPv4 tail converted). */
function ipv6Groups(addr: string): number[] {
  let a = addr.split('%')[0]!.toLowerCase();
  const v4 = /(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(a);
  if (v4) {
    const [b1, b2, b3, b4] = v4.slice(1).map(Number) as [number, number, number, number];
    a = `${a.slice(0, v4.index)}${((b1 << 8) | b2).toString(16)}:${((b3 << 8) | b4).toString(16)}`;
  }
  const [head, tail] = a.includes('::') ? a.split('::') : [a, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const fill = tail === undefined ? [] : Array<string>(8 - h.length - t.length).fill('0');
  return [...h, ...fill, ...t].map((g) => parseInt(g, 16));
}

/**
 * The rate-limit identity of a client address: an IPv4 address as is (IPv4-mapped IPv6 too), an
 * IPv6 address by its /64, the smallest block a provider hands one customer (Hetzner gives each
 * server a /64), so rotating addresses within it does not buy more budget.
 */
export function clientKey(addr: string): string {
  const a = addr.trim();
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(a);
  if (mapped) return mapped[1]!;
  if (isIPv4(a)) return a;
  if (isIPv6(a.split('%')[0]!)) {
    const g = ipv6Groups(a);
    if (g.length === 8 && g.every((x) => Number.isInteger(x) && x >= 0 && x <= 0xffff)) {
      return `${g
        .slice(0, 4)
        .map((x) => x.toString(16))
        .join(':')}::/64`;
    }
  }
  return a;
}
