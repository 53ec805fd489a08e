import { describe, expect, it } from 'vitest';
import { merge, table } from './run.ts';
import type { BenchResult } from './types.ts';

const r = (name: string, value: number, ok = true): BenchResult => ({
  name,
  value,
  unit: 'ms',
  target: '< 10',
  ok,
});

describe('bench runner', () => {
  it('when a filtered run finishes, then its figures replace those of the same name and the rest are kept', () => {
    expect(merge([r('a', 1), r('b', 2)], [r('b', 3), r('c', 4)])).toEqual([r('a', 1), r('b', 3), r('c', 4)]);
  });

  it('when a figure names what it was of, then the table shows it and the next run replaces it by name', () => {
    const first = { ...r('slowest file', 5), detail: 'block keys' };
    const second = { ...r('slowest file', 6), detail: 'flow lists' };
    expect(merge([first], [second])).toEqual([second]);
    expect(table([second])).toMatch(/slowest file \(flow lists\)\s+6\s+ms/);
  });

  it('when a target is missed, then the table marks it', () => {
    expect(table([r('fast', 1), r('slow', 20.5, false)])).toMatch(/slow\s+20\.5\s+ms\s+< 10\s+MISSED/);
  });
});
