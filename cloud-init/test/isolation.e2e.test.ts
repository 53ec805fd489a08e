/**
 * Isolation, attacked for real (security review C1). Network namespaces stand in for
 * the servers; everything that decides the outcome is real: WireGuard (wireguard-go
 * under wg-quick, with the rendered configs and their PostUp rules), iptables, and a
 * Docker daemon (Debian's docker.io) started by this test inside the master's
 * namespace with its own data root, exec root and socket.
 *
 * 1. A rooted worker widens its own AllowedIPs and routes Docker's subnets over wg:
 *    it must not reach a master container published on 127.0.0.1 (Docker before 28
 *    forwards such direct-routed packets; the master's raw-table drop stops them),
 *    while the master's wg-address services still answer it.
 * 2. The same from the other side: what reaches a worker's wg0 for anything but the
 *    worker's own address (a container behind it) is dropped by the rule enroll.sh
 *    writes.
 * 3. The worker stack's containers, attached to the networks the rendered compose
 *    gives them, cannot resolve or reach the Docker API proxies (only Vector reaches
 *    the read-only log proxy), while the agent on the host network reaches its proxy.
 *
 * No images are available offline: the one image is imported from a tarball holding
 * Debian's busybox and the libraries it links. Needs root, iproute2, util-linux
 * (nsenter), wireguard-go, wireguard-tools, iptables, docker.io and busybox; skips
 * otherwise, fails in CI.
 */
import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveFleet, resolveProject } from '../../core/spec/defaults.ts';
import { writeBusyboxRoot } from '../../test/support/busybox-root.ts';
import { startNamespacedDockerd } from '../../test/support/dockerd.ts';
import { placeholderMasterSecrets } from '../master/secrets.ts';
import { masterComposeDocument } from '../master/compose.ts';
import { MASTER_API_UID } from '../master/keys.ts';
import { renderMasterStack } from '../master/stack.ts';
import { placeholderEnrollment, placeholderOpened, placeholderSecrets } from '../placeholders.ts';
import { workerComposeDocument } from '../worker/compose.ts';
import { renderWorkerUserData } from '../worker/user-data.ts';
import { decodeUserData } from './decode.ts';
import { fleetSpec, projectSpecs } from './fixtures/specs.ts';
import { missingTools } from './validators.ts';

const missing = missingTools([
  'root',
  'ip',
  'nsenter',
  'wireguard-go',
  'wg',
  'wg-quick',
  'iptables',
  'dockerd',
  'docker',
  'busybox',
  'curl',
  'setpriv',
]);

const tag = `${process.pid % 10000}`;
/** master, worker, and a stand-in container behind the worker. */
const NS = { master: `sfim${tag}`, worker: `sfiw${tag}`, app: `sfia${tag}` };
const IF = { master: `wgim${tag}`, worker: `wgiw${tag}` };
const MASTER_WG = '10.100.0.1';
const WORKER_WG = '10.100.0.2';
/** The compose-like network of the master's stack, as Docker would allocate it. */
const STACK_SUBNET = '172.18.0.0/16';
const IMAGE = 'sf-isolation:busybox';

/** The test's scratch directory (made in setUp); the lab Docker's socket lives in it. */
let dir = '';
const docker = { sock: '', pid: 0 };
/** Every process this file started (wireguard-go, dockerd, httpd), stopped by PID in afterAll. */
const pids: number[] = [];
const namespaces: string[] = [];

function sh(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; timeout?: number } = {}) {
  const r = spawnSync(cmd, args, {
    encoding: 'utf8',
    timeout: opts.timeout ?? 30_000,
    env: opts.env ?? process.env,
  });
  return { code: r.status, out: `${r.stdout ?? ''}${r.stderr ?? ''}`, stdout: r.stdout ?? '' };
}

function must(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; timeout?: number } = {}) {
  const r = sh(cmd, args, opts);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.code}): ${r.out}`);
  return r.stdout;
}

const inNs = (ns: string, cmd: string, args: string[]) => ['netns', 'exec', ns, cmd, ...args];
const dockerEnv = () => ({
  ...process.env,
  DOCKER_HOST: `unix://${docker.sock}`,
  DOCKER_CONFIG: join(dir, 'd', 'cli'),
});
const dk = (args: string[], timeout = 60_000) => must('docker', args, { env: dockerEnv(), timeout });

