/**
 * WireGuard peer reconcile, in process (no network, no wg): the pure plan over 1,000 enrolled
 * projects whose peers are all live, and a reconciler run against the in-memory peer manager
 * with 100 of 1,000 peers missing. What a real run adds on top is one `wg show dump` and one
 * `wg set` (plus a file rewrite) per repair.
 */
import { Writable } from 'node:stream';
import { createLogger } from '../master/src/log.ts';
import { createMetrics } from '../master/src/metrics.ts';
import type { EnrolledPeerRow } from '../master/src/registry/queries.ts';
import { FakePeerManager } from '../fakes/wireguard/peer-manager.ts';
import { createPeerLock } from '../master/src/wireguard/peer-lock.ts';
import { planPeers } from '../master/src/wireguard/reconcile-plan.ts';
import { createPeerReconciler } from '../master/src/wireguard/reconcile.ts';
import type { BenchResult } from './types.ts';

const PROJECTS = 1000;
const MISSING = 100;
const PLAN_ROUNDS = 200;
const RUN_ROUNDS = 20;

function key(i: number): string {
  const b = Buffer.alloc(32);
  b.writeUInt32BE(i + 1, 0);
  return b.toString('base64');
}

function rows(): EnrolledPeerRow[] {
  return Array.from({ length: PROJECTS }, (_, i) => ({
    project: `p-${String(i).padStart(4, '0')}`,
    status: 'active' as const,
    wgIp: `10.100.${Math.floor((i + 2) / 256)}.${(i + 2) % 256}`,
    publicKey: key(i),
  }));
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function run(): Promise<BenchResult[]> {
  const enrolled = rows();
  const live = enrolled.map((r) => ({
    publicKey: r.publicKey,
    allowedIps: [`${r.wgIp}/32`],
    endpoint: null,
    latestHandshake: null,
  }));

  const planMs: number[] = [];
  for (let i = 0; i < PLAN_ROUNDS; i++) {
    const t = performance.now();
    const plan = planPeers(enrolled, live);
    planMs.push(performance.now() - t);
    if (plan.repairs.length !== 0) throw new Error('expected an empty plan');
  }

  const runMs: number[] = [];
  const sink = new Writable({ write: (_c, _e, cb) => cb() });
  for (let i = 0; i < RUN_ROUNDS; i++) {
    const peers = new FakePeerManager();
    for (const r of enrolled.slice(MISSING))
      await peers.add({ publicKey: r.publicKey, allowedIp: `${r.wgIp}/32` });
    const reconciler = createPeerReconciler({
      peers,
      enrolled: async () => enrolled,
      lock: createPeerLock(),
      log: createLogger('info', sink),
      metrics: createMetrics(),
    });
    const t = performance.now();
    const outcome = await reconciler.run();
    runMs.push(performance.now() - t);
    if (outcome.repaired.length !== MISSING) throw new Error(`expected ${MISSING} repairs`);
  }

  const plan = median(planMs);
  const runOnce = median(runMs);
  return [
    {
      name: `wg peer plan, ${PROJECTS} enrolled projects in sync: median`,
      value: Math.round(plan * 1000) / 1000,
      unit: 'ms',
      target: '< 5 ms',
      ok: plan < 5,
    },
    {
      name: `wg peer reconcile (in-memory peers), ${MISSING} of ${PROJECTS} missing: median`,
      value: Math.round(runOnce * 100) / 100,
      unit: 'ms',
      target: '< 50 ms',
      ok: runOnce < 50,
    },
  ];
}
