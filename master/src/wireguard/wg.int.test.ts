import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { peersInConfig, stripWgQuick } from './config-file.ts';
import { processRunner } from './runner.ts';
import { startWgPair, wgPairSkipReason, type WgPair } from './test/wg-pair.ts';
import type { WgPeerManager } from './wg.ts';
import { createWgPeerManager } from './wg.ts';

/**
 * The real peer manager against userspace wireguard-go in two network namespaces this test
 * creates: a master (the manager's interface) and a worker that dials it.
 */

const skipReason = await wgPairSkipReason();
if (skipReason && process.env.CI !== 'true')
  console.log(`skipping WireGuard integration test: ${skipReason}`);
const suite = skipReason && process.env.CI !== 'true' ? describe.skip : describe;

suite('WireGuard peer manager with wireguard-go in network namespaces', () => {
  const run = processRunner({ timeoutMs: 20_000 });
  let pair: WgPair;
  let manager: WgPeerManager;

  beforeAll(async () => {
    if (skipReason) throw new Error(`CI=true, so this test must run, but it ${skipReason}`);
    pair = await startWgPair();
    manager = createWgPeerManager({
      iface: pair.ifMaster,
      configPath: pair.configPath,
      netns: pair.nsMaster,
      strip: 'wg-quick',
    });
  });

  afterAll(async () => {
    await pair?.stop();
  });

  it("when supafleet strips a wg-quick file itself, then the text equals wg-quick strip's", async () => {
    const sample = join(pair.dir, `sfc${pair.ifMaster.slice(3)}.conf`);
    await writeFile(
      sample,
      `# fleet master\n[Interface]\n  Address = 10.100.0.1/24, fd00::1/64\nlistenport = 51820\nPrivateKey = ${pair.master.privateKey}\n` +
        `MTU = 1420\nDNS = 1.1.1.1\nTable = off\nPostUp = iptables -A FORWARD -i %i -j ACCEPT # forward\nSaveConfig = false\n\n` +
        `[Peer]\n# acme\nPublicKey = ${pair.worker.publicKey}\nAllowedIPs = 10.100.0.2/32\nPersistentKeepalive = 25\n`,
      { mode: 0o600 },
    );
    const real = await run.run('wg-quick', ['strip', sample]);
    expect(stripWgQuick(await readFile(sample, 'utf8'))).toBe(real.stdout);
  });

  it('when the manager starts, then the interface keeps its key and port (syncconf does not wipe them)', async () => {
    await manager.start();
    expect(await manager.publicKey()).toBe(pair.master.publicKey);
    expect((await pair.inNs(pair.nsMaster, 'wg', 'show', pair.ifMaster, 'listen-port')).stdout.trim()).toBe(
      '51820',
    );
    expect(await manager.list()).toEqual([]);
    expect(await readFile(pair.configPath, 'utf8')).not.toContain(pair.master.privateKey);
  });

  it('when a worker peer is added, then it is listed and the worker reaches the master over wg', async () => {
    await manager.add({ publicKey: pair.worker.publicKey, allowedIp: '10.100.0.2/32' });
    expect(await manager.list()).toEqual([
      {
        publicKey: pair.worker.publicKey,
        allowedIps: ['10.100.0.2/32'],
        endpoint: null,
        latestHandshake: null,
      },
    ]);
    await pair.configureWorker();
    await expect(pair.ping(3, 10)).resolves.toBeDefined();
    const [peer] = await manager.list();
    expect(peer?.latestHandshake).not.toBeNull();
    expect(peer?.endpoint).toMatch(/^192\.168\.231\.2:\d+$/);
    const file = await readFile(pair.configPath, 'utf8');
    expect(peersInConfig(file)).toEqual([
      { publicKey: pair.worker.publicKey, allowedIps: ['10.100.0.2/32'] },
    ]);
    expect((await stat(pair.configPath)).mode & 0o777).toBe(0o600);
  });

  it('when the peer is removed, then it is gone from the list and the file, and the worker can no longer reach the master', async () => {
    await manager.remove(pair.worker.publicKey);
    expect(await manager.list()).toEqual([]);
    expect(peersInConfig(await readFile(pair.configPath, 'utf8'))).toEqual([]);
    await expect(pair.ping(2, 3)).rejects.toThrow(/ping/);
  });

  it('when the master restarts from the persisted file, then its peers come back and the worker reaches it again', async () => {
    await manager.add({ publicKey: pair.worker.publicKey, allowedIp: '10.100.0.2/32' });
    await pair.restartMasterInterface();
    // The restarted manager strips the file itself: the builtin path against the real wg.
    const restarted = createWgPeerManager({
      iface: pair.ifMaster,
      configPath: pair.configPath,
      netns: pair.nsMaster,
      strip: 'builtin',
    });
    await restarted.start();
    expect((await restarted.list()).map((p) => [p.publicKey, p.allowedIps])).toEqual([
      [pair.worker.publicKey, ['10.100.0.2/32']],
    ]);
    expect(await restarted.publicKey()).toBe(pair.master.publicKey);
    await pair.configureWorker();
    await expect(pair.ping(3, 10)).resolves.toBeDefined();
  });
});