/** An HTTP GET from inside a namespace (curl): the body, or undefined when nothing answers. */
function fetchFrom(ns: string, url: string, uid?: number): string | undefined {
  const curl = ['curl', '-sf', '--max-time', '3', url];
  const as = uid === undefined ? curl : [`--reuid=${uid}`, `--regid=${uid}`, '--clear-groups', ...curl];
  const r = sh('ip', uid === undefined ? inNs(ns, 'curl', curl.slice(1)) : inNs(ns, 'setpriv', as), {
    timeout: 10_000,
  });
  return r.code === 0 ? r.stdout.trim() : undefined;
}

/** The same from inside a container of the lab's Docker (async: the checks run side by side). */
function fetchFromContainer(container: string, url: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const child = spawn(
      'docker',
      // busybox's own timeout around wget (wget -T crashes in Debian's busybox 1.35)
      ['exec', container, '/bin/busybox', 'timeout', '3', '/bin/busybox', 'wget', '-q', '-O', '-', url],
      {
        env: dockerEnv(),
        stdio: ['ignore', 'pipe', 'ignore'],
      },
    );
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve(code === 0 ? out.trim() : undefined);
    });
  });
}

/** Packets the raw-table drop rule on `iface` has dropped in `ns`. */
function rawDrops(ns: string, iface: string): number {
  const out = must('ip', inNs(ns, 'iptables', ['-w', '-t', 'raw', '-L', 'PREROUTING', '-v', '-x', '-n']));
  const line = out.split('\n').find((l) => l.includes('DROP') && l.includes(iface));
  return line ? Number(line.trim().split(/\s+/)[0]) : 0;
}

/** Runs one PostUp/PostDown iptables line of a wg-quick file, as wg-quick would, in `ns`. */
function runHook(ns: string, line: string, iface: string): void {
  const command = line.replace(/^Post(Up|Down) = /, '').replaceAll('%i', iface);
  must('ip', inNs(ns, 'bash', ['-c', command]));
}

function hookLines(conf: string, needle: string): { up: string; down: string } {
  const lines = conf.split('\n').filter((l) => l.includes(needle));
  const up = lines.find((l) => l.startsWith('PostUp = '));
  const down = lines.find((l) => l.startsWith('PostDown = '));
  if (!up || !down) throw new Error(`no PostUp/PostDown with "${needle}" in:\n${conf}`);
  return { up, down };
}

/** A directory tree with busybox and the shared libraries it links, as an image tarball. */
function busyboxImageTar(): string {
  const root = join(dir, 'img');
  writeBusyboxRoot(root);
  for (const [name, body] of Object.entries({
    admin: 'KONG ADMIN API',
    api: 'DOCKER API',
    logs: 'DOCKER LOGS API',
  })) {
    mkdirSync(join(root, 'www', name), { recursive: true });
    writeFileSync(join(root, 'www', name, 'index.html'), `${body}\n`);
  }
  mkdirSync(join(root, 'tmp'), { recursive: true });
  const tar = join(dir, 'img.tar');
  must('tar', ['-C', root, '-cf', tar, '.']);
  return tar;
}

/** Starts a long-running process, its output to a log file; remembered for afterAll. */
function startProcess(
  cmd: string,
  args: string[],
  log: string,
  env: NodeJS.ProcessEnv = process.env,
): number {
  const fd = openSync(log, 'a');
  const child = spawn(cmd, args, { stdio: ['ignore', fd, fd], env, detached: false });
  closeSync(fd);
  if (child.pid === undefined) throw new Error(`${cmd} did not start`);
  pids.push(child.pid);
  child.on('error', () => undefined);
  return child.pid;
}

function waitFor(what: string, check: () => boolean, tries = 120, delayMs = 250): void {
  for (let i = 0; i < tries; i++) {
    if (check()) return;
    spawnSync('sleep', [String(delayMs / 1000)]);
  }
  throw new Error(`timed out waiting for ${what}`);
}

