import { describe, expect, it } from 'vitest';
import { DEFAULT_BACKOFF, backoffCeiling, backoffDelay, rateLimitWait } from './retry.ts';

describe('backoff', () => {
  it('when retries go on, then the ceiling doubles from 1 s and stops at 60 s', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((n) => backoffCeiling(DEFAULT_BACKOFF, n))).toEqual([
      1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000,
    ]);
  });

  it('when jitter is drawn, then the delay is uniform between 0 and the ceiling (full jitter)', () => {
    expect(backoffDelay(DEFAULT_BACKOFF, 3, () => 0)).toBe(0);
    expect(backoffDelay(DEFAULT_BACKOFF, 3, () => 0.5)).toBe(2000);
    expect(backoffDelay(DEFAULT_BACKOFF, 3, () => 0.999999)).toBe(3999);
  });
});

describe('rateLimitWait', () => {
  const now = 1_700_000_000_000;
  const cases: [string, number | undefined, number | undefined, number][] = [
    ['requests remain', 5, now / 1000 + 30, 0],
    ['no header was seen', undefined, undefined, 0],
    ['none remain', 0, now / 1000 + 3, 3000],
    ['none remain and the reset is past', 0, now / 1000 - 3, 0],
    ['none remain and the reset is far away', 0, now / 1000 + 3600, 60_000],
  ];
  for (const [what, remaining, reset, want] of cases) {
    it(`when ${what}, then it waits ${want} ms`, () => {
      expect(rateLimitWait(remaining, reset, now, 60_000)).toBe(want);
    });
  }
});
