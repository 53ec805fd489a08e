import { readFile, writeFile } from 'node:fs/promises';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSealKeypair } from '../../core/seal/index.ts';
import { postgresSkipReason } from '../../test/support/postgres.ts';
import { createApp } from '../src/app.ts';
import type { Deps } from '../src/deps.ts';
import { PEER_MISSING_REASON } from '../src/health.ts';
import type { PeerManager } from '../src/ports.ts';
import { peersInConfig, withoutPeer } from '../src/wireguard/config-file.ts';
import { createPeerReconciler } from '../src/wireguard/reconcile.ts';
import { startWgPair, wgKeypair, wgPairSkipReason, type WgPair } from '../src/wireguard/test/wg-pair.ts';
import { createWgPeerManager } from '../src/wireguard/wg.ts';
import { spec, startLab, type Lab, type LabDeps } from './harness.ts';

/**
 * The peer reconciler with the real peer manager, the real registry and real WireGuard: a
 * worker enrolls through the API into wireguard-go in a "master" namespace and pings it from a
 * "worker" namespace; its peer is then changed behind the master's back with `wg set`, the API
 * says so, and a reconcile brings the worker back.
 */

const skipReason = (await wgPairSkipReason()) ?? postgresSkipReason() ?? null;
if (skipReason && process.env.CI !== 'true')
  console.log(`skipping WireGuard peer reconcile integration test: ${skipReason}`);
const suite = skipReason && process.env.CI !== 'true' ? describe.skip : describe;

/** The real manager, counting the mutating calls made through it. */
function counting(inner: PeerManager): PeerManager & { mutations: number } {
  const c = {
    mutations: 0,
    add: async (p: { publicKey: string; allowedIp: string }) => {
      c.mutations += 1;
      await inner.add(p);
    },
    remove: async (k: string) => {
      c.mutations += 1;
      await inner.remove(k);
    },
    list: () => inner.list(),
    publicKey: () => inner.publicKey(),
  };
  return c;
}