function addNamespace(ns: string): void {
  must('ip', ['netns', 'add', ns]);
  namespaces.push(ns);
  must('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
}

function veth(a: { ns: string; dev: string; addr: string }, b: { ns: string; dev: string; addr: string }) {
  must('ip', ['link', 'add', a.dev, 'netns', a.ns, 'type', 'veth', 'peer', 'name', b.dev, 'netns', b.ns]);
  for (const end of [a, b]) {
    must('ip', ['-n', end.ns, 'addr', 'add', end.addr, 'dev', end.dev]);
    must('ip', ['-n', end.ns, 'link', 'set', end.dev, 'up']);
  }
}

/**
 * wg-quick falls back to wireguard-go (no kernel module here). This stand-in for the
 * userspace implementation runs it in the foreground so its PID is known, and waits
 * for its control socket, as wireguard-go's own daemon mode does before returning.
 */
function userspaceWrapper(): string {
  const path = join(dir, 'wireguard-go-fg');
  writeFileSync(
    path,
    [
      '#!/bin/bash',
      'wireguard-go -f "$1" >>"$WG_LOG_DIR/$1.log" 2>&1 &',
      'echo $! >>"$WG_PIDS"',
      'for _ in $(seq 50); do [ -S "/var/run/wireguard/$1.sock" ] && exit 0; sleep 0.1; done',
      'exit 1',
      '',
    ].join('\n'),
  );
  chmodSync(path, 0o755);
  return path;
}

function wgQuickEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    WG_QUICK_USERSPACE_IMPLEMENTATION: join(dir, 'wireguard-go-fg'),
    WG_LOG_DIR: dir,
    WG_PIDS: join(dir, 'wg.pids'),
  };
}

