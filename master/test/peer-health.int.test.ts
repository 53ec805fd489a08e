import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { generateSealKeypair } from '../../core/seal/index.ts';
import { postgresSkipReason } from '../../test/support/postgres.ts';
import { createApp } from '../src/app.ts';
import { PEER_MISSING_REASON } from '../src/health.ts';
import { disabledPeerManager } from '../src/peers-disabled.ts';
import { spec, startLab, type Lab, type LabDeps } from './harness.ts';

/**
 * Health and the peer reconciler through the API, with the real registry and the in-memory
 * peers: what `GET /v1/projects[/:name]` says while an enrolled worker's peer is missing, and
 * that the reconciler puts back only the peers of active projects.
 */

const skip = postgresSkipReason();
if (skip) console.log(`skipping the peer health integration tests: ${skip}`);

const WG_KEY = (n: number): string => Buffer.alloc(32, n).toString('base64');
let keyCounter = 40;

type View = { name: string; health: { state: string; reasons: string[] } };

describe.skipIf(skip !== undefined)('WireGuard peer health and reconcile through the API', () => {
  let lab: Lab;
  let l: LabDeps;
  let app: ReturnType<typeof createApp>;
  let write: string;
  let read: string;
  const handedOut: string[] = [];

  beforeAll(async () => {
    lab = await startLab();
    l = await lab.newDeps({ settings: { publicBadges: ['acme'] } });
    app = createApp(l.deps, 'public');
    write = await l.token('write');
    read = await l.token('read');
    handedOut.push(write, read);
  });
  afterAll(async () => {
    await l?.close();
    await lab?.close();
  });

  const enrollProject = async (a: ReturnType<typeof createApp>, name: string) => {
    const r = await request(a)
      .put(`/v1/projects/${name}?enrollment_token=true`)
      .set('Authorization', `Bearer ${write}`)
      .send(spec(name));
    expect(r.status).toBeLessThan(300);
    const wgKey = WG_KEY(++keyCounter);
    const e = await request(a)
      .post('/v1/enroll')
      .send({
        token: r.body.enrollment.token,
        wg_public_key: wgKey,
        seal_public_key: (await generateSealKeypair()).publicKey,
      });
    expect(e.status).toBe(200);
    handedOut.push(r.body.enrollment.token, e.body.agent.token, e.body.agent.command_key);
    return { wgKey, ip: (e.body.wg.address as string).split('/')[0]! };
  };
  const view = async (name: string, a = app): Promise<View> =>
    (await request(a).get(`/v1/projects/${name}`).set('Authorization', `Bearer ${read}`)).body as View;
  const listed = async (name: string): Promise<View | undefined> => {
    const r = await request(app).get('/v1/projects').set('Authorization', `Bearer ${read}`);
    return (r.body.projects as View[]).find((p) => p.name === name);
  };

  it("when an enrolled worker's peer is removed behind the master's back, then the project and the list say down with the reason", async () => {
    const { wgKey } = await enrollProject(app, 'acme');
    expect((await view('acme')).health.reasons).not.toContain(PEER_MISSING_REASON);
    l.peers.peers.delete(wgKey);
    const one = await view('acme');
    expect(one.health).toMatchObject({ state: 'down', reasons: [PEER_MISSING_REASON] });
    expect((await listed('acme'))?.health).toEqual(one.health);
    // the public badge says the same as the API
    const badge = await request(app).get('/badges/acme.json');
    expect(badge.body).toMatchObject({ label: 'acme', message: 'down', color: 'red', isError: true });
  });

  it('when the reconciler runs, then the peer is back with the project address and the reason is gone', async () => {
    const outcome = await l.deps.peerReconciler.run();
    expect(outcome.repaired.map((r) => [r.project, r.reason])).toEqual([['acme', 'missing']]);
    const key = outcome.repaired[0]!.publicKey;
    const ip = (await l.deps.registry.getProject('acme'))!.wgIp;
    expect(l.peers.peers.get(key)?.allowedIps).toEqual([`${ip}/32`]);
    expect((await view('acme')).health).toMatchObject({ state: 'provisioning' });
    const metrics = await request(app).get('/metrics');
    expect(metrics.text).toContain('supafleet_wg_peer_repairs_total{project="acme",reason="missing"} 1');
    expect(l.logs.text()).toMatch(/"project":"acme","reason":"missing".*restored/);
  });

  it('when the peer list cannot be read, then health leaves WireGuard out', async () => {
    const { wgKey } = await enrollProject(app, 'blind');
    l.peers.peers.delete(wgKey);
    const spy = vi.spyOn(l.peers, 'list').mockRejectedValue(new Error('wg show failed (test)'));
    try {
      expect((await view('blind')).health.reasons).not.toContain(PEER_MISSING_REASON);
      expect((await listed('blind'))?.health.reasons).not.toContain(PEER_MISSING_REASON);
    } finally {
      spy.mockRestore();
    }
    expect((await view('blind')).health.reasons).toContain(PEER_MISSING_REASON);
    await l.deps.peerReconciler.run();
  });

  it('when WireGuard is not managed, then an enrolled project is never reported as missing its peer', async () => {
    const dev = createApp({ ...l.deps, peers: disabledPeerManager(WG_KEY(1)) }, 'public');
    await enrollProject(dev, 'devbox');
    expect((await view('devbox', dev)).health).toMatchObject({ state: 'provisioning' });
  });

  it('when a project is deleted, then a reconcile does not put its peer back', async () => {
    const { wgKey } = await enrollProject(app, 'gone');
    const d = await request(app).delete('/v1/projects/gone').set('Authorization', `Bearer ${write}`);
    expect(d.body).toEqual({ deleted: true });
    const outcome = await l.deps.peerReconciler.run();
    expect(outcome.repaired.map((r) => r.project)).not.toContain('gone');
    expect(l.peers.peers.has(wgKey)).toBe(false);
  });

  it('when a reconcile starts while a deletion has removed the live peer but not yet the row, then the peer stays gone', async () => {
    const { wgKey } = await enrollProject(app, 'racing');
    let pending: Promise<unknown> | undefined;
    const remove = l.peers.remove.bind(l.peers);
    const spy = vi.spyOn(l.peers, 'remove').mockImplementation(async (key) => {
      await remove(key);
      // the reconcile starts inside the deletion's window; it may not finish before the tombstone
      pending = l.deps.peerReconciler.run();
      await Promise.race([pending, new Promise((r) => setTimeout(r, 500))]);
    });
    try {
      const d = await request(app).delete('/v1/projects/racing').set('Authorization', `Bearer ${write}`);
      expect(d.body).toEqual({ deleted: true });
      await pending;
    } finally {
      spy.mockRestore();
    }
    expect(pending).toBeDefined();
    expect(l.peers.peers.has(wgKey)).toBe(false);
  });

  it('when deletions and reconciles run at the same time, then no deleted project gets its peer back', async () => {
    const projects = await Promise.all(['race-a', 'race-b', 'race-c'].map((n) => enrollProject(app, n)));
    await Promise.all([
      ...['race-a', 'race-b', 'race-c'].map((n) =>
        request(app).delete(`/v1/projects/${n}`).set('Authorization', `Bearer ${write}`),
      ),
      ...Array.from({ length: 5 }, () => l.deps.peerReconciler.run()),
    ]);
    await l.deps.peerReconciler.run();
    for (const p of projects) expect(l.peers.peers.has(p.wgKey)).toBe(false);
  });

  it('when the run is over, then no secret handed out appears in the logs', () => {
    const text = l.logs.text();
    expect(handedOut.length).toBeGreaterThan(10);
    for (const s of handedOut) expect(text).not.toContain(s);
  });
});
