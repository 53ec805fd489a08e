import { describe, expect, it } from 'vitest';
import { masterBackupPassword } from '../../cloud-init/master/backup-password.ts';
import { runCli } from '../../test/support/cli-io.ts';

const KEY = 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=';

describe('supafleet master backup-password', () => {
  it('when given the fleet and the seal private key on stdin, then it prints the master restic password', async () => {
    const run = await runCli(['master', 'backup-password', '--fleet', 'prod'], {
      cwd: '/',
      stdin: `${KEY}\n`,
    });
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('3a39e9f21110f6ce43490bfcd8c4e966e8ccc58d65c5dc80a807cdf3993d59f9\n');
    expect(run.stdout).toBe(`${masterBackupPassword('prod', KEY).reveal()}\n`);
    expect(run.stderr).toBe('');
  });

  it('when stdin holds no valid key, then it exits 2 without printing a password or the input', async () => {
    const input = `${KEY.slice(0, 30)}\n`;
    const run = await runCli(['master', 'backup-password', '--fleet', 'prod'], { cwd: '/', stdin: input });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/seal private key is not valid .*\(standard input\)/);
    expect(run.stderr).not.toContain(KEY.slice(0, 30));
  });

  it('when --fleet is missing or invalid, then it exits 2 naming the option', async () => {
    const none = await runCli(['master', 'backup-password'], { cwd: '/', stdin: KEY });
    const bad = await runCli(['master', 'backup-password', '--fleet', 'Prod!'], { cwd: '/', stdin: KEY });
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/--fleet/);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/fleet name "Prod!" is not valid/);
    expect(none.stdout + bad.stdout).toBe('');
  });
});
