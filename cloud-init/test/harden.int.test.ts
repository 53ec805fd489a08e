/**
 * The hardening script, run for real by bash under a scratch root with stand-ins
 * for the system tools (sshd, systemctl, ufw, apt-get, gpg, curl, swap tools):
 * the sshd drop-in, sysctl file and firewall rules follow host.json, and a Docker
 * key with the wrong fingerprint stops the install.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveFleet, resolveProject } from '../../core/spec/defaults.ts';
import { renderMasterUserData } from '../master/user-data.ts';
import { placeholderEnrollment } from '../placeholders.ts';
import { dockerApt } from '../versions.ts';
import { renderWorkerUserData } from '../worker/user-data.ts';
import { decodeUserData } from './decode.ts';
import { fleetSpec, projectSpecs } from './fixtures/specs.ts';
import { missingTools } from './validators.ts';

const missing = missingTools(['bash', 'jq']);
const LOGGING = ['sshd', 'systemctl', 'ufw', 'sysctl', 'udevadm', 'mkswap', 'swapon', 'apt-get', 'apt-mark'];

let dir = '';
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sf-harden-'));
  mkdirSync(join(dir, 'bin'));
  const stub = (name: string, body: string) => {
    writeFileSync(join(dir, 'bin', name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(dir, 'bin', name), 0o755);
  };
  for (const name of LOGGING) stub(name, `echo "${name} $*" >>"$STUB_LOG"`);
  stub('fallocate', 'echo "fallocate $*" >>"$STUB_LOG"\nfor a; do last=$a; done\n: >"$last"');
  stub(
    'curl',
    'echo "curl $*" >>"$STUB_LOG"\nwhile [ $# -gt 0 ]; do [ "$1" = -o ] && echo KEY >"$2"; shift; done',
  );
  stub(
    'gpg',
    'case "$*" in *--show-keys*) echo "pub:-:4096"; echo "fpr:::::::::$FINGERPRINT:" ;; *) cat ;; esac',
  );
  for (const d of [
    'var/log',
    'etc/ssh/sshd_config.d',
    'etc/sysctl.d',
    'etc/udev/rules.d',
    'etc/fail2ban',
    'etc/apt/apt.conf.d',
    'etc/apt/sources.list.d',
    'etc/logrotate.d',
    'etc/supafleet',
  ]) {
    mkdirSync(join(dir, 'root', d), { recursive: true });
  }
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function runHarden(userDataText: string, fingerprint: string = dockerApt.keyFingerprint) {
  const { files } = decodeUserData(userDataText);
  const host = files.find((f) => f.path === '/etc/supafleet/host.json')!;
  const script = files.find((f) => f.path === '/usr/local/sbin/supafleet-harden')!;
  writeFileSync(join(dir, 'root', 'etc', 'supafleet', 'host.json'), host.content);
  writeFileSync(join(dir, 'harden.sh'), script.content);
  const r = spawnSync('bash', [join(dir, 'harden.sh')], {
    encoding: 'utf8',
    timeout: 30_000,
    env: {
      PATH: `${join(dir, 'bin')}:${process.env.PATH}`,
      SUPAFLEET_ROOT: join(dir, 'root'),
      STUB_LOG: join(dir, 'stub.log'),
      FINGERPRINT: fingerprint,
    },
  });
  const read = (...p: string[]) =>
    existsSync(join(dir, 'root', ...p)) ? readFileSync(join(dir, 'root', ...p), 'utf8') : '';
  return {
    code: r.status,
    log: existsSync(join(dir, 'stub.log')) ? readFileSync(join(dir, 'stub.log'), 'utf8') : '',
    read,
  };
}

const fleet = resolveFleet(fleetSpec);
const workerUserData = () =>
  renderWorkerUserData({
    fleet,
    project: resolveProject(projectSpecs.typical!),
    enrollment: placeholderEnrollment('example.com'),
  }).text;

describe.skipIf(missing.length > 0)('hardening script', () => {
  it('when run on a worker, then sshd, sysctl, swap and the firewall follow host.json and Docker is installed at its pinned versions', () => {
    const r = runHarden(workerUserData());
    expect(r.code, r.read('var', 'log', 'supafleet-bootstrap.log')).toBe(0);
    const sshd = r.read('etc', 'ssh', 'sshd_config.d', '00-supafleet.conf');
    expect(sshd).toContain('PermitRootLogin no\nPasswordAuthentication no\n');
    expect(sshd).toContain('MaxAuthTries 3\n');
    expect(sshd.endsWith('AllowUsers deploy\n')).toBe(true);
    expect(r.log).toMatch(/^sshd -t$/m);
    expect(r.read('etc', 'sysctl.d', '90-supafleet.conf')).toContain('kernel.kptr_restrict = 2\n');
    expect(r.log).toContain('fallocate -l 4096M'); // cx32: 8 GB, the medium RAM tier
    expect(r.log.match(/^ufw .*$/gm)).toEqual([
      'ufw --force reset',
      'ufw default deny incoming',
      'ufw default allow outgoing',
      'ufw limit from any to any port 22 proto tcp',
      'ufw allow from 10.100.0.0/24 to any',
      'ufw --force enable',
    ]);
    expect(r.read('etc', 'fail2ban', 'jail.local')).toContain('banaction = ufw');
    expect(JSON.parse(r.read('etc', 'docker', 'daemon.json'))).toMatchObject({
      'live-restore': true,
      'userland-proxy': false,
    });
    const pins = Object.entries(dockerApt.packages).map(([p, v]) => `${p}=${v}`);
    expect(r.log).toContain(
      `apt-get -o DPkg::Lock::Timeout=600 -y install --no-install-recommends ${pins.join(' ')}`,
    );
    expect(r.log).toContain(`apt-mark hold ${Object.keys(dockerApt.packages).join(' ')}`);
    expect(r.read('etc', 'apt', 'sources.list.d', 'docker.list')).toContain(
      'signed-by=/etc/apt/keyrings/docker.gpg',
    );
  });

  it('when run on the master, then the firewall opens 22, 80, 443, 51820/udp and the wg network', () => {
    const r = runHarden(renderMasterUserData({ fleet }).text);
    expect(r.code).toBe(0);
    expect(r.log.match(/^ufw (allow|limit) .*$/gm)).toEqual([
      'ufw limit from any to any port 22 proto tcp',
      'ufw allow from any to any port 80 proto tcp',
      'ufw allow from any to any port 443 proto tcp',
      'ufw allow from any to any port 51820 proto udp',
      'ufw allow from 10.100.0.0/24 to any',
    ]);
  });

  it("when Docker's apt key has another fingerprint, then nothing is installed", () => {
    const r = runHarden(workerUserData(), '0000000000000000000000000000000000000000');
    expect(r.code).not.toBe(0);
    expect(r.read('var', 'log', 'supafleet-bootstrap.log')).toContain(
      "Docker's apt key has an unexpected fingerprint",
    );
    expect(r.log).not.toContain('install --no-install-recommends');
    expect(existsSync(join(dir, 'root', 'etc', 'apt', 'keyrings', 'docker.gpg'))).toBe(false);
  });
});
