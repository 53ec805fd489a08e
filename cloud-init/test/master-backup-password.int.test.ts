/**
 * The master's backup password script, run by bash: it derives the same password
 * as the TypeScript function (and so as `supafleet master backup-password`) for
 * every key, never passes the key to another process as an argument, and refuses
 * a missing or malformed key file without printing it.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { masterBackupPassword } from '../master/backup-password.ts';
import { staticFile } from '../shared/static-file.ts';
import { missingTools } from './validators.ts';

const SCRIPT = staticFile(import.meta.url, '../master/static/master-backup-password.sh');
const missing = missingTools(['bash', 'jq', 'sha256sum']);

let dir = '';
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sf-backup-password-'));
  mkdirSync(join(dir, 'root', 'etc', 'supafleet'), { recursive: true });
  writeFileSync(join(dir, 'script.sh'), SCRIPT, { mode: 0o755 });
  // Every external command the script may run, wrapped to record its arguments.
  mkdirSync(join(dir, 'bin'));
  for (const tool of ['cat', 'cut', 'jq', 'sha256sum']) {
    const real = spawnSync('bash', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim();
    writeFileSync(
      join(dir, 'bin', tool),
      `#!/bin/sh\necho "${tool} $*" >>"${dir}/argv.log"\nexec ${real} "$@"\n`,
    );
    chmodSync(join(dir, 'bin', tool), 0o755);
  }
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function derive(fleet: string, keyFile: string | undefined) {
  writeFileSync(join(dir, 'root', 'etc', 'supafleet', 'master.json'), JSON.stringify({ fleet }));
  const keyPath = join(dir, 'root', 'etc', 'supafleet', 'fleet-seal.key');
  if (keyFile === undefined) rmSync(keyPath, { force: true });
  else writeFileSync(keyPath, keyFile, { mode: 0o600 });
  const r = spawnSync('bash', [join(dir, 'script.sh')], {
    encoding: 'utf8',
    timeout: 20_000,
    env: { PATH: `${join(dir, 'bin')}:${process.env.PATH}`, SUPAFLEET_ROOT: join(dir, 'root') },
  });
  let argv = '';
  try {
    argv = readFileSync(join(dir, 'argv.log'), 'utf8');
  } catch {
    // no external command ran
  }
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, argv };
}

describe.skipIf(missing.length > 0)('master backup password script', () => {
  const keys = Array.from({ length: 6 }, () => randomBytes(32).toString('base64'));
  const layouts = [
    (k: string) => k,
    (k: string) => `${k}\n`,
    (k: string) => `  ${k}\r\n\n`,
    (k: string) => `\t${k} `,
  ];

  it('when run on several keys and key file layouts, then it prints what the TypeScript derivation gives', () => {
    for (const [i, key] of keys.entries()) {
      const file = layouts[i % layouts.length]!(key);
      const fleet = i % 2 === 0 ? 'prod' : 'fleet-2';
      const r = derive(fleet, file);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toBe(`${masterBackupPassword(fleet, file).reveal()}\n`);
      expect(r.argv, 'the key in an argument list').not.toContain(key);
      expect(r.stderr).toBe('');
    }
  });

  it.each([
    { name: 'missing', file: undefined },
    { name: 'empty', file: '' },
    { name: 'a truncated key', file: 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh' },
    { name: 'a key with a comment line', file: '# seal\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n' },
  ])('when the key file is $name, then it exits 1 naming the file and prints no key', ({ file }) => {
    const r = derive('prod', file);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/etc\/supafleet\/fleet-seal\.key is missing or not a seal private key/);
    expect(r.stderr).not.toContain('AAECAwQFBgcICQoLDA0O');
  });

  it('when master.json names no fleet, then it exits 1', () => {
    const r = derive('', keys[0]!);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/master\.json names no fleet/);
    expect(r.stderr + r.stdout).not.toContain(keys[0]!);
  });
});
