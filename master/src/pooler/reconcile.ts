import type { Logger } from 'pino';
import type { Secret } from '../../../core/seal/index.ts';
import type { PoolerAction, PoolerTenants } from './types.ts';

/** An enrolled project as the registry lists it (`Registry.enrolledPeers`). */
export interface EnrolledProject {
  readonly project: string;
  readonly status: 'active' | 'deleted';
  readonly wgIp: string;
}

export interface PoolerReconcilerDeps {
  readonly pooler: PoolerTenants;
  readonly enrolled: () => Promise<readonly EnrolledProject[]>;
  /** The project's `pgbouncer` role password. */
  readonly pgbouncerPassword: (project: string) => Promise<Secret>;
  readonly log: Logger;
}

/** What one run did, per project. */
export interface PoolerReconcileOutcome {
  readonly synced: readonly { project: string; state: PoolerAction }[];
  readonly failed: readonly { project: string; error: string }[];
  /** Set when the registry could not be read. */
  readonly error?: string;
}

export interface PoolerReconciler {
  /** Syncs every enrolled active project's tenant, one after the other. Never rejects. */
  run(): Promise<PoolerReconcileOutcome>;
  /** Runs every `intervalS` seconds until `stop()`; 0 starts nothing. */
  start(intervalS: number): void;
  /** Stops the timer and waits for a run under way. */
  stop(): Promise<void>;
}

/**
 * Puts back what an upsert or routes call could not: a tenant whose first creation failed
 * because the worker's database was not up yet, or one Supavisor lost. Tenants that match are
 * only read (a sync never rewrites an unchanged tenant, which would drop its clients).
 */
export function createPoolerReconciler(deps: PoolerReconcilerDeps): PoolerReconciler {
  let inFlight: Promise<PoolerReconcileOutcome> | null = null;
  let timer: NodeJS.Timeout | null = null;

  const once = async (): Promise<PoolerReconcileOutcome> => {
    let projects: readonly EnrolledProject[];
    try {
      projects = (await deps.enrolled()).filter((p) => p.status === 'active');
    } catch (err) {
      const error = (err as Error).message;
      deps.log.warn({ err: error }, 'pooler tenant reconcile could not read the registry');
      return { synced: [], failed: [], error };
    }
    const synced: { project: string; state: PoolerAction }[] = [];
    const failed: { project: string; error: string }[] = [];
    for (const p of projects) {
      try {
        const state = await deps.pooler.sync({
          name: p.project,
          wgIp: p.wgIp,
          pgbouncerPassword: await deps.pgbouncerPassword(p.project),
        });
        synced.push({ project: p.project, state });
        if (state !== 'unchanged')
          deps.log.info({ project: p.project, state }, 'Supavisor tenant reconciled');
      } catch (err) {
        const error = (err as Error).message;
        failed.push({ project: p.project, error });
        deps.log.warn({ project: p.project, err: error }, 'reconciling the Supavisor tenant failed');
      }
    }
    return { synced, failed };
  };

  const run = (): Promise<PoolerReconcileOutcome> => {
    if (!inFlight) {
      inFlight = once().finally(() => {
        inFlight = null;
      });
    }
    return inFlight;
  };

  return {
    run,
    start(intervalS) {
      if (timer || intervalS <= 0) return;
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
