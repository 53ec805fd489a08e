import { describe, expect, it } from 'vitest';
import { checkBundlePath, checkBundlePaths } from './bundle-path.ts';

describe('bundle paths', () => {
  it.each([
    'docker-compose.yml',
    '.env',
    'backup/backup.sh',
    'volumes/db/init/01-roles.sql',
    'functions/main/index.ts',
  ])('when the path is %s, then it is accepted', (p) => {
    expect(checkBundlePath(p)).toBeUndefined();
  });

  it.each([
    ['', /empty path/],
    ['/etc/passwd', /is absolute/],
    ['C:/x', /is absolute/],
    ['../x', /contains "\.\."/],
    ['a/../../x', /contains "\.\."/],
    ['a/..', /contains "\.\."/],
    ['a//b', /empty or "\." segment/],
    ['./a', /empty or "\." segment/],
    ['a/', /empty or "\." segment/],
    ['a\\..\\b', /backslash/],
    ['a\0b', /NUL/],
  ])('when the path is %j, then it is refused', (p, why) => {
    expect(checkBundlePath(p)).toMatch(why);
  });

  it('when a file is also used as a directory, then the bundle is refused', () => {
    expect(checkBundlePaths(['a', 'a/b'])).toEqual([
      'path "a/b" needs "a" as a directory, but the bundle has it as a file',
    ]);
  });

  it('when several paths are bad, then every one is reported', () => {
    expect(checkBundlePaths(['../a', '/b', 'ok.txt'])).toHaveLength(2);
  });
});
