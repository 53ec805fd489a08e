import { describe, expect, it } from 'vitest';
import { RateLimitedError } from './errors.ts';
import { createRateLimiter } from './rate-limit.ts';

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

  it('when the table of clients is full of live windows, then new clients are refused rather than memory growing', () => {
    const rl = createRateLimiter({ limit: 5, windowMs: 1000, now: () => 0, maxKeys: 2 });
    rl.hit('a');
    rl.hit('b');
    expect(() => rl.hit('c')).toThrow(RateLimitedError);
  });
});
