import { describe, expect, it } from 'vitest';
import { runBounded } from './parallel.ts';

describe('bounded parallel runner', () => {
  it('when ten tasks run with a limit of three, then at most three run at once and results keep their order', async () => {
    let running = 0;
    let peak = 0;
    const out = await runBounded([...Array(10).keys()], 3, async (n) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, 1 + (n % 3)));
      running--;
      if (n === 4) throw new Error('four failed');
      return n * 2;
    });
    expect(peak).toBe(3);
    expect(out.map((r) => (r.ok ? r.value : r.error.message))).toEqual([
      0,
      2,
      4,
      6,
      'four failed',
      10,
      12,
      14,
      16,
      18,
    ]);
  });

  it.each([0, -1, 1.5, Number.NaN])('when the limit is %s, then it is refused', async (limit) => {
    await expect(runBounded([1], limit, async (x) => x)).rejects.toThrow(/parallelism .* is not valid/);
  });

  it('when there is nothing to run, then the result is empty', async () => {
    expect(await runBounded([], 4, async (x) => x)).toEqual([]);
  });
});
