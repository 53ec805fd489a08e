import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { masterBackupPassword, sealKeyFromFile } from './backup-password.ts';

// Bytes 0..31, base64: a fixed key whose password was computed with sha256sum.
const KEY = 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=';
const PROD_PASSWORD = '3a39e9f21110f6ce43490bfcd8c4e966e8ccc58d65c5dc80a807cdf3993d59f9';

describe('master backup password', () => {
  it('when derived, then it is the hex SHA-256 of the versioned context, the fleet name and the key', () => {
    expect(masterBackupPassword('prod', KEY).reveal()).toBe(PROD_PASSWORD);
  });

  it.each([
    { name: 'a trailing newline', file: `${KEY}\n` },
    { name: 'CRLF line ends', file: `${KEY}\r\n` },
    { name: 'spaces and tabs around', file: ` \t${KEY} \t\n\n` },
  ])('when the key file has $name, then the password is the same', ({ file }) => {
    expect(masterBackupPassword('prod', file).reveal()).toBe(PROD_PASSWORD);
  });

  it('when the fleet name differs, then the password differs', () => {
    expect(masterBackupPassword('staging', KEY).reveal()).not.toBe(PROD_PASSWORD);
  });

  it.each([
    { name: 'empty', file: '' },
    { name: 'a key line with a comment line', file: `# fleet seal key\n${KEY}\n` },
    { name: 'a truncated key', file: KEY.slice(0, 40) },
    { name: 'the key inside JSON', file: `{"privateKey":"${KEY}"}` },
  ])('when the key file is $name, then it is refused without echoing its content', ({ file }) => {
    let message = '';
    try {
      sealKeyFromFile(file);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/expected the 44-character base64 private key printed by supafleet keygen/);
    expect(message).not.toContain(KEY.slice(0, 20));
  });

  it.each(['', 'Prod', 'a', 'prod\nx', '-prod'])(
    'when the fleet name is "%s", then it is refused',
    (fleet) => {
      expect(() => masterBackupPassword(fleet, KEY)).toThrow(/expected the name from fleet\.yaml/);
    },
  );

  it('when the password is printed by accident, then it shows [redacted]', () => {
    const password = masterBackupPassword('prod', KEY);
    expect(`${password} ${JSON.stringify({ password })} ${inspect(password)}`).not.toContain(PROD_PASSWORD);
  });
});
