/**
 * `supafleet render worker|master`, run as a user runs it (the real binary, in a
 * child process) on the example fleet: it writes user_data and the stack, prints
 * the size table, and stays within the budget targets.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { MASTER_TARGET, WORKER_TARGET } from '../shared/budget.ts';
import { EXAMPLES_ROOT } from './cases.ts';
import { decodeUserData } from './decode.ts';

const BIN = fileURLToPath(new URL('../../cli/bin/supafleet.js', import.meta.url));
const out = mkdtempSync(join(tmpdir(), 'sf-render-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function totalFrom(stdout: string): number {
  const m = /^user_data: (\d+) bytes, ([\d.]+)% of 32 KiB/m.exec(stdout);
  expect(m, stdout).not.toBeNull();
  return Number(m![1]);
}

describe('supafleet render', () => {
  it.each(['acme', 'blog', 'shop'])(
    'when a worker is rendered for %s, then its files are written and the table shows user_data within 8 KiB',
    (name) => {
      const dir = join(out, name);
      const r = cli('render', 'worker', '--root', EXAMPLES_ROOT, '--project', name, '--out', dir);
      expect(r.code, r.stderr).toBe(0);
      const total = totalFrom(r.stdout);
      expect(total).toBe(statSync(join(dir, 'user-data.yaml')).size);
      expect(total).toBeLessThanOrEqual(WORKER_TARGET);
      expect(r.stdout).toContain('bundle/docker-compose.yml');
      expect(r.stdout).toContain('PLACEHOLDERS');
      expect(statSync(join(dir, 'bundle', '.env')).mode & 0o777).toBe(0o600);
      expect(statSync(join(dir, 'bundle', 'backup', 'backup.sh')).mode & 0o777).toBe(0o755);
      expect(readFileSync(join(dir, 'bundle', '.env'), 'utf8')).toContain('PLACEHOLDER_');
    },
  );

  it('when the fleet gives each project a Storage Box sub-account, then the worker renders with a placeholder sub-account', () => {
    const root = join(out, 'subaccounts');
    cpSync(EXAMPLES_ROOT, root, { recursive: true });
    const fleetYaml = readFileSync(join(root, 'fleet.yaml'), 'utf8');
    writeFileSync(join(root, 'fleet.yaml'), fleetYaml.replace('shared_credential: true', 'id: 4711'));
    const dir = join(out, 'subaccounts-acme');
    const r = cli('render', 'worker', '--root', root, '--project', 'acme', '--out', dir);
    expect(r.code, r.stderr).toBe(0);
    const { files } = decodeUserData(readFileSync(join(dir, 'user-data.yaml'), 'utf8'));
    const account = files.find((f) => f.path === '/etc/supafleet/backup-account.json');
    expect(JSON.parse(account!.content)).toMatchObject({
      target: 'placeholder-subaccount@placeholder-subaccount.storage-box.invalid',
      password: 'PLACEHOLDER_subaccount_password',
    });
    expect(totalFrom(r.stdout)).toBeLessThanOrEqual(WORKER_TARGET);
  });

  it('when the master is rendered, then its stack is written and the table shows user_data within 18 KiB', () => {
    const dir = join(out, 'master');
    const r = cli('render', 'master', '--root', EXAMPLES_ROOT, '--out', dir);
    expect(r.code, r.stderr).toBe(0);
    expect(totalFrom(r.stdout)).toBeLessThanOrEqual(MASTER_TARGET);
    expect(existsSync(join(dir, 'stack', 'opt', 'supafleet-master', 'caddy', 'Caddyfile'))).toBe(true);
    expect(existsSync(join(dir, 'stack', 'etc', 'wireguard', 'wg0.conf'))).toBe(true);
  });

  it('when the project does not exist, then render names the projects it knows and exits 2', () => {
    const r = cli(
      'render',
      'worker',
      '--root',
      EXAMPLES_ROOT,
      '--project',
      'nope',
      '--out',
      join(out, 'nope'),
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no project named "nope"; expected one of: ');
    expect(existsSync(join(out, 'nope'))).toBe(false);
  });
});
