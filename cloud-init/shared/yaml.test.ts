import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { HOSTILE } from '../test/hostile.ts';
import { toYaml } from './yaml.ts';

const roundTrips = (value: unknown) => {
  const text = toYaml(value);
  expect(parse(text, { version: '1.2' })).toEqual(value);
  expect(parse(text, { version: '1.1' })).toEqual(value);
};

describe('toYaml', () => {
  it.each(HOSTILE.map((v) => [JSON.stringify(v), v] as const))(
    'when a string is hostile (%s), then it reads back unchanged as a key and as a value',
    (_l, v) => {
      roundTrips({ [v]: v, list: [v, { [v]: [v] }] });
    },
  );

  it.each([
    'yes',
    'No',
    'on',
    'OFF',
    'y',
    'n',
    'true',
    'null',
    '~',
    '0600',
    '010',
    '1e3',
    '12:30',
    '0x1f',
    '.inf',
    '-',
    '- x',
    '? x',
    ': x',
    '*a',
    '&a',
    '!t',
    '%x',
    '@x',
    '`x',
    '"x"',
    "'x'",
    '',
    ' ',
    'a #b',
    'a: b',
    '[a]',
    '{a}',
    '|',
    '>',
  ])(
    'when a string looks like another YAML type or syntax (%j), then it still reads back as that string under YAML 1.1 and 1.2',
    (v) => roundTrips({ v, list: [v] }),
  );

  it('when data is nested, then mappings are sorted by key and lists keep their order', () => {
    expect(toYaml({ b: 1, a: { d: [3, 1, { z: true, y: null }], c: [] }, e: {} })).toBe(
      'a:\n  c: []\n  d:\n    - 3\n    - 1\n    - "y": null\n      z: true\nb: 1\ne: {}\n',
    );
  });

  it('when lists hold lists, then they nest with dashes', () => {
    roundTrips({ runcmd: [['bash', '-c', 'set -eu\necho "$x"\n'], ['/usr/local/sbin/x']] });
    expect(toYaml({ r: [['a', 'b']] })).toBe('r:\n  - - a\n    - b\n');
  });

  it('when a value is not JSON-like, then it is refused', () => {
    expect(() => toYaml({ a: Number.NaN })).toThrow(/NaN cannot be written/);
    expect(() => toYaml({ a: () => 1 })).toThrow(/type function/);
  });
});
