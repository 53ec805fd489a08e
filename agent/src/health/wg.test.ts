import { describe, expect, it } from 'vitest';
import { parseHandshakeAge } from './wg.ts';

describe('wg handshake age', () => {
  it.each([
    ['one peer 12 s ago', 'pubkeyA=\t1700000088\n', 12],
    ['the youngest of several', 'a=\t1700000000\nb=\t1700000095\n', 5],
    ['never', 'a=\t0\n', null],
    ['no output', '', null],
  ])('when %s, then the age is %s', (_n, out, want) => {
    expect(parseHandshakeAge(out, 1_700_000_100_000)).toBe(want);
  });
});
