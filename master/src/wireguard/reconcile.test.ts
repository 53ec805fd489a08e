import { Writable } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../log.ts';
import { createMetrics } from '../metrics.ts';
import { disabledPeerManager } from '../peers-disabled.ts';
import type { PeerManager, WgPeer } from '../ports.ts';
import type { EnrolledPeerRow } from '../registry/queries.ts';
import { FakePeerManager } from '../../../fakes/wireguard/peer-manager.ts';
import { createPeerLock } from './peer-lock.ts';
import { createPeerReconciler } from './reconcile.ts';

const KEY = (n: number): string => Buffer.alloc(32, n).toString('base64');
const row = (project: string, n: number): EnrolledPeerRow => ({
  project,
  status: 'active',
  wgIp: `10.100.0.${n}`,
  publicKey: KEY(n),
});

/** The fake peer manager, counting calls; `failList` / `failAdd` make the next such call throw. */
class CountingPeers implements PeerManager {
  readonly fake = new FakePeerManager();
  calls = { list: 0, add: 0, remove: 0 };
  failList = false;
  failAddFor = new Set<string>();
  async add(p: { publicKey: string; allowedIp: string }): Promise<void> {
    this.calls.add += 1;
    if (this.failAddFor.has(p.publicKey)) throw new Error('wg set failed (test)');
    await this.fake.add(p);
  }
  async remove(publicKey: string): Promise<void> {
    this.calls.remove += 1;
    await this.fake.remove(publicKey);
  }
  async list(): Promise<WgPeer[]> {
    this.calls.list += 1;
    if (this.failList) throw new Error('wg show failed (test)');
    return this.fake.list();
  }
  async publicKey(): Promise<string> {
    return this.fake.publicKey();
  }
}

class Lines extends Writable {
  readonly lines: Record<string, unknown>[] = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    this.lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
    cb();
  }
  text(): string {
    return this.lines.map((l) => JSON.stringify(l)).join('\n');
  }
}

