import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, mkdtemp, open, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { peersInConfig, stripWgQuick } from './config-file.ts';
import { processRunner } from './runner.ts';
import type { WgPeerManager } from './wg.ts';
import { createWgPeerManager } from './wg.ts';

/**
 * The real peer manager against userspace wireguard-go in two network namespaces this test
 * creates: a master (the manager's interface) and a worker that dials it.
 */

const TOOLS = ['wireguard-go', 'wg', 'wg-quick', 'ip', 'ping'];

async function onPath(tool: string): Promise<boolean> {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    try {
      await access(join(dir, tool), constants.X_OK);
      return true;
    } catch {
      // keep looking
    }
  }
  return false;
}

async function missing(): Promise<string | null> {
  if (process.getuid?.() !== 0) return 'needs root (network namespaces)';
  const absent: string[] = [];
  for (const t of TOOLS) if (!(await onPath(t))) absent.push(t);
  return absent.length > 0
    ? `needs ${absent.join(', ')} (Debian wireguard-go wireguard-tools iproute2 iputils-ping)`
    : null;
}

const skipReason = await missing();
if (skipReason && process.env.CI !== 'true')
  console.log(`skipping WireGuard integration test: ${skipReason}`);
const suite = skipReason && process.env.CI !== 'true' ? describe.skip : describe;

function keypair(): { privateKey: string; publicKey: string } {
  const { privateKey, publicKey } = generateKeyPairSync('x25519');
  const b64 = (s: string): string => Buffer.from(s, 'base64url').toString('base64');
  return {
    privateKey: b64(privateKey.export({ format: 'jwk' }).d!),
    publicKey: b64(publicKey.export({ format: 'jwk' }).x!),
  };
}

