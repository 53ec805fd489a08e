/**
 * The worker's first-boot backup key script, run for real by bash with stand-ins for
 * ssh-keygen, sftp, chown and sleep on PATH: the key is made on the worker, its public
 * half goes to the sub-account's .ssh/authorized_keys with the one-time password, the
 * key alone must then log in, and the password is gone afterwards whatever happened.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { staticFile } from '../shared/static-file.ts';
import { missingTools, shellcheck } from './validators.ts';

const SCRIPT = staticFile(import.meta.url, '../worker/static/backup-key.sh');
const PASSWORD = 'oneTimePassw0rd_xyz-Aa1-';
const TARGET = 'u123456-sub3@u123456.your-storagebox.de';
const missing = missingTools(['bash', 'jq']);

const STUBS: Record<string, string> = {
  'ssh-keygen': `#!/bin/sh
echo "ssh-keygen $*" >>"$STUB_LOG"
while [ $# -gt 0 ]; do [ "$1" = -f ] && f=$2; shift; done
echo PRIVATE >"$f"; echo "ssh-ed25519 AAAAPUBLIC supafleet-backup" >"$f.pub"`,
  // The install call logs its commands and whether askpass gave the password; the check (-b) fails on demand.
  sftp: `#!/bin/sh
case " $* " in
  *" -b "*) echo "sftp-check $*" >>"$STUB_LOG"; cat >/dev/null; [ -z "$CHECK_FAILS" ] || exit 1; exit 0 ;;
esac
echo "sftp-install $*" >>"$STUB_LOG"
if [ "$SSH_ASKPASS_REQUIRE" = force ] && [ "$("$SSH_ASKPASS")" = "$EXPECTED_PASSWORD" ]; then echo askpass-ok >>"$STUB_LOG"; fi
cat >>"$STUB_LOG"`,
  chown: `#!/bin/sh
echo "chown $*" >>"$STUB_LOG"`,
  sleep: `#!/bin/sh
echo "sleep $*" >>"$STUB_LOG"`,
};

let root = '';
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'sf-backup-key-'));
  mkdirSync(join(root, 'bin'));
  for (const [name, body] of Object.entries(STUBS)) {
    writeFileSync(join(root, 'bin', name), `${body}\n`);
    chmodSync(join(root, 'bin', name), 0o755);
  }
  for (const d of ['etc/supafleet', 'var/log', 'opt/supafleet'])
    mkdirSync(join(root, d), { recursive: true });
  writeFileSync(
    join(root, 'etc/supafleet/backup-account.json'),
    JSON.stringify({ target: TARGET, password: PASSWORD, agent_uid: 1000 }),
    { mode: 0o600 },
  );
  writeFileSync(join(root, 'script.sh'), SCRIPT);
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

function run(env: Record<string, string> = {}) {
  const log = join(root, 'stub.log');
  const r = spawnSync('bash', [join(root, 'script.sh')], {
    encoding: 'utf8',
    timeout: 30_000,
    env: {
      PATH: `${join(root, 'bin')}:${process.env.PATH}`,
      SUPAFLEET_ROOT: root,
      STUB_LOG: log,
      EXPECTED_PASSWORD: PASSWORD,
      ...env,
    },
  });
  const etc = join(root, 'etc/supafleet');
  return {
    code: r.status,
    out: r.stdout + r.stderr,
    log: existsSync(log) ? readFileSync(log, 'utf8') : '',
    bootLog: readFileSync(join(root, 'var/log/supafleet-bootstrap.log'), 'utf8'),
    leftovers: ['backup-account.json', '.backup-password', '.backup-askpass'].filter((f) =>
      existsSync(join(etc, f)),
    ),
    target: existsSync(join(etc, 'backup-target'))
      ? readFileSync(join(etc, 'backup-target'), 'utf8')
      : undefined,
  };
}

describe.skipIf(missing.length > 0)('the backup key script', () => {
  it('when the sub-account takes the password, then the key is made here, its public half is installed and checked, and the password is gone', () => {
    const r = run();
    expect(r.code).toBe(0);
    expect(r.log).toMatch(
      /^ssh-keygen -q -t ed25519 -N {2}-C supafleet-backup -f .*\/etc\/supafleet\/backup\.key$/m,
    );
    expect(r.log).toContain('askpass-ok');
    expect(r.log).toMatch(
      /sftp-install -P 23 .* -o PubkeyAuthentication=no .* u123456-sub3@u123456\.your-storagebox\.de\n/,
    );
    expect(r.log).toContain(`put ${root}/etc/supafleet/backup.key.pub .ssh/authorized_keys`);
    expect(r.log).toMatch(
      /sftp-check -b - -P 23 .* -i .*backup\.key -o IdentitiesOnly=yes -o BatchMode=yes u123456-sub3@/,
    );
    expect(r.target).toBe(`${TARGET}\n`);
    expect(r.log).toContain(`chown 1000:1000 ${root}/etc/supafleet/backup.key`);
    expect(r.bootLog).toContain('backup key installed for u123456-sub3@');
    expect(r.leftovers).toEqual([]);
    expect(r.out + r.log.replace('askpass-ok', '') + r.bootLog).not.toContain(PASSWORD);
  });

  it('when the key never works, then it tries five times, says so, goes on (exit 0) and still removes the password', () => {
    const r = run({ CHECK_FAILS: '1' });
    expect(r.code).toBe(0);
    expect(r.log.match(/^sftp-install /gm)).toHaveLength(5);
    expect(r.bootLog).toContain('could not install the backup key at u123456-sub3@');
    expect(r.leftovers).toEqual([]);
    expect(r.bootLog).not.toContain(PASSWORD);
  });

  it('when the account file is not user@host, then nothing is installed and the file is removed', () => {
    writeFileSync(
      join(root, 'etc/supafleet/backup-account.json'),
      JSON.stringify({ target: 'x; reboot', password: PASSWORD, agent_uid: 1000 }),
    );
    const r = run();
    expect(r.code).toBe(0);
    expect(r.log).toBe('');
    expect(r.leftovers).toEqual([]);
  });

  it('when the key exists already (a re-run), then it is kept', () => {
    writeFileSync(join(root, 'etc/supafleet/backup.key'), 'EXISTING\n');
    const r = run();
    expect(r.log).not.toContain('ssh-keygen');
    expect(readFileSync(join(root, 'etc/supafleet/backup.key'), 'utf8')).toBe('EXISTING\n');
  });

  it('when shellcheck reads it, then it finds nothing', () => {
    if (missingTools(['shellcheck']).length > 0 && process.env.CI !== 'true') return;
    expect(shellcheck(SCRIPT)).toEqual([]);
  });
});