/** Runs the worker's enrollment script against a stand-in master; returns the wg0.conf it wrote and its key. */
async function enrollWorker(masterPublicKey: string): Promise<{ conf: string; key: string }> {
  const root = join(dir, 'worker-root');
  for (const d of ['var/log', 'etc/supafleet', 'etc/cron.d', 'bin'])
    mkdirSync(join(root, d), { recursive: true });
  const userData = renderWorkerUserData({
    fleet: resolveFleet(fleetSpec),
    project: resolveProject(projectSpecs.minimal!),
    enrollment: { ...placeholderEnrollment('example.com'), masterWgPublicKey: masterPublicKey },
  });
  const { files } = decodeUserData(userData.text);
  const answer = {
    project: 'blog',
    wg: {
      address: `${WORKER_WG}/24`,
      master_public_key: masterPublicKey,
      master_endpoint: '192.168.93.1:51820',
      allowed_ips: '10.100.0.0/24',
      persistent_keepalive: 5,
    },
    agent: {
      master_url: `http://${MASTER_WG}:8081`,
      token: 'sfa_AAAAAAAAAAAAAAAAAAAAAAAA',
      listen: `${WORKER_WG}:8082`,
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
  writeFileSync(join(root, 'etc/supafleet/agent-compose.yml'), 'services: {}\n');
  const script = join(dir, 'enroll.sh');
  writeFileSync(script, files.find((f) => f.path === '/usr/local/sbin/supafleet-enroll')!.content);
  // The host side effects past writing the config are not under test here.
  for (const name of ['systemctl', 'docker', 'chown']) {
    writeFileSync(join(root, 'bin', name), '#!/bin/sh\nexit 0\n');
    chmodSync(join(root, 'bin', name), 0o755);
  }
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn('bash', [script], {
      env: { ...process.env, PATH: `${join(root, 'bin')}:${process.env.PATH}`, SUPAFLEET_ROOT: root },
      stdio: 'ignore',
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('close', (c) => {
      clearTimeout(timer);
      resolve(c);
    });
  });
  await new Promise<void>((r) => server.close(() => r()));
  if (code !== 0)
    throw new Error(
      `enroll.sh failed: ${readFileSync(join(root, 'var/log/supafleet-bootstrap.log'), 'utf8')}`,
    );
  return {
    conf: readFileSync(join(root, 'etc/wireguard/wg0.conf'), 'utf8'),
    key: readFileSync(join(root, 'etc/wireguard/wg0.key'), 'utf8'),
  };
}

let masterConf = '';
let workerConf = '';
let masterPub = '';
let workerPub = '';
let dockerMajor = 0;
let adminIp = '';

async function setUp(): Promise<void> {
  dir = mkdtempSync(join(tmpdir(), 'sf-iso-'));
  docker.sock = join(dir, 'd', 'sock');
  mkdirSync(join(dir, 'd', 'cli'), { recursive: true });
  for (const ns of Object.values(NS)) addNamespace(ns);
  veth(
    { ns: NS.master, dev: `vim${tag}`, addr: '192.168.93.1/30' },
    { ns: NS.worker, dev: `viw${tag}`, addr: '192.168.93.2/30' },
  );
  // The stand-in container behind the worker, on a bridge-like link (Docker's would be 172.x).
  veth(
    { ns: NS.worker, dev: `vib${tag}`, addr: '172.30.0.1/24' },
    { ns: NS.app, dev: `via${tag}`, addr: '172.30.0.2/24' },
  );
  must('ip', ['-n', NS.app, 'route', 'add', 'default', 'via', '172.30.0.1']);

  // Both hosts forward (Docker needs it; shared/host.ts sets it) and filter spoofed sources.
  // (written to /proc/sys, which is per namespace for net.*; procps' sysctl is not on every system)
  for (const ns of [NS.master, NS.worker]) {
    for (const k of ['ip_forward', 'conf/all/rp_filter', 'conf/default/rp_filter'])
      must('ip', inNs(ns, 'bash', ['-c', `echo 1 >/proc/sys/net/ipv4/${k}`]));
  }
  // UFW's forward policy on the master (harden.sh enables UFW with DEFAULT_FORWARD_POLICY=DROP).
  must('ip', inNs(NS.master, 'iptables', ['-w', '-P', 'FORWARD', 'DROP']));

  // WireGuard: the master's key, the worker enrolled by enroll.sh, both configs as rendered/written.
  userspaceWrapper();
  const masterKey = must('wg', ['genkey']);
  masterPub = spawnSync('wg', ['pubkey'], { input: masterKey, encoding: 'utf8' }).stdout.trim();
  const worker = await enrollWorker(masterPub);
  workerConf = worker.conf;
  workerPub = spawnSync('wg', ['pubkey'], { input: worker.key, encoding: 'utf8' }).stdout.trim();
  masterConf = renderMasterStack({ fleet: resolveFleet(fleetSpec), secrets: placeholderMasterSecrets() }).get(
    'etc/wireguard/wg0.conf',
  )!;
  const etcMaster = `/etc/netns/${NS.master}/wireguard`;
  mkdirSync(join(etcMaster, 'supafleet'), { recursive: true });
  writeFileSync(join(etcMaster, `${IF.master}.conf`), masterConf, { mode: 0o600 });
  writeFileSync(join(etcMaster, 'wg0.key'), masterKey, { mode: 0o600 });
  writeFileSync(
    join(etcMaster, 'supafleet', 'peers.conf'),
    `[Peer]\nPublicKey = ${workerPub}\nAllowedIPs = ${WORKER_WG}/32\n`,
    {
      mode: 0o600,
    },
  );
  const etcWorker = `/etc/netns/${NS.worker}/wireguard`;
  mkdirSync(etcWorker, { recursive: true });
  writeFileSync(join(etcWorker, `${IF.worker}.conf`), workerConf, { mode: 0o600 });
  writeFileSync(join(etcWorker, 'wg0.key'), worker.key, { mode: 0o600 });

  // The master's Docker, in the master's namespace (test/support/dockerd.ts). daemon.json as
  // harden.sh writes it, minus live-restore, so that stopping the daemon stops its containers.
  docker.pid = startNamespacedDockerd({
    netns: NS.master,
    root: join(dir, 'd'),
    sock: docker.sock,
    env: dockerEnv(),
    extraArgs: ['--no-new-privileges', '--log-driver=json-file'],
    log: join(dir, 'dockerd.log'),
  });
  pids.push(docker.pid);
  dockerMajor = Number(dk(['version', '--format', '{{.Server.Version}}']).trim().split('.')[0]);
  dk(['import', busyboxImageTar(), IMAGE]);

  // wg0 comes up before Docker publishes on the wg address (as docker.service waits for wg-quick).
  must('ip', inNs(NS.master, 'wg-quick', ['up', `/etc/wireguard/${IF.master}.conf`]), { env: wgQuickEnv() });
  must('ip', inNs(NS.worker, 'wg-quick', ['up', `/etc/wireguard/${IF.worker}.conf`]), { env: wgQuickEnv() });
  for (const pid of readFileSync(join(dir, 'wg.pids'), 'utf8').split('\n').filter(Boolean))
    pids.push(Number(pid));

  // Kong Admin's stand-in: published on 127.0.0.1 only, as the master published it before
  // (and as any container published on loopback is); a second port on the wg address.
  dk(['network', 'create', '--subnet', STACK_SUBNET, 'stack']);
  dk([
    'run',
    '-d',
    '--name',
    'admin',
    '--network',
    'stack',
    '-p',
    '127.0.0.1:18001:8001',
    '-p',
    `${MASTER_WG}:14000:8001`,
    IMAGE,
    '/bin/busybox',
    'httpd',
    '-f',
    '-p',
    '8001',
    '-h',
    '/www/admin',
  ]);
  adminIp = dk(['inspect', '-f', '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}', 'admin']).trim();

  // The master API's agent listener on the wg address (host network), and a service in
  // the stand-in container behind the worker.
  mkdirSync(join(dir, 'www', 'agent'), { recursive: true });
  writeFileSync(join(dir, 'www', 'agent', 'index.html'), 'MASTER AGENT API\n');
  mkdirSync(join(dir, 'www', 'app'), { recursive: true });
  writeFileSync(join(dir, 'www', 'app', 'index.html'), 'WORKER CONTAINER\n');
  startProcess(
    'ip',
    inNs(NS.master, 'busybox', ['httpd', '-f', '-p', `${MASTER_WG}:8081`, '-h', join(dir, 'www', 'agent')]),
    join(dir, 'httpd-master.log'),
  );
  startProcess(
    'ip',
    inNs(NS.app, 'busybox', ['httpd', '-f', '-p', '8080', '-h', join(dir, 'www', 'app')]),
    join(dir, 'httpd-app.log'),
  );
  waitFor(
    'the worker to reach the master over wg',
    () => fetchFrom(NS.worker, `http://${MASTER_WG}:8081/`) !== undefined,
    40,
  );
}

function tearDown(): void {
  if (!dir) return;
  const containerdPidFile = join(dir, 'd', 'exec', 'containerd', 'containerd.pid');
  if (docker.pid) {
    const ids = listContainers();
    if (ids.length > 0) sh('docker', ['rm', '-f', ...ids], { env: dockerEnv(), timeout: 60_000 });
  }
  const containerd = existsSync(containerdPidFile)
    ? Number(readFileSync(containerdPidFile, 'utf8').trim())
    : 0;
  for (const pid of [...pids].reverse()) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
  // dockerd stops its containerd on SIGTERM; give it a bounded moment, then insist.
  for (const pid of pids) {
    for (let i = 0; i < 60 && alive(pid); i++) spawnSync('sleep', ['0.25']);
    if (alive(pid)) process.kill(pid, 'SIGKILL');
  }
  pids.length = 0;
  docker.pid = 0;
  // dockerd's own containerd: dockerd stops it on SIGTERM; if it outlived dockerd, stop it
  // (only that process: its command line names this test's exec root).
  if (containerd > 0 && alive(containerd) && cmdline(containerd).includes(dir))
    process.kill(containerd, 'SIGKILL');
  for (const ns of namespaces) {
    sh('ip', ['netns', 'del', ns]);
    rmSync(`/etc/netns/${ns}`, { recursive: true, force: true });
  }
  for (const iface of Object.values(IF)) rmSync(`/var/run/wireguard/${iface}.sock`, { force: true });
  // Never delete through a mount the daemon left behind (nsenter kept the host's mount namespace).
  const mounted = () =>
    readFileSync('/proc/self/mountinfo', 'utf8')
      .split('\n')
      .map((l) => l.split(' ')[4] ?? '')
      .filter((m) => m.startsWith(dir + '/'));
  for (const m of mounted().reverse()) sh('umount', ['-l', m]);
  if (mounted().length === 0) rmSync(dir, { recursive: true, force: true });
  else console.warn(`left ${dir} in place: still mounted ${mounted().join(', ')}`);
  dir = '';
}

/** What the lab looks like, for a failed setup (wg show hides private keys). */
function diagnostics(): string {
  return [NS.master, NS.worker]
    .flatMap((ns) => [
      `== ${ns}`,
      sh('ip', inNs(ns, 'wg', ['show'])).out,
      sh('ip', ['-n', ns, '-br', 'addr']).out,
      sh('ip', ['-n', ns, 'route']).out,
      sh('ip', inNs(ns, 'iptables-save', [])).out,
    ])
    .join('\n');
}

function listContainers(): string[] {
  const r = sh('docker', ['ps', '-aq'], { env: dockerEnv() });
  return r.code === 0 ? r.stdout.split('\n').filter(Boolean) : [];
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return '';
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

type ComposeDoc = {
  services: Record<string, Record<string, unknown>>;
  networks?: Record<string, { ipam?: { config?: { subnet?: string }[] } }>;
};

/** The networks a compose service joins, with a fixed address where it has one; none on the host network. */
function networksOf(svc: Record<string, unknown>): { name: string; ip?: string }[] {
  if (svc.network_mode === 'host') return [];
  const n = svc.networks;
  if (n === undefined) return [{ name: 'default' }];
  if (Array.isArray(n)) return (n as string[]).map((name) => ({ name }));
  return Object.entries(n as Record<string, { ipv4_address?: string } | null>).map(([name, v]) => ({
    name,
    ...(v?.ipv4_address ? { ip: v.ipv4_address } : {}),
  }));
}

/**
 * Runs a rendered compose document's bridge services on the lab's Docker as compose would lay
 * them out: its networks (with their subnets), each service on its networks under its name,
 * with its fixed addresses. `standIns` give some services a command (a busybox httpd where the
 * real service listens) and their published ports; every other service idles.
 */
function runStack(
  prefix: string,
  doc: ComposeDoc,
  standIns: Record<string, string[]>,
): { bridged: string[]; ips: Record<string, string[]>; gateways: string[] } {
  const networks = [...new Set(['default', ...Object.keys(doc.networks ?? {})])];
  for (const name of networks) {
    const subnet = doc.networks?.[name]?.ipam?.config?.[0]?.subnet;
    dk(['network', 'create', ...(subnet ? ['--subnet', subnet] : []), `${prefix}-${name}`]);
  }
  // The host's side of each network: a port published on 127.0.0.1 must not answer there.
  const gateways = networks
    .map((n) =>
      dk(['network', 'inspect', '-f', '{{range .IPAM.Config}}{{.Gateway}}{{end}}', `${prefix}-${n}`]).trim(),
    )
    .filter(Boolean);
  const bridged = Object.entries(doc.services).filter(([, svc]) => networksOf(svc).length > 0);
  const ips: Record<string, string[]> = {};
  for (const [name, svc] of bridged) {
    const [first, ...rest] = networksOf(svc);
    const standIn = standIns[name];
    const ports = standIn ? ((svc.ports as string[] | undefined) ?? []).flatMap((p) => ['-p', p]) : [];
    const container = `${prefix}-${name}`;
    dk([
      'create',
      '--name',
      container,
      '--network',
      `${prefix}-${first!.name}`,
      ...(first!.ip ? ['--ip', first!.ip] : []),
      '--network-alias',
      name,
      ...ports,
      IMAGE,
      ...(standIn ?? ['/bin/busybox', 'sleep', '600']),
    ]);
    for (const net of rest)
      dk([
        'network',
        'connect',
        '--alias',
        name,
        ...(net.ip ? ['--ip', net.ip] : []),
        `${prefix}-${net.name}`,
        container,
      ]);
    dk(['start', container]);
    ips[name] = dk(['inspect', '-f', '{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}', container])
      .trim()
      .split(/\s+/);
  }
  return { bridged: bridged.map(([name]) => name), ips, gateways };
}

/** Every bridge service tries every target (by name and by address); the ones that answered. */
async function reachable(
  prefix: string,
  from: readonly string[],
  targets: readonly { service: string; hosts: readonly string[]; port: number }[],
): Promise<string[]> {
  const attempts = from.flatMap((src) =>
    targets.flatMap((t) =>
      t.hosts.map(async (host) => ({
        line: `${src} -> ${t.service} (${host})`,
        body: await fetchFromContainer(`${prefix}-${src}`, `http://${host}:${t.port}/`),
      })),
    ),
  );
  return (await Promise.all(attempts))
    .filter((r) => r.body !== undefined)
    .map((r) => r.line)
    .sort();
}

/** The attack of the review: a rooted worker's own side of the tunnel is the worker's to change. */
function widenWorkerTunnel(): void {
  must(
    'ip',
    inNs(NS.worker, 'wg', [
      'set',
      IF.worker,
      'peer',
      masterPub,
      'allowed-ips',
      '10.100.0.0/24,172.16.0.0/12',
    ]),
  );
  must('ip', ['-n', NS.worker, 'route', 'replace', '172.16.0.0/12', 'dev', IF.worker]);
}

const httpd = (port: string, www: string) => ['/bin/busybox', 'httpd', '-f', '-p', port, '-h', www];

describe.skipIf(missing.length > 0)(
  'isolation between workers, the master and Docker (attacked for real)',
  () => {
    beforeAll(async () => {
      try {
        await setUp();
      } catch (err) {
        const log = existsSync(join(dir, 'dockerd.log'))
          ? readFileSync(join(dir, 'dockerd.log'), 'utf8').slice(-2000)
          : '';
        const state = diagnostics();
        tearDown();
        throw new Error(`${(err as Error).message}\n${state}\n${log}`, { cause: err });
      }
    }, 240_000);
    afterAll(() => tearDown(), 120_000);

    it('when a worker uses its tunnel as enrolled, then it reaches the master wg-address services and nothing else', () => {
      expect(fetchFrom(NS.worker, `http://${MASTER_WG}:8081/`)).toBe('MASTER AGENT API');
      // published by Docker on the wg address: DNAT happens after the raw table, on the master's address
      expect(fetchFrom(NS.worker, `http://${MASTER_WG}:14000/`)).toBe('KONG ADMIN API');
      // published on 127.0.0.1: not on the wg address
      expect(fetchFrom(NS.worker, `http://${MASTER_WG}:18001/`)).toBeUndefined();
    });

    it('when a rooted worker widens its AllowedIPs and routes Docker subnets over wg, then a master container published on 127.0.0.1 stays out of reach', () => {
      widenWorkerTunnel();
      const before = rawDrops(NS.master, IF.master);
      expect(fetchFrom(NS.worker, `http://${adminIp}:8001/`)).toBeUndefined();
      // dropped by the rendered raw-table rule, not lost on the way
      expect(rawDrops(NS.master, IF.master)).toBeGreaterThan(before);
      // and the master's wg-address services still answer the same worker
      expect(fetchFrom(NS.worker, `http://${MASTER_WG}:8081/`)).toBe('MASTER AGENT API');
    });

    it('when the master rule is taken away, then the same packets reach the container on Docker before 28 (the lab can attack)', () => {
      const rule = hookLines(masterConf, '-t raw');
      runHook(NS.master, rule.down, IF.master);
      try {
        const reached = fetchFrom(NS.worker, `http://${adminIp}:8001/`);
        // Docker 28 drops direct-routed packets itself (moby/moby#49325); Docker 20.10-27 forwards them.
        expect(reached).toBe(dockerMajor < 28 ? 'KONG ADMIN API' : undefined);
      } finally {
        runHook(NS.master, rule.up, IF.master);
      }
      expect(fetchFrom(NS.worker, `http://${adminIp}:8001/`)).toBeUndefined();
    });

    it('when the master routes a container subnet behind a worker over wg, then the worker drops it (enroll.sh rule), and forwards it once the rule is gone', () => {
      must(
        'ip',
        inNs(NS.master, 'wg', [
          'set',
          IF.master,
          'peer',
          workerPub,
          'allowed-ips',
          `${WORKER_WG}/32,172.30.0.0/24`,
        ]),
      );
      must('ip', ['-n', NS.master, 'route', 'replace', '172.30.0.0/24', 'dev', IF.master]);
      try {
        const before = rawDrops(NS.worker, IF.worker);
        expect(fetchFrom(NS.master, 'http://172.30.0.2:8080/')).toBeUndefined();
        expect(rawDrops(NS.worker, IF.worker)).toBeGreaterThan(before);
        const rule = hookLines(workerConf, '-t raw');
        runHook(NS.worker, rule.down, IF.worker);
        try {
          expect(fetchFrom(NS.master, 'http://172.30.0.2:8080/')).toBe('WORKER CONTAINER');
        } finally {
          runHook(NS.worker, rule.up, IF.worker);
        }
      } finally {
        must(
          'ip',
          inNs(NS.master, 'wg', ['set', IF.master, 'peer', workerPub, 'allowed-ips', `${WORKER_WG}/32`]),
        );
        sh('ip', ['-n', NS.master, 'route', 'del', '172.30.0.0/24']);
      }
    });

    it('when the worker stack runs on the networks its compose file gives it, then no stack container reaches a Docker API and only Vector reaches the read-only log proxy', async () => {
      const project = resolveProject(projectSpecs.typical!);
      const doc = workerComposeDocument({
        fleet: resolveFleet(fleetSpec),
        project,
        secrets: placeholderSecrets(),
        opened: placeholderOpened(project),
        revision: 1,
        wgAddress: '10.100.0.5',
      }) as ComposeDoc;
      const allProxies = {
        'socket-proxy': httpd('2375', '/www/api'),
        'docker-logs': httpd('2375', '/www/logs'),
      };
      // (a stack rendered before the log proxy existed is attacked on what it has)
      const proxies = Object.fromEntries(Object.entries(allProxies).filter(([n]) => n in doc.services));
      const { bridged, ips, gateways } = runStack('w', doc, proxies);
      expect(bridged).toEqual(expect.arrayContaining(['db', 'functions', 'meta', 'rest', 'vector']));

      const stack = bridged.filter((name) => !(name in proxies));
      const reached = await reachable(
        'w',
        stack,
        Object.keys(proxies).map((p) => ({ service: p, hosts: [p, ...ips[p]!, ...gateways], port: 2375 })),
      );
      const logIps = ips['docker-logs'];
      const expected = logIps ? ['docker-logs', ...logIps].map((h) => `vector -> docker-logs (${h})`) : [];
      expect(reached).toEqual(expected.sort());
      // Vector reads logs through the proxy: no container of the stack mounts the Docker socket.
      expect(Object.keys(proxies).sort()).toEqual(Object.keys(allProxies).sort());
      const sockets = Object.entries(doc.services)
        .filter(([name]) => !(name in allProxies))
        .filter(([, svc]) => JSON.stringify(svc.volumes ?? []).includes('docker.sock'))
        .map(([name]) => name);
      expect(sockets).toEqual([]);

      // The agent, on the host network, reaches its proxy on loopback.
      expect(fetchFrom(NS.master, 'http://127.0.0.1:2375/')).toBe('DOCKER API');
    }, 120_000);

    it('when the master stack runs on the networks its compose file gives it, then only the master API (host network) reaches Kong Admin, no worker does, and only Vector reaches the log proxy, and nothing the Studio Docker API', async () => {
      const doc = masterComposeDocument(resolveFleet(fleetSpec)) as ComposeDoc;
      const kongEnv = doc.services.kong!.environment as Record<string, string>;
      const admin = kongEnv.KONG_ADMIN_LISTEN!;
      const adminUrl = (doc.services.master!.environment as Record<string, string>).KONG_ADMIN_URL!;
      // Kong's stand-in: the proxy on 8000 everywhere, the Admin API only where KONG_ADMIN_LISTEN says.
      const kong = [
        '/bin/busybox',
        'sh',
        '-c',
        `/bin/busybox httpd -p 8000 -h /www/api && exec /bin/busybox httpd -f -p ${admin} -h /www/admin`,
      ];
      const standIns: Record<string, string[]> = { kong };
      if (doc.services['docker-logs']) standIns['docker-logs'] = httpd('2375', '/www/logs');
      if (doc.services['docker-studio']) standIns['docker-studio'] = httpd('2375', '/www/api');
      const { bridged, ips, gateways } = runStack('m', doc, standIns);
      const others = bridged.filter((name) => !(name in standIns));
      expect(others).toEqual(expect.arrayContaining(['db', 'logflare', 'vector', 'supavisor']));

      const reached = await reachable('m', others, [
        { service: 'kong-admin', hosts: ['kong', ...ips.kong!, ...gateways], port: 8001 },
        { service: 'docker-logs', hosts: ['docker-logs', ...(ips['docker-logs'] ?? [])], port: 2375 },
        // the master API's Docker API for project Studios: no container of the stack reaches it
        {
          service: 'docker-studio',
          hosts: ['docker-studio', ...(ips['docker-studio'] ?? []), ...gateways],
          port: 2375,
        },
        // the API port stays where Studio expects it
        { service: 'kong', hosts: ['kong'], port: 8000 },
      ]);
      const logs = ['docker-logs', ...(ips['docker-logs'] ?? [])].map((h) => `vector -> docker-logs (${h})`);
      const kongProxy = others.filter(
        (o) =>
          doc.services[o]!.networks === undefined ||
          JSON.stringify(doc.services[o]!.networks).includes('default'),
      );
      expect(reached).toEqual([...logs, ...kongProxy.map((o) => `${o} -> kong (kong)`)].sort());

      // The master API (its user, on the host network) reaches the Admin API; another process
      // on the host network (root here) does not (wg0.conf's OUTPUT rule), nor does a
      // rooted worker routing Docker's subnets over wg (as in the attack above).
      expect(fetchFrom(NS.master, `${adminUrl}/`, MASTER_API_UID)).toBe('KONG ADMIN API');
      expect(fetchFrom(NS.master, `${adminUrl}/`)).toBeUndefined();
      // The same for the Studio Docker API (creating containers is root on the host).
      const studioDocker = (doc.services.master!.environment as Record<string, string>)
        .SUPAFLEET_STUDIO_DOCKER_URL;
      if (studioDocker !== undefined) {
        expect(fetchFrom(NS.master, `${studioDocker}/`, MASTER_API_UID)).toBe('DOCKER API');
        expect(fetchFrom(NS.master, `${studioDocker}/`)).toBeUndefined();
      }
      widenWorkerTunnel();
      expect(fetchFrom(NS.worker, `${adminUrl}/`)).toBeUndefined();
    }, 120_000);
  },
);
