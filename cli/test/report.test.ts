import { describe, expect, it } from 'vitest';
import { formatAnnotation, formatError } from '../report.ts';

describe('error formatting', () => {
  it.each([
    [
      { file: 'projects/acme.yaml', line: 4, column: 9, path: '/server/type', message: 'm' },
      'projects/acme.yaml:4:9 /server/type: m',
    ],
    [{ file: 'fleet.yaml', line: 1, column: 1, path: '', message: 'm' }, 'fleet.yaml:1:1: m'],
  ])('when the error is %j, then the line reads %s', (error, want) => {
    expect(formatError(error)).toBe(want);
  });

  it('when a message holds workflow-command characters, then the annotation escapes them', () => {
    const annotation = formatAnnotation(
      { file: 'projects/a,b:c.yaml', line: 2, column: 3, path: '/x', message: '100% wrong\nsecond line' },
      '/repo/fleet',
      '/repo',
    );
    expect(annotation).toBe(
      '::error file=fleet/projects/a%2Cb%3Ac.yaml,line=2,col=3,title=supafleet validate::/x: 100%25 wrong%0Asecond line',
    );
  });

  it('when an error is about the whole file, then the annotation places it at line 1, column 1', () => {
    expect(
      formatAnnotation({ file: 'fleet.yaml', line: 1, column: 1, path: '', message: 'missing' }, '/r', '/r'),
    ).toBe('::error file=fleet.yaml,line=1,col=1,title=supafleet validate::missing');
  });
});
