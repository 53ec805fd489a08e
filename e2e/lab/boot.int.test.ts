/**
 * How the lab plays cloud-init for a worker (worker.ts prepareBoot): the real
 * rendered user_data's files land under the worker's root, runcmd becomes
 * numbered scripts in order, and every OS-level step the lab does not run is
 * listed as skipped. The lab's own shell scripts pass shellcheck.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { placeholderEnrollment } from '../../cloud-init/placeholders.ts';
import { renderWorkerUserData } from '../../cloud-init/worker/user-data.ts';
import { resolveFleet, resolveProject } from '../../core/spec/defaults.ts';
import type { FleetSpec } from '../../core/spec/types.ts';
import { toolPresent } from '../../test/support/tools.ts';
import { prepareBoot } from './worker.ts';

const STATIC = join(dirname(fileURLToPath(import.meta.url)), 'static');

const fleet: FleetSpec = {
  name: 'lab',
  domain: 'example.com',
  github: { repository: 'acme-corp/fleet', repository_id: 1, owner_id: 2 },
  master: { server: { type: 'cx32', location: 'fsn1' } },
  network: { cidr: '10.100.0.0/24' },
  storage_box: { host: 'u1.your-storagebox.de', user: 'u1', shared_credential: true },
  seal: { public_key: '3q2+7wAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=' },
};
const userData = renderWorkerUserData({
  fleet: resolveFleet(fleet),
  project: resolveProject({ name: 'acme', server: { type: 'cx22', location: 'fsn1' } }),
  enrollment: placeholderEnrollment('example.com'),
}).text;

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('the lab playing cloud-init for a worker', () => {
  it('when a worker user_data is prepared, then runcmd keeps its order, hardening is skipped and listed, and the real unpack yields the real enroll script', () => {
    const dir = mkdtempSync(join(tmpdir(), 'supafleet-lab-boot-'));
    dirs.push(dir);
    const root = join(dir, 'root');
    prepareBoot(userData, root, dir);

    expect(readdirSync(join(dir, 'runcmd')).sort()).toEqual(['01.sh', '03.sh']);
    expect(readFileSync(join(dir, 'runcmd', '01.sh'), 'utf8')).toMatch(/^# inline script 1 \(bash -c\)\n/);
    expect(readFileSync(join(dir, 'runcmd', '03.sh'), 'utf8')).toBe(
      '# /usr/local/sbin/supafleet-enroll\nexec "$SUPAFLEET_ROOT/usr/local/sbin/supafleet-enroll"\n',
    );
    const log = readFileSync(join(dir, 'lab.log'), 'utf8');
    for (const skipped of [
      'skipped: runcmd /usr/local/sbin/supafleet-harden',
      'skipped: cloud-config packages',
      'skipped: cloud-config package_upgrade',
      'skipped: cloud-config users',
    ]) {
      expect(log).toContain(skipped);
    }

    const unpack = spawnSync('bash', [join(dir, 'runcmd', '01.sh')], {
      env: { PATH: process.env.PATH, SUPAFLEET_ROOT: root },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(unpack.status, unpack.stderr).toBe(0);
    const enroll = readFileSync(join(root, 'usr', 'local', 'sbin', 'supafleet-enroll'), 'utf8');
    expect(enroll).toContain('curl -fsS --max-time 30');
    expect(enroll.startsWith('#!/bin/bash\n')).toBe(true);
    expect(JSON.parse(readFileSync(join(root, 'etc', 'supafleet', 'enroll.json'), 'utf8'))).toMatchObject({
      master_url: 'https://fleet.example.com',
    });
  });

  it('when a user_data is not a cloud-config, then preparing it fails naming the problem', () => {
    const dir = mkdtempSync(join(tmpdir(), 'supafleet-lab-boot-'));
    dirs.push(dir);
    expect(() => prepareBoot('#!/bin/sh\necho hi\n', join(dir, 'root'), dir)).toThrow(
      'user_data does not start with #cloud-config',
    );
  });

  const shellcheck = toolPresent('shellcheck');
  if (!shellcheck) console.log('skipping shellcheck of the lab scripts: shellcheck is not installed');
  it.skipIf(!shellcheck && process.env.CI !== 'true')(
    'when the lab scripts are checked, then shellcheck finds nothing',
    () => {
      for (const [file, shell] of [
        ['worker-boot.sh', 'bash'],
        ['systemctl', 'sh'],
        ['docker', 'sh'],
        ['lab-wireguard-go', 'sh'],
      ] as const) {
        const r = spawnSync('shellcheck', ['-s', shell, '-f', 'gcc', join(STATIC, file)], {
          encoding: 'utf8',
          timeout: 20_000,
        });
        expect(r.stdout, file).toBe('');
        expect(r.status, file).toBe(0);
      }
    },
  );
});
