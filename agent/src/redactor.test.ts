import { describe, expect, it } from 'vitest';
import { envValues, Redactor, secretValues } from './redactor.ts';

describe('redactor', () => {
  it('when text contains registered values, then each is replaced, longest first', () => {
    const r = new Redactor();
    r.add('s3cr3t-value', 's3cr3t-value-longer', 'abc');
    expect(r.scrub('a s3cr3t-value-longer and s3cr3t-value and abc')).toBe(
      'a [redacted] and [redacted] and abc',
    );
  });

  it('when a dotenv file is read, then quotes, comments and export are handled', () => {
    const env = envValues('# c\nexport A=1\nB="two words"\nC=\'x=y\'\n  D = spaced  \nnot a line');
    expect([...env]).toEqual([
      ['A', '1'],
      ['B', 'two words'],
      ['C', 'x=y'],
      ['D', 'spaced'],
    ]);
  });

  it.each([
    ['.env', 'A=one\nB=two', ['one', 'two']],
    ['function-secrets.json', '{"STRIPE_KEY":"sk_live_1","nested":{"x":["y"]}}', ['sk_live_1', 'y']],
    ['backup/restic-password', 'hunter2-long\n', ['hunter2-long']],
  ])('when %s is a secret file, then its values are %j', (path, content, want) => {
    expect(secretValues(path, content)).toEqual(want);
  });
});
