/**
 * The rendered WireGuard configs, brought up for real: the master's wg0.conf (as
 * rendered) and the worker's wg0.conf (as the enrollment script writes it from the
 * master's answer) go up with wg-quick (userspace wireguard-go) in two network
 * namespaces joined by a veth pair, and the worker reaches the master's wg address.
 * Needs root, iproute2, wireguard-go and wireguard-tools; skips otherwise (fails in CI).
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveFleet, resolveProject } from '../../core/spec/defaults.ts';
import { renderMasterStack } from '../master/stack.ts';
import { placeholderMasterSecrets } from '../master/secrets.ts';
import { placeholderEnrollment } from '../placeholders.ts';
import { renderWorkerUserData } from '../worker/user-data.ts';
import { decodeUserData } from './decode.ts';
import { fleetSpec, projectSpecs } from './fixtures/specs.ts';
import { missingTools } from './validators.ts';

const missing = missingTools(['root', 'ip', 'wireguard-go', 'wg-quick', 'ping']);

const tag = `${process.pid % 10000}`;
const NS = { master: `sfm${tag}`, worker: `sfw${tag}` };
const IF = { master: `wgm${tag}`, worker: `wgw${tag}` };
const dir = mkdtempSync(join(tmpdir(), 'sf-wg-e2e-'));

function sh(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 30_000, env });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

function must(cmd: string, args: string[], env?: NodeJS.ProcessEnv): string {
  const r = sh(cmd, args, env);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.out}`);
  return r.out;
}

afterAll(() => {
  if (missing.length > 0) return;
  for (const [role, ns] of Object.entries(NS)) {
    sh(
      'ip',
      ['netns', 'exec', ns, 'wg-quick', 'down', `/etc/wireguard/${IF[role as 'master']}.conf`],
      stubEnv(),
    );
    sh('ip', ['netns', 'del', ns]);
    rmSync(`/etc/netns/${ns}`, { recursive: true, force: true });
  }
  rmSync(dir, { recursive: true, force: true });
});

/** iptables is not on every test machine: a stand-in records the master's PostUp rule. */
function stubEnv(): NodeJS.ProcessEnv {
  return { ...process.env, PATH: `${join(dir, 'bin')}:${process.env.PATH}`, STUB_LOG: join(dir, 'stub.log') };
}

/** Runs the worker's enrollment script against a stand-in master; returns the wg0.conf it wrote. */
async function enrollWorker(masterPublicKey: string): Promise<{ conf: string; key: string }> {
  const root = join(dir, 'worker-root');
  for (const d of ['var/log', 'etc/supafleet', 'etc/cron.d']) mkdirSync(join(root, d), { recursive: true });
  writeFileSync(join(root, 'etc/supafleet/agent-compose.yml'), 'services: {}\n');
  const fleet = resolveFleet(fleetSpec);
  const enroll = placeholderEnrollment('example.com');
  const userData = renderWorkerUserData({
    fleet,
    project: resolveProject(projectSpecs.minimal!),
    enrollment: { ...enroll, masterWgPublicKey: masterPublicKey },
  });
  const { files } = decodeUserData(userData.text);
  const script = files.find((f) => f.path === '/usr/local/sbin/supafleet-enroll')!.content;
  const answer = {
    project: 'blog',
    wg: {
      address: '10.100.0.2/24',
      master_public_key: masterPublicKey,
      master_endpoint: '192.168.91.1:51820',
      allowed_ips: '10.100.0.0/24',
      persistent_keepalive: 5,
    },
    agent: {
      master_url: 'http://10.100.0.1:8081',
      token: 'sfa_AAAAAAAAAAAAAAAAAAAAAAAA',
      listen: '10.100.0.2:8082',
      command_key: 'k3yAAAAAAAAAAAAAAAAAAAAAAA',
    },
  };
  const server = createServer((_req, res) => res.end(JSON.stringify(answer)));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  writeFileSync(
    join(root, 'etc/supafleet/enroll.json'),
    JSON.stringify({
      ...JSON.parse(files.find((f) => f.path === '/etc/supafleet/enroll.json')!.content),
      master_url: url,
    }),
  );
  writeFileSync(join(dir, 'enroll.sh'), script);
  for (const name of ['systemctl', 'docker', 'chown']) {
    writeFileSync(join(dir, 'bin', name), '#!/bin/sh\nexit 0\n');
    chmodSync(join(dir, 'bin', name), 0o755);
  }
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn('bash', [join(dir, 'enroll.sh')], {
      env: { ...stubEnv(), SUPAFLEET_ROOT: root },
      stdio: 'ignore',
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('close', (c) => {
      clearTimeout(timer);
      resolve(c);
    });
  });
  await new Promise<void>((r) => server.close(() => r()));
  expect(code, readFileSync(join(root, 'var/log/supafleet-bootstrap.log'), 'utf8')).toBe(0);
  return {
    conf: readFileSync(join(root, 'etc/wireguard/wg0.conf'), 'utf8'),
    key: readFileSync(join(root, 'etc/wireguard/wg0.key'), 'utf8'),
  };
}