suite('WireGuard peer reconcile with wireguard-go and the registry', () => {
  let pair: WgPair;
  let lab: Lab;
  let l: LabDeps;
  let deps: Deps;
  let peers: PeerManager & { mutations: number };
  let app: ReturnType<typeof createApp>;
  let read: string;
  const handedOut: string[] = [];

  const wg = (...args: string[]) => pair.inNs(pair.nsMaster, 'wg', ...args);
  const project = async () =>
    (await request(app).get('/v1/projects/acme').set('Authorization', `Bearer ${read}`)).body as {
      health: { state: string; reasons: string[] };
    };

  beforeAll(async () => {
    if (skipReason) throw new Error(`CI=true, so this test must run, but it ${skipReason}`);
    pair = await startWgPair();
    lab = await startLab();
    l = await lab.newDeps({ cidr: '10.100.0.0/24' });
    const real = createWgPeerManager({
      iface: pair.ifMaster,
      configPath: pair.configPath,
      netns: pair.nsMaster,
      strip: 'builtin',
    });
    await real.start();
    peers = counting(real);
    deps = {
      ...l.deps,
      peers,
      peerReconciler: createPeerReconciler({
        peers,
        enrolled: () => l.deps.registry.enrolledPeers(),
        lock: l.deps.peerLock,
        log: l.deps.log,
        metrics: l.deps.metrics,
      }),
    };
    app = createApp(deps, 'public');
    read = await l.token('read');
    const write = await l.token('write');
    handedOut.push(read, write);
    const put = await request(app)
      .put('/v1/projects/acme?enrollment_token=true')
      .set('Authorization', `Bearer ${write}`)
      .send(spec('acme'));
    expect(put.status).toBe(201);
    expect(put.body.project.wg_ip).toBe('10.100.0.2');
    expect(put.body.enrollment.master_wg_public_key).toBe(pair.master.publicKey);
    const seal = await generateSealKeypair();
    const e = await request(app).post('/v1/enroll').send({
      token: put.body.enrollment.token,
      wg_public_key: pair.worker.publicKey,
      seal_public_key: seal.publicKey,
    });
    expect(e.status).toBe(200);
    handedOut.push(put.body.enrollment.token, e.body.agent.token, e.body.agent.command_key);
    await pair.configureWorker();
  }, 60_000);

  afterAll(async () => {
    await deps?.peerReconciler.stop();
    await l?.close();
    await lab?.close();
    await pair?.stop();
  });

  it('when the worker has enrolled, then it reaches the master over wg and its peer is not reported missing', async () => {
    await expect(pair.ping(3, 10)).resolves.toBeDefined();
    expect((await project()).health.reasons).not.toContain(PEER_MISSING_REASON);
  });

  it('when nothing drifted, then a reconcile makes no change at all', async () => {
    const before = await readFile(pair.configPath, 'utf8');
    peers.mutations = 0;
    expect(await deps.peerReconciler.run()).toEqual({ repaired: [], failed: [], unknown: [] });
    expect(peers.mutations).toBe(0);
    expect(await readFile(pair.configPath, 'utf8')).toBe(before);
  });

  it("when the peer is removed behind the master's back, then the project is down with the reason", async () => {
    await wg('set', pair.ifMaster, 'peer', pair.worker.publicKey, 'remove');
    // and the persisted file lost it too (a failed write, a hand edit)
    await writeFile(
      pair.configPath,
      withoutPeer(await readFile(pair.configPath, 'utf8'), pair.worker.publicKey),
    );
    const view = await project();
    expect(view.health.state).toBe('down');
    expect(view.health.reasons).toContain(PEER_MISSING_REASON);
    await expect(pair.ping(2, 3)).rejects.toThrow(/ping/);
  });

  it('when the reconciler runs, then the peer is back live and in the file, and the worker reaches the master again', async () => {
    const outcome = await deps.peerReconciler.run();
    expect(outcome.repaired.map((r) => [r.project, r.reason, r.allowedIp])).toEqual([
      ['acme', 'missing', '10.100.0.2/32'],
    ]);
    const live = (await wg('show', pair.ifMaster, 'allowed-ips')).stdout.trim();
    expect(live).toBe(`${pair.worker.publicKey}\t10.100.0.2/32`);
    expect(peersInConfig(await readFile(pair.configPath, 'utf8'))).toEqual([
      { publicKey: pair.worker.publicKey, allowedIps: ['10.100.0.2/32'] },
    ]);
    expect((await project()).health.reasons).not.toContain(PEER_MISSING_REASON);
    // the worker is not touched: it starts a new handshake by itself once its session goes unanswered
    await expect(pair.ping(1, 40)).resolves.toBeDefined();
    const metrics = await request(app).get('/metrics');
    expect(metrics.text).toContain('supafleet_wg_peer_repairs_total{project="acme",reason="missing"} 1');
  }, 60_000);

  it("when the peer's allowed IPs are changed behind the master's back, then a reconcile sets them right and traffic flows", async () => {
    await wg('set', pair.ifMaster, 'peer', pair.worker.publicKey, 'allowed-ips', '10.100.0.50/32');
    await expect(pair.ping(2, 3)).rejects.toThrow(/ping/);
    const outcome = await deps.peerReconciler.run();
    expect(outcome.repaired.map((r) => [r.project, r.reason, r.found])).toEqual([
      ['acme', 'allowed_ips', ['10.100.0.50/32']],
    ]);
    await expect(pair.ping(3, 10)).resolves.toBeDefined();
  }, 30_000);

  it('when an operator adds a peer of their own, then reconciles keep it and warn about it once', async () => {
    const operator = wgKeypair();
    await wg('set', pair.ifMaster, 'peer', operator.publicKey, 'allowed-ips', '10.100.0.200/32');
    const first = await deps.peerReconciler.run();
    const second = await deps.peerReconciler.run();
    expect(first.unknown).toEqual([operator.publicKey]);
    expect(second).toEqual({ repaired: [], failed: [], unknown: [operator.publicKey] });
    expect((await wg('show', pair.ifMaster, 'peers')).stdout).toContain(operator.publicKey);
    expect(l.logs.text().split(operator.publicKey)).toHaveLength(2);
  });

  it('when the run is over, then no secret handed out appears in the logs', () => {
    const text = l.logs.text();
    expect(handedOut.length).toBe(5);
    for (const s of handedOut) expect(text).not.toContain(s);
    expect(text).not.toContain(pair.master.privateKey);
    expect(text).not.toContain(pair.worker.privateKey);
  });
});
