/**
 * The master's first-boot script, run for real by bash under a scratch root (real
 * openssl, wg and jq; docker and systemctl are stand-ins): it generates every
 * master secret into a `.env` Compose reads literally, keeps them across re-runs,
 * writes the first admin login, and starts wg0 and the stack.
 */
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { resolveFleet } from '../../core/spec/defaults.ts';
import { MASTER_API_UID } from '../master/keys.ts';
import { MASTER_SECRET_SPECS } from '../master/secrets.ts';
import { renderMasterUserData } from '../master/user-data.ts';
import { parseEnvFile } from '../shared/env-file.ts';
import { decodeUserData } from './decode.ts';
import { fleetSpec } from './fixtures/specs.ts';
import { missingTools } from './validators.ts';

const missing = missingTools(['bash', 'jq', 'openssl', 'wg']);

let dir = '';
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sf-master-up-'));
  mkdirSync(join(dir, 'bin'));
  const stub = (name: string, body: string) => {
    writeFileSync(join(dir, 'bin', name), `#!/bin/sh\necho "${name} $*" >>"$STUB_LOG"\n${body}\n`);
    chmodSync(join(dir, 'bin', name), 0o755);
  };
  stub('systemctl', '');
  stub(
    'docker',
    [
      'case "$*" in',
      // Authelia's --random output: the password it made up, then its digest
      '  *"crypto hash generate"*) echo "Random Password: RandomAdminPasswordFromAuthelia1"; echo "Digest: \\$2b\\$12\\$abcdefghijklmnopqrstuv" ;;',
      // Caddy reads the password from stdin when --plaintext is not given
      '  *hash-password*) cat >"$STUB_LOG.stdin"; echo "\\$2a\\$14\\$abcdefghijklmnopqrstuv" ;;',
      'esac',
    ].join('\n'),
  );
  mkdirSync(join(dir, 'root', 'var', 'log'), { recursive: true });
  mkdirSync(join(dir, 'root', 'root'), { recursive: true });
  mkdirSync(join(dir, 'root', 'etc', 'cron.d'), { recursive: true });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function runMasterUp(authelia: boolean, opts: { restore?: boolean; restored?: boolean } = {}) {
  const fleet = resolveFleet({ ...fleetSpec, authelia: { enabled: authelia } });
  const { files } = decodeUserData(renderMasterUserData({ fleet, restore: opts.restore }).text);
  if (opts.restored)
    files.push({ path: '/etc/supafleet/restored.json', content: '{}\n', permissions: '0600' });
  for (const f of files) {
    const path = join(dir, 'root', f.path);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, f.content, { mode: Number.parseInt(f.permissions, 8) });
  }
  const r = spawnSync('bash', [join(dir, 'root', 'usr', 'local', 'sbin', 'supafleet-master-up')], {
    encoding: 'utf8',
    timeout: 60_000,
    env: {
      PATH: `${join(dir, 'bin')}:${process.env.PATH}`,
      SUPAFLEET_ROOT: join(dir, 'root'),
      STUB_LOG: join(dir, 'stub.log'),
    },
  });
  const read = (...p: string[]) => readFileSync(join(dir, 'root', ...p), 'utf8');
  return {
    code: r.status,
    log: existsSync(join(dir, 'stub.log')) ? readFileSync(join(dir, 'stub.log'), 'utf8') : '',
    read,
  };
}