suite('WireGuard peer manager with wireguard-go in network namespaces', () => {
  const run = processRunner({ timeoutMs: 20_000 });
  const id = randomBytes(3).toString('hex');
  const nsMaster = `sfk${id}`;
  const nsWorker = `sfw${id}`;
  const ifMaster = `sfk${id}`;
  const ifWorker = `sfw${id}`;
  const underlayMaster = '192.168.231.1';
  const master = keypair();
  const worker = keypair();
  const children: ChildProcess[] = [];
  let dir = '';
  let configPath = '';
  let manager: WgPeerManager;

  const inNs = (ns: string, ...args: string[]): Promise<{ stdout: string }> =>
    run.run('ip', ['netns', 'exec', ns, ...args]);

  /** Starts wireguard-go in the foreground inside `ns` and waits for its control socket. */
  async function startWireguardGo(ns: string, iface: string): Promise<ChildProcess> {
    const log = await open(join(dir, `${iface}.log`), 'a');
    const child = spawn('ip', ['netns', 'exec', ns, 'wireguard-go', '-f', iface], {
      stdio: ['ignore', log.fd, log.fd],
    });
    await log.close();
    children.push(child);
    for (let i = 0; i < 50; i++) {
      try {
        await access(`/var/run/wireguard/${iface}.sock`);
        return child;
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    throw new Error(`wireguard-go ${iface} did not create its socket within 5 s`);
  }

  async function stopChild(child: ChildProcess): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }

  /** What `wg-quick up` does on the master: the interface, its key (set by the file's PostUp), its address. */
  async function bringUpMaster(): Promise<void> {
    await startWireguardGo(nsMaster, ifMaster);
    await inNs(
      nsMaster,
      'wg',
      'set',
      ifMaster,
      'private-key',
      join(dir, 'master.key'),
      'listen-port',
      '51820',
    );
    await run.run('ip', ['-n', nsMaster, 'addr', 'add', '10.100.0.1/24', 'dev', ifMaster]);
    await run.run('ip', ['-n', nsMaster, 'link', 'set', ifMaster, 'up']);
  }

  /** (Re)configures the worker's side, which starts a fresh handshake on its next packet. */
  async function configureWorker(): Promise<void> {
    const keyFile = join(dir, 'worker.key');
    await writeFile(keyFile, `${worker.privateKey}\n`, { mode: 0o600 });
    await inNs(nsWorker, 'wg', 'set', ifWorker, 'peer', master.publicKey, 'remove');
    await inNs(
      nsWorker,
      'wg',
      'set',
      ifWorker,
      'private-key',
      keyFile,
      'peer',
      master.publicKey,
      'allowed-ips',
      '10.100.0.0/24',
      'endpoint',
      `${underlayMaster}:51820`,
      'persistent-keepalive',
      '5',
    );
  }

  const ping = (count: number, deadline: number): Promise<unknown> =>
    inNs(
      nsWorker,
      'ping',
      '-n',
      '-c',
      String(count),
      '-i',
      '0.2',
      '-W',
      '1',
      '-w',
      String(deadline),
      '10.100.0.1',
    );

  beforeAll(async () => {
    if (skipReason) throw new Error(`CI=true, so this test must run, but it ${skipReason}`);
    dir = await mkdtemp(join(tmpdir(), `sfk${id}-`));
    configPath = join(dir, `${ifMaster}.conf`);
    for (const ns of [nsMaster, nsWorker]) {
      await run.run('ip', ['netns', 'add', ns]);
      await run.run('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    }
    await run.run('ip', [
      'link',
      'add',
      `${nsMaster}v`,
      'netns',
      nsMaster,
      'type',
      'veth',
      'peer',
      'name',
      `${nsWorker}v`,
      'netns',
      nsWorker,
    ]);
    await run.run('ip', ['-n', nsMaster, 'addr', 'add', `${underlayMaster}/30`, 'dev', `${nsMaster}v`]);
    await run.run('ip', ['-n', nsWorker, 'addr', 'add', '192.168.231.2/30', 'dev', `${nsWorker}v`]);
    await run.run('ip', ['-n', nsMaster, 'link', 'set', `${nsMaster}v`, 'up']);
    await run.run('ip', ['-n', nsWorker, 'link', 'set', `${nsWorker}v`, 'up']);
    // The master's layout: the private key in its own file, set by a PostUp, never in the config.
    await writeFile(join(dir, 'master.key'), `${master.privateKey}\n`, { mode: 0o600 });
    await writeFile(
      configPath,
      `[Interface]\nAddress = 10.100.0.1/24\nListenPort = 51820\nPostUp = wg set %i private-key ${join(dir, 'master.key')}\n`,
      { mode: 0o600 },
    );
    await bringUpMaster();
    await startWireguardGo(nsWorker, ifWorker);
    await run.run('ip', ['-n', nsWorker, 'addr', 'add', '10.100.0.2/24', 'dev', ifWorker]);
    await run.run('ip', ['-n', nsWorker, 'link', 'set', ifWorker, 'up']);
    manager = createWgPeerManager({ iface: ifMaster, configPath, netns: nsMaster, strip: 'wg-quick' });
  });

  afterAll(async () => {
    for (const child of children) await stopChild(child).catch(() => undefined);
    for (const ns of [nsMaster, nsWorker]) await run.run('ip', ['netns', 'del', ns]).catch(() => undefined);
    for (const iface of [ifMaster, ifWorker]) await rm(`/var/run/wireguard/${iface}.sock`, { force: true });
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("when supafleet strips a wg-quick file itself, then the text equals wg-quick strip's", async () => {
    const sample = join(dir, `sfc${id}.conf`);
    await writeFile(
      sample,
      `# fleet master\n[Interface]\n  Address = 10.100.0.1/24, fd00::1/64\nlistenport = 51820\nPrivateKey = ${master.privateKey}\n` +
        `MTU = 1420\nDNS = 1.1.1.1\nTable = off\nPostUp = iptables -A FORWARD -i %i -j ACCEPT # forward\nSaveConfig = false\n\n` +
        `[Peer]\n# acme\nPublicKey = ${worker.publicKey}\nAllowedIPs = 10.100.0.2/32\nPersistentKeepalive = 25\n`,
      { mode: 0o600 },
    );
    const real = await run.run('wg-quick', ['strip', sample]);
    expect(stripWgQuick(await readFile(sample, 'utf8'))).toBe(real.stdout);
  });

  it('when the manager starts, then the interface keeps its key and port (syncconf does not wipe them)', async () => {
    await manager.start();
    expect(await manager.publicKey()).toBe(master.publicKey);
    expect((await inNs(nsMaster, 'wg', 'show', ifMaster, 'listen-port')).stdout.trim()).toBe('51820');
    expect(await manager.list()).toEqual([]);
    expect(await readFile(configPath, 'utf8')).not.toContain(master.privateKey);
  });

  it('when a worker peer is added, then it is listed and the worker reaches the master over wg', async () => {
    await manager.add({ publicKey: worker.publicKey, allowedIp: '10.100.0.2/32' });
    expect(await manager.list()).toEqual([
      { publicKey: worker.publicKey, allowedIps: ['10.100.0.2/32'], endpoint: null, latestHandshake: null },
    ]);
    await configureWorker();
    await expect(ping(3, 10)).resolves.toBeDefined();
    const [peer] = await manager.list();
    expect(peer?.latestHandshake).not.toBeNull();
    expect(peer?.endpoint).toMatch(/^192\.168\.231\.2:\d+$/);
    const file = await readFile(configPath, 'utf8');
    expect(peersInConfig(file)).toEqual([{ publicKey: worker.publicKey, allowedIps: ['10.100.0.2/32'] }]);
    expect((await stat(configPath)).mode & 0o777).toBe(0o600);
  });

  it('when the peer is removed, then it is gone from the list and the file, and the worker can no longer reach the master', async () => {
    await manager.remove(worker.publicKey);
    expect(await manager.list()).toEqual([]);
    expect(peersInConfig(await readFile(configPath, 'utf8'))).toEqual([]);
    await expect(ping(2, 3)).rejects.toThrow(/ping/);
  });

  it('when the master restarts from the persisted file, then its peers come back and the worker reaches it again', async () => {
    await manager.add({ publicKey: worker.publicKey, allowedIp: '10.100.0.2/32' });
    const first = children[0]!;
    await stopChild(first);
    await bringUpMaster();
    // The restarted manager strips the file itself: the builtin path against the real wg.
    const restarted = createWgPeerManager({ iface: ifMaster, configPath, netns: nsMaster, strip: 'builtin' });
    await restarted.start();
    expect((await restarted.list()).map((p) => [p.publicKey, p.allowedIps])).toEqual([
      [worker.publicKey, ['10.100.0.2/32']],
    ]);
    expect(await restarted.publicKey()).toBe(master.publicKey);
    await configureWorker();
    await expect(ping(3, 10)).resolves.toBeDefined();
  });
});
