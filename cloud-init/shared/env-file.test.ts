import { describe, expect, it } from 'vitest';
import { composeLiteral, envLine, parseEnvFile, renderEnvFile } from './env-file.ts';

describe('env files', () => {
  it.each([
    ['plain hex', '0123abcd'],
    ['a command substitution', '$(reboot)'],
    ['a variable reference', '${JWT_SECRET} $HOME'],
    ['backticks', '`id`'],
    ['a hash', 'pass#word # comment'],
    ['double quotes and backslashes inside', 'a "b" \\c'],
    ['percent signs', '100% %s'],
    ['unicode', 'ünïcødé ✓ 🚀'],
    ['spaces at both ends', '  padded  '],
    ['an equals sign', 'a=b=c'],
    ['the empty string', ''],
  ])('when a value holds %s, then it reads back literally', (_name, value) => {
    expect(parseEnvFile(renderEnvFile({ SOME_KEY: value }))).toEqual({ SOME_KEY: value });
    expect(envLine('SOME_KEY', value)).toBe(`SOME_KEY='${value}'`);
  });

  it.each([
    ['a single quote', "it's"],
    ['a newline', 'a\nb'],
    ['a carriage return', 'a\rb'],
    ['a NUL', 'a\0b'],
    ['a trailing backslash', 'abc\\'],
  ])(
    'when a value holds %s, then it is refused with an error naming the key but not the value',
    (_name, value) => {
      let message = '';
      try {
        envLine('SMTP_PASS', value);
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).toContain('SMTP_PASS');
      expect(message).not.toContain(value);
    },
  );

  it.each(['lower', '1LEADING_DIGIT', 'WITH-DASH', 'WITH SPACE', ''])(
    'when the key is %j, then it is refused',
    (key) => {
      expect(() => envLine(key, 'x')).toThrow(/is not a valid name/);
    },
  );

  it('when entries are given in any order, then the file lists them sorted by key', () => {
    expect(renderEnvFile({ B: '2', A: '1' })).toBe("A='1'\nB='2'\n");
  });

  it('when a value goes into a compose file, then every $ is doubled so Compose reads it literally', () => {
    expect(composeLiteral('$(x) ${Y} $$')).toBe('$$(x) $${Y} $$$$');
  });
});