describe.skipIf(missing.length > 0)('master first-boot script', () => {
  it('when it runs, then every master secret is generated into .env (mode 0600) and the stack starts after wg0', () => {
    const r = runMasterUp(true);
    expect(r.code, r.read('var', 'log', 'supafleet-bootstrap.log')).toBe(0);
    const env = parseEnvFile(r.read('opt', 'supafleet-master', '.env'));
    for (const s of MASTER_SECRET_SPECS) {
      const shape = s.encoding === 'base64' ? '^[A-Za-z0-9+/]{43}=$' : `^[0-9a-f]{${s.bytes * 2}}$`;
      expect(env[s.env], s.env).toMatch(new RegExp(shape));
    }
    expect(new Set(Object.values(env)).size).toBe(MASTER_SECRET_SPECS.length);
    expect(statSync(join(dir, 'root', 'opt', 'supafleet-master', '.env')).mode & 0o777).toBe(0o600);
    expect(existsSync(join(dir, 'root', 'opt', 'supafleet-master', 'backup', 'restic-password'))).toBe(false);
    expect(r.read('etc', 'supafleet', 'wg0.pub')).toMatch(/^[A-Za-z0-9+/]{43}=\n$/);
    expect(r.read('etc', 'wireguard', 'supafleet', 'peers.conf')).toBe('');
    const users = parse(r.read('opt', 'supafleet-master', 'authelia', 'users.yml'));
    expect(users.users.admin.password).toBe('$2b$12$abcdefghijklmnopqrstuv');
    expect(users.users.admin.email).toBe('admin@example.com');
    expect(r.log).toContain('systemctl enable --now wg-quick@wg0');
    expect(r.log).toMatch(
      /docker compose -p supafleet-master --project-directory \S+ -f \S+\/docker-compose\.yml up -d/,
    );
    expect(r.read('etc', 'cron.d', 'supafleet-master-backup')).toContain('0 4 * * * root ');
  });

  it('when it runs again, then the secrets are kept, not regenerated', () => {
    const first = runMasterUp(true);
    const before = first.read('opt', 'supafleet-master', '.env');
    const again = runMasterUp(true);
    expect(again.code).toBe(0);
    expect(again.read('opt', 'supafleet-master', '.env')).toBe(before);
  });

  it('when the master was rebuilt to be restored, then it logs that a restore is pending and generates and starts nothing', () => {
    const r = runMasterUp(true, { restore: true });
    expect(r.code).toBe(0);
    expect(r.read('var', 'log', 'supafleet-bootstrap.log')).toMatch(
      /supafleet-master: restore pending: install \/etc\/supafleet\/fleet-seal\.key and \/etc\/supafleet\/backup\.key, then run sudo supafleet-master-restore\n$/,
    );
    expect(existsSync(join(dir, 'root', 'opt', 'supafleet-master', '.env'))).toBe(false);
    expect(existsSync(join(dir, 'root', 'etc', 'wireguard', 'wg0.key'))).toBe(false);
    expect(existsSync(join(dir, 'root', 'root', 'supafleet-admin-password'))).toBe(false);
    expect(existsSync(join(dir, 'root', 'etc', 'cron.d', 'supafleet-master-backup'))).toBe(false);
    expect(r.log).toBe('');
  });

  it('when the restore has written its marker, then the rebuilt master boots as usual', () => {
    const r = runMasterUp(true, { restore: true, restored: true });
    expect(r.code, r.read('var', 'log', 'supafleet-bootstrap.log')).toBe(0);
    expect(r.read('var', 'log', 'supafleet-bootstrap.log')).not.toContain('restore pending');
    expect(parseEnvFile(r.read('opt', 'supafleet-master', '.env')).POSTGRES_PASSWORD).toMatch(
      /^[0-9a-f]{32}$/,
    );
    expect(r.log).toMatch(/docker compose -p supafleet-master .* up -d/);
  });

  it.each([true, false])(
    'when it runs (Authelia %s), then no secret appears on any command line',
    (authelia) => {
      const r = runMasterUp(authelia);
      expect(r.code, r.read('var', 'log', 'supafleet-bootstrap.log')).toBe(0);
      const password = r.read('root', 'supafleet-admin-password');
      const secrets = [password, ...Object.values(parseEnvFile(r.read('opt', 'supafleet-master', '.env')))];
      // r.log holds the argv of every docker and systemctl call the script made
      for (const secret of secrets) expect(r.log).not.toContain(secret);
      if (authelia) {
        expect(password).toBe('RandomAdminPasswordFromAuthelia1');
        // Authelia prints the password: its container keeps no log of it
        expect(r.log).toMatch(
          /^docker run --rm --log-driver none \S+ authelia crypto hash generate .*--random/m,
        );
      }
      if (!authelia) expect(readFileSync(join(dir, 'stub.log.stdin'), 'utf8')).toBe(`${password}\n`);
    },
  );

  it('when it runs, then the master API encryption key is in a file that only the master image user reads', () => {
    const r = runMasterUp(true);
    expect(r.code).toBe(0);
    const path = join(dir, 'root', 'opt', 'supafleet-master', 'secrets', 'secrets-key');
    const key = parseEnvFile(r.read('opt', 'supafleet-master', '.env')).SUPAFLEET_SECRETS_KEY;
    expect(readFileSync(path, 'utf8')).toBe(`${key}\n`);
    const st = statSync(path);
    expect([st.mode & 0o777, st.uid]).toEqual([0o400, 1000]);
    // and again: rewritten from .env (a restore may have replaced it)
    expect(runMasterUp(true).code).toBe(0);
    expect(readFileSync(path, 'utf8')).toBe(`${key}\n`);
  });

  it("when it runs, then the master API's user alone owns the peers directory and file, which it replaces atomically, and nothing else of /etc/wireguard", () => {
    expect(runMasterUp(true).code).toBe(0);
    const peers = join(dir, 'root', 'etc', 'wireguard', 'supafleet');
    const d = statSync(peers);
    const f = statSync(join(peers, 'peers.conf'));
    expect([d.mode & 0o777, d.uid, f.mode & 0o777, f.uid]).toEqual([
      0o700,
      MASTER_API_UID,
      0o600,
      MASTER_API_UID,
    ]);
    expect(statSync(join(dir, 'root', 'etc', 'wireguard')).uid).toBe(0);
    expect(statSync(join(dir, 'root', 'etc', 'wireguard', 'wg0.key')).uid).toBe(0);
  });

  it("when a peers file lies beside wg0.conf (a snapshot of an earlier layout), then master-up moves it into the API's directory", () => {
    const old = join(dir, 'root', 'etc', 'wireguard', 'peers.conf');
    mkdirSync(dirname(old), { recursive: true });
    writeFileSync(old, '[Peer]\nPublicKey = x\n', { mode: 0o600 });
    expect(runMasterUp(true).code).toBe(0);
    expect(existsSync(old)).toBe(false);
    expect(readFileSync(join(dir, 'root', 'etc', 'wireguard', 'supafleet', 'peers.conf'), 'utf8')).toBe(
      '[Peer]\nPublicKey = x\n',
    );
  });

  it("when user_data wrote the fleet file as root's, then master-up hands it to the master API's user, who must read it to start", () => {
    const r = runMasterUp(true);
    expect(r.code).toBe(0);
    const st = statSync(join(dir, 'root', 'etc', 'supafleet', 'fleet.yaml'));
    expect([st.mode & 0o777, st.uid, st.gid]).toEqual([0o400, MASTER_API_UID, MASTER_API_UID]);
  });

  it("when the seal key is root's (installed so, or restored from a backup), then master-up hands it to the master API's user alone", () => {
    const key = join(dir, 'root', 'etc', 'supafleet', 'fleet-seal.key');
    mkdirSync(dirname(key), { recursive: true });
    writeFileSync(key, `${'k'.repeat(43)}=\n`, { mode: 0o600 });
    expect(statSync(key).uid).toBe(process.getuid!());
    expect(runMasterUp(true).code).toBe(0);
    const st = statSync(key);
    expect([st.mode & 0o777, st.uid, st.gid]).toEqual([0o400, MASTER_API_UID, MASTER_API_UID]);
    expect(readFileSync(key, 'utf8')).toBe(`${'k'.repeat(43)}=\n`);
  });

  it('when Authelia is off, then a basic-auth hash is added to .env for Caddy', () => {
    const r = runMasterUp(false);
    expect(r.code).toBe(0);
    expect(parseEnvFile(r.read('opt', 'supafleet-master', '.env')).DASHBOARD_PASSWORD_HASH).toBe(
      '$2a$14$abcdefghijklmnopqrstuv',
    );
  });
});
