import type { Logger } from 'pino';
import type { Metrics } from '../metrics.ts';
import type { PeerManager } from '../ports.ts';
import type { EnrolledPeerRow } from '../registry/queries.ts';
import type { PeerLock } from './peer-lock.ts';
import { planPeers, type PeerRepair } from './reconcile-plan.ts';

/** What one reconcile run did. */
export interface PeerReconcileOutcome {
  /** `disabled`: WireGuard is not managed, nothing was read or changed. */
  readonly skipped?: 'disabled';
  /** Repairs made, by project. */
  readonly repaired: readonly PeerRepair[];
  /** Repairs that failed (the next run tries again), with the error's message. */
  readonly failed: readonly { readonly project: string; readonly error: string }[];
  /** Live peers no active project owns, left in place. */
  readonly unknown: readonly string[];
  /** Set when the peers or the registry could not be read (nothing was changed). */
  readonly error?: string;
}

/** Keeps the master's WireGuard peers in line with the registry. */
export interface PeerReconciler {
  /**
   * One run: list the peers, read the enrolled projects, repair what drifted. Never rejects;
   * a failure is logged, counted and returned. A call while a run is under way gets that run.
   */
  run(): Promise<PeerReconcileOutcome>;
  /** Runs every `intervalS` seconds until `stop()`; 0 starts nothing. */
  start(intervalS: number): void;
  /** Stops the timer and waits for a run under way. */
  stop(): Promise<void>;
}

export interface PeerReconcilerDeps {
  readonly peers: PeerManager;
  /** The registry's enrolled peers (`Registry.enrolledPeers`). */
  readonly enrolled: () => Promise<EnrolledPeerRow[]>;
  readonly lock: PeerLock;
  readonly log: Logger;
  readonly metrics: Pick<Metrics, 'peerRepairs' | 'unknownPeers' | 'peerReconciles'>;
}

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/**
 * The reconciler: `planPeers` over `peers.list()` and the registry, then one `peers.add` per
 * repair (which also rewrites the persisted file). Runs under the peer lock, so it never sees a
 * deletion or an enrollment half done. An unknown peer is warned about once while it stays;
 * when it goes and comes back, it is warned about again.
 */
export function createPeerReconciler(deps: PeerReconcilerDeps): PeerReconciler {
  const { peers, log, metrics } = deps;
  const warned = new Set<string>();
  let inFlight: Promise<PeerReconcileOutcome> | null = null;
  let timer: NodeJS.Timeout | null = null;

  const once = async (): Promise<PeerReconcileOutcome> => {
    let plan;
    try {
      const actual = await peers.list();
      plan = planPeers(await deps.enrolled(), actual);
    } catch (err) {
      metrics.peerReconciles.inc({ result: 'failed' });
      log.warn({ err: message(err) }, 'WireGuard peer reconcile could not read the peers or the registry');
      return { repaired: [], failed: [], unknown: [], error: message(err) };
    }
    const repaired: PeerRepair[] = [];
    const failed: { project: string; error: string }[] = [];
    for (const r of plan.repairs) {
      try {
        await peers.add({ publicKey: r.publicKey, allowedIp: r.allowedIp });
        repaired.push(r);
        metrics.peerRepairs.inc({ project: r.project, reason: r.reason });
        log.warn(
          { project: r.project, reason: r.reason, allowed_ips: r.allowedIp, found: r.found },
          r.reason === 'missing'
            ? 'WireGuard peer was missing on the master; restored'
            : 'WireGuard peer had other allowed IPs; corrected',
        );
      } catch (err) {
        failed.push({ project: r.project, error: message(err) });
        log.warn(
          { project: r.project, reason: r.reason, err: message(err) },
          'repairing a WireGuard peer failed',
        );
      }
    }
    for (const key of plan.unknown) {
      if (warned.has(key)) continue;
      warned.add(key);
      log.warn(
        { wg_public_key: key },
        'WireGuard peer on the master belongs to no active project; left in place (remove it by hand if unwanted)',
      );
    }
    const present = new Set(plan.unknown);
    for (const key of warned) if (!present.has(key)) warned.delete(key);
    metrics.unknownPeers.set(plan.unknown.length);
    metrics.peerReconciles.inc({ result: failed.length > 0 ? 'failed' : 'ok' });
    return { repaired, failed, unknown: plan.unknown };
  };

  const run = (): Promise<PeerReconcileOutcome> => {
    if (peers.managed === false)
      return Promise.resolve({ skipped: 'disabled', repaired: [], failed: [], unknown: [] });
    if (!inFlight) {
      inFlight = deps.lock.run(once).finally(() => {
        inFlight = null;
      });
    }
    return inFlight;
  };

  return {
    run,
    start(intervalS) {
      if (timer || intervalS <= 0 || peers.managed === false) return;
      timer = setInterval(() => void run(), intervalS * 1000);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = null;
      if (inFlight) await inFlight;
    },
  };
}