function setup(rows: EnrolledPeerRow[] = [], peers: PeerManager = new CountingPeers()) {
  const out = new Lines();
  const metrics = createMetrics();
  const registry = { rows, reads: 0 };
  const lock = createPeerLock();
  const reconciler = createPeerReconciler({
    peers,
    enrolled: async () => {
      registry.reads += 1;
      return registry.rows;
    },
    lock,
    log: createLogger('info', out),
    metrics,
  });
  const metric = async (name: string): Promise<string> =>
    (await metrics.registry.metrics())
      .split('\n')
      .filter((l) => l.startsWith(name))
      .join('\n');
  return { reconciler, out, metrics, metric, registry, lock };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('peer reconciler', () => {
  it('when an enrolled peer is missing, then it is added back, logged by project and counted', async () => {
    const peers = new CountingPeers();
    await peers.fake.add({ publicKey: KEY(2), allowedIp: '10.100.0.2/32' });
    const { reconciler, out, metric } = setup([row('acme', 2), row('blog', 3)], peers);
    const outcome = await reconciler.run();
    expect(outcome.repaired.map((r) => [r.project, r.reason])).toEqual([['blog', 'missing']]);
    expect((await peers.fake.list()).map((p) => [p.publicKey, p.allowedIps])).toEqual(
      [
        [KEY(2), ['10.100.0.2/32']],
        [KEY(3), ['10.100.0.3/32']],
      ].sort(),
    );
    expect(peers.calls).toEqual({ list: 1, add: 1, remove: 0 });
    expect(await metric('supafleet_wg_peer_repairs_total{')).toBe(
      'supafleet_wg_peer_repairs_total{project="blog",reason="missing"} 1',
    );
    const repair = out.lines.find((l) => l.project === 'blog');
    expect(repair).toMatchObject({ level: 40, reason: 'missing', msg: expect.stringMatching(/restored/) });
    expect(out.text()).not.toContain(KEY(3));
  });

  it('when a peer has other allowed IPs, then they are set to the project address alone', async () => {
    const peers = new CountingPeers();
    await peers.fake.add({ publicKey: KEY(2), allowedIp: '10.100.0.77/32' });
    const { reconciler, metric } = setup([row('acme', 2)], peers);
    const outcome = await reconciler.run();
    expect(outcome.repaired).toEqual([
      {
        project: 'acme',
        publicKey: KEY(2),
        allowedIp: '10.100.0.2/32',
        reason: 'allowed_ips',
        found: ['10.100.0.77/32'],
      },
    ]);
    expect((await peers.fake.list())[0]?.allowedIps).toEqual(['10.100.0.2/32']);
    expect(await metric('supafleet_wg_peer_repairs_total{')).toContain('reason="allowed_ips"} 1');
  });

  it('when nothing drifted, then a run makes no mutating call and counts nothing', async () => {
    const peers = new CountingPeers();
    await peers.fake.add({ publicKey: KEY(2), allowedIp: '10.100.0.2/32' });
    const { reconciler, out, metric } = setup([row('acme', 2)], peers);
    peers.calls = { list: 0, add: 0, remove: 0 };
    for (let i = 0; i < 3; i++) {
      expect(await reconciler.run()).toEqual({ repaired: [], failed: [], unknown: [] });
    }
    expect(peers.calls).toEqual({ list: 3, add: 0, remove: 0 });
    expect(await metric('supafleet_wg_peer_repairs_total{')).toBe('');
    expect(await metric('supafleet_wg_peer_reconciles_total{')).toBe(
      'supafleet_wg_peer_reconciles_total{result="ok"} 3',
    );
    expect(out.lines).toEqual([]);
  });

  it('when a live peer belongs to no project, then it is kept, warned about once and gauged', async () => {
    const peers = new CountingPeers();
    await peers.fake.add({ publicKey: KEY(9), allowedIp: '10.100.0.99/32' });
    const { reconciler, out, metric } = setup([], peers);
    await reconciler.run();
    await reconciler.run();
    expect(await peers.fake.list()).toHaveLength(1);
    expect(peers.calls.remove).toBe(0);
    const warnings = out.lines.filter((l) => l.wg_public_key === KEY(9));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ level: 40, msg: expect.stringMatching(/no active project/) });
    expect(await metric('supafleet_wg_unknown_peers ')).toBe('supafleet_wg_unknown_peers 1');
  });

  it('when an unknown peer goes and comes back, then it is warned about again and the gauge follows', async () => {
    const peers = new CountingPeers();
    const { reconciler, out, metric } = setup([], peers);
    await peers.fake.add({ publicKey: KEY(9), allowedIp: '10.100.0.99/32' });
    await reconciler.run();
    await peers.fake.remove(KEY(9));
    await reconciler.run();
    expect(await metric('supafleet_wg_unknown_peers ')).toBe('supafleet_wg_unknown_peers 0');
    await peers.fake.add({ publicKey: KEY(9), allowedIp: '10.100.0.99/32' });
    await reconciler.run();
    expect(out.lines.filter((l) => l.wg_public_key === KEY(9))).toHaveLength(2);
  });

  it('when a project is deleted from the registry, then a later run does not put its peer back', async () => {
    const peers = new CountingPeers();
    const { reconciler, registry } = setup([row('acme', 2), row('gone', 5)], peers);
    await reconciler.run();
    await peers.fake.remove(KEY(5));
    registry.rows = [row('acme', 2), { ...row('gone', 5), status: 'deleted' }];
    const outcome = await reconciler.run();
    expect(outcome.repaired).toEqual([]);
    expect((await peers.fake.list()).map((p) => p.publicKey)).toEqual([KEY(2)]);
  });

  it('when a deletion holds the peer lock, then the run waits and sees the project gone', async () => {
    const peers = new CountingPeers();
    await peers.fake.add({ publicKey: KEY(5), allowedIp: '10.100.0.5/32' });
    const { reconciler, registry, lock } = setup([row('gone', 5)], peers);
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let removed!: () => void;
    const liveRemoved = new Promise<void>((r) => (removed = r));
    const deletion = lock.run(async () => {
      await peers.fake.remove(KEY(5)); // live peer first, as deleteProject does
      removed();
      await released;
      registry.rows = []; // then the tombstone
    });
    await liveRemoved;
    const pending = reconciler.run();
    await new Promise((r) => setImmediate(r));
    expect(peers.calls.list).toBe(0);
    release();
    await deletion;
    expect((await pending).repaired).toEqual([]);
    expect(await peers.fake.list()).toEqual([]);
  });

  it('when runs overlap, then the second call gets the first run and the peers are listed once', async () => {
    const peers = new CountingPeers();
    const { reconciler } = setup([row('acme', 2)], peers);
    const [a, b] = [reconciler.run(), reconciler.run()];
    expect(b).toBe(a);
    await a;
    expect(peers.calls).toEqual({ list: 1, add: 1, remove: 0 });
  });

  it('when the peers cannot be listed, then the run reports it, changes nothing and does not reject', async () => {
    const peers = new CountingPeers();
    peers.failList = true;
    const { reconciler, out, metric, registry } = setup([row('acme', 2)], peers);
    const outcome = await reconciler.run();
    expect(outcome).toEqual({ repaired: [], failed: [], unknown: [], error: 'wg show failed (test)' });
    expect(peers.calls.add).toBe(0);
    expect(registry.reads).toBe(0);
    expect(await metric('supafleet_wg_peer_reconciles_total{')).toBe(
      'supafleet_wg_peer_reconciles_total{result="failed"} 1',
    );
    expect(out.lines[0]).toMatchObject({ level: 40, err: 'wg show failed (test)' });
  });

  it('when one repair fails, then the others are still made and the next run retries it', async () => {
    const peers = new CountingPeers();
    peers.failAddFor.add(KEY(2));
    const { reconciler } = setup([row('acme', 2), row('blog', 3)], peers);
    const first = await reconciler.run();
    expect(first.repaired.map((r) => r.project)).toEqual(['blog']);
    expect(first.failed).toEqual([{ project: 'acme', error: 'wg set failed (test)' }]);
    peers.failAddFor.clear();
    const second = await reconciler.run();
    expect(second.repaired.map((r) => r.project)).toEqual(['acme']);
    expect(await peers.fake.list()).toHaveLength(2);
  });

  it('when WireGuard is not managed, then a run reads and changes nothing', async () => {
    const disabled = disabledPeerManager(KEY(1));
    const spy = { list: vi.spyOn(disabled, 'list'), add: vi.spyOn(disabled, 'add') };
    const { reconciler, registry } = setup([row('acme', 2)], disabled);
    expect(await reconciler.run()).toEqual({ skipped: 'disabled', repaired: [], failed: [], unknown: [] });
    expect(spy.list).not.toHaveBeenCalled();
    expect(spy.add).not.toHaveBeenCalled();
    expect(registry.reads).toBe(0);
  });

  it('when started with an interval, then it runs every interval until stopped', async () => {
    vi.useFakeTimers();
    const peers = new CountingPeers();
    const { reconciler } = setup([row('acme', 2)], peers);
    reconciler.start(30);
    await vi.advanceTimersByTimeAsync(29_000);
    expect(peers.calls.list).toBe(0);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(peers.calls).toEqual({ list: 1, add: 1, remove: 0 });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(peers.calls.list).toBe(3);
    await reconciler.stop();
    await vi.advanceTimersByTimeAsync(300_000);
    expect(peers.calls.list).toBe(3);
  });

  it('when started with interval 0, then no timer runs', async () => {
    vi.useFakeTimers();
    const peers = new CountingPeers();
    const { reconciler } = setup([row('acme', 2)], peers);
    reconciler.start(0);
    await vi.advanceTimersByTimeAsync(3_600_000);
    expect(peers.calls.list).toBe(0);
  });
});
