import { describe, expect, it } from 'vitest';
import { RateLimitedError } from './errors.ts';
import { clientKey, createRateLimiter } from './rate-limit.ts';

describe('createRateLimiter', () => {
  it('when a client exceeds the limit within the window, then it is refused with the seconds left', () => {
    let now = 0;
    const rl = createRateLimiter({ limit: 2, windowMs: 60_000, now: () => now });
    rl.hit('a');
    rl.hit('a');
    now = 15_000;
    let err: unknown;
    try {
      rl.hit('a');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RateLimitedError);
    expect((err as RateLimitedError).retryAfterS).toBe(45);
  });

  it('when another client calls, then it has its own budget', () => {
    const rl = createRateLimiter({ limit: 1, windowMs: 60_000, now: () => 0 });
    rl.hit('a');
    expect(() => rl.hit('b')).not.toThrow();
  });

  it('when the window has passed, then the client may call again', () => {
    let now = 0;
    const rl = createRateLimiter({ limit: 1, windowMs: 1000, now: () => now });
    rl.hit('a');
    now = 1000;
    expect(() => rl.hit('a')).not.toThrow();
  });

  it('when the table of clients is full of live windows, then a new client is served and the oldest is evicted', () => {
    let now = 0;
    const rl = createRateLimiter({ limit: 1, windowMs: 1000, now: () => now, maxKeys: 2 });
    rl.hit('a');
    now = 1;
    rl.hit('b');
    expect(() => rl.hit('c')).not.toThrow();
    expect(rl.size).toBe(2);
    // a was evicted (its budget starts anew), b kept its spent one
    expect(() => rl.hit('a')).not.toThrow();
    expect(() => rl.hit('c')).toThrow(RateLimitedError);
  });

  it('when a window starts anew, then its client counts as the newest for eviction', () => {
    let now = 0;
    const rl = createRateLimiter({ limit: 1, windowMs: 10, now: () => now, maxKeys: 2 });
    rl.hit('a');
    now = 5;
    rl.hit('b');
    now = 11;
    rl.hit('a'); // a's window restarts: now newer than b
    rl.hit('c'); // evicts b, the oldest
    expect(() => rl.hit('a')).toThrow(RateLimitedError);
    expect(() => rl.hit('b')).not.toThrow();
  });
});

describe('clientKey', () => {
  it.each([
    { addr: '203.0.113.7', want: '203.0.113.7' },
    { addr: '::ffff:203.0.113.7', want: '203.0.113.7' },
    { addr: '2001:db8:1:2:aaaa:bbbb:cccc:dddd', want: '2001:db8:1:2::/64' },
    { addr: '2001:db8:1:2::1', want: '2001:db8:1:2::/64' },
    { addr: '2001:0DB8:0001:0002::ffff', want: '2001:db8:1:2::/64' },
    { addr: '2001:db8::1', want: '2001:db8:0:0::/64' },
    { addr: '::1', want: '0:0:0:0::/64' },
    { addr: 'fe80::1%eth0', want: 'fe80:0:0:0::/64' },
    { addr: '64:ff9b::203.0.113.7', want: '64:ff9b:0:0::/64' },
  ])('when the client is $addr, then it is limited as $want', ({ addr, want }) => {
    expect(clientKey(addr)).toBe(want);
  });
});
