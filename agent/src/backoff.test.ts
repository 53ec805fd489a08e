import { describe, expect, it } from 'vitest';
import { Backoff, backoffCeiling, backoffDelay, DEFAULT_BACKOFF } from './backoff.ts';

describe('backoff (exponential, full jitter)', () => {
  it('when failures pile up, then the ceiling doubles from 1 s and stops at 60 s', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 50, 5000].map((f) => backoffCeiling(f, DEFAULT_BACKOFF))).toEqual([
      1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000, 60_000, 60_000,
    ]);
  });

  it.each([
    [0, 3, 0],
    [0.5, 3, 2_000],
    [0.999999, 3, 3_999],
    [0.999999, 12, 59_999],
  ])(
    'when random is %s after %s failures, then the wait is %s ms (a share of the whole ceiling)',
    (r, f, want) => {
      expect(backoffDelay(f, DEFAULT_BACKOFF, r)).toBe(want);
    },
  );

  it('when a try succeeds, then the next failure starts again from the base', () => {
    const b = new Backoff(DEFAULT_BACKOFF, () => 0.5);
    expect([b.fail(), b.fail(), b.fail(), b.fail()]).toEqual([500, 1_000, 2_000, 4_000]);
    expect(b.succeed()).toBe(4);
    expect(b.failures).toBe(0);
    expect(b.fail()).toBe(500);
  });
});