describe.skipIf(missing.length > 0)('rendered WireGuard configs on real interfaces', () => {
  it('when the master and an enrolled worker bring up their rendered configs, then the worker reaches the master over wg', async () => {
    mkdirSync(join(dir, 'bin'), { recursive: true });
    writeFileSync(join(dir, 'bin', 'iptables'), '#!/bin/sh\necho "iptables $*" >>"$STUB_LOG"\n');
    chmodSync(join(dir, 'bin', 'iptables'), 0o755);
    for (const ns of Object.values(NS)) {
      must('ip', ['netns', 'add', ns]);
      must('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    }
    must('ip', [
      'link',
      'add',
      `vm${tag}`,
      'netns',
      NS.master,
      'type',
      'veth',
      'peer',
      'name',
      `vw${tag}`,
      'netns',
      NS.worker,
    ]);
    must('ip', ['-n', NS.master, 'addr', 'add', '192.168.91.1/30', 'dev', `vm${tag}`]);
    must('ip', ['-n', NS.worker, 'addr', 'add', '192.168.91.2/30', 'dev', `vw${tag}`]);
    must('ip', ['-n', NS.master, 'link', 'set', `vm${tag}`, 'up']);
    must('ip', ['-n', NS.worker, 'link', 'set', `vw${tag}`, 'up']);

    const masterKey = must('wg', ['genkey']);
    const pub = spawnSync('wg', ['pubkey'], { input: masterKey, encoding: 'utf8' }).stdout.trim();
    const worker = await enrollWorker(pub);
    const workerPub = spawnSync('wg', ['pubkey'], { input: worker.key, encoding: 'utf8' }).stdout.trim();

    // The master, as rendered; its peers file as the master API keeps it.
    const masterConf = renderMasterStack({
      fleet: resolveFleet(fleetSpec),
      secrets: placeholderMasterSecrets(),
    }).get('etc/wireguard/wg0.conf')!;
    const etcMaster = `/etc/netns/${NS.master}/wireguard`;
    mkdirSync(join(etcMaster, 'supafleet'), { recursive: true });
    writeFileSync(join(etcMaster, `${IF.master}.conf`), masterConf, { mode: 0o600 });
    writeFileSync(join(etcMaster, 'wg0.key'), masterKey, { mode: 0o600 });
    writeFileSync(
      join(etcMaster, 'supafleet', 'peers.conf'),
      `[Peer]\nPublicKey = ${workerPub}\nAllowedIPs = 10.100.0.2/32\n`,
      { mode: 0o600 },
    );
    const etcWorker = `/etc/netns/${NS.worker}/wireguard`;
    mkdirSync(etcWorker, { recursive: true });
    writeFileSync(join(etcWorker, `${IF.worker}.conf`), worker.conf, { mode: 0o600 });
    writeFileSync(join(etcWorker, 'wg0.key'), worker.key, { mode: 0o600 });

    must('ip', ['netns', 'exec', NS.master, 'wg-quick', 'up', `/etc/wireguard/${IF.master}.conf`], stubEnv());
    must('ip', ['netns', 'exec', NS.worker, 'wg-quick', 'up', `/etc/wireguard/${IF.worker}.conf`], stubEnv());
    const ping = sh('ip', [
      'netns',
      'exec',
      NS.worker,
      'ping',
      '-c',
      '3',
      '-i',
      '0.3',
      '-W',
      '3',
      '10.100.0.1',
    ]);
    expect(ping.code, ping.out).toBe(0);
    const peers = must('ip', ['netns', 'exec', NS.master, 'wg', 'show', IF.master, 'allowed-ips']);
    expect(peers).toContain(`${workerPub}\t10.100.0.2/32`);
    expect(readFileSync(join(dir, 'stub.log'), 'utf8')).toContain(
      `iptables -I FORWARD -i ${IF.master} -o ${IF.master} -j DROP`,
    );
  }, 60_000);
});
