/**
 * After a project is healthy and routed, the apply runs `supafleet smoke` against
 * it and reports the outcome as its own commit status, `supafleet/<name>/smoke`.
 * The keys come from the master's credentials endpoint, which needs the admin
 * scope: a run whose master token lacks it skips the smoke with a warning. Kong
 * applies new routes within seconds, not at once, so a smoke whose first failure
 * is at the Kong route is run again, within a bounded time.
 */
import { clampDescription } from '../github/status.ts';
import type { SmokeReport, SmokeTarget } from '../smoke/types.ts';
import type { Clock, GitHubApi, Logger, MasterApi } from './ports.ts';

/** Runs the smoke (core/smoke runSmoke in production; a fake in tests). */
export type SmokeRunner = (project: string, target: SmokeTarget) => Promise<SmokeReport>;

export function smokeStatusContext(project: string): string {
  return `supafleet/${project}/smoke`;
}

/** One line for the commit status: what passed, or where it failed. */
export function smokeDescription(r: SmokeReport): string {
  if (r.ok) return `smoke passed: ${r.steps.length} steps in ${(r.ms / 1000).toFixed(1)} s`;
  const failed = r.steps.find((s) => s.outcome === 'failed');
  return failed
    ? `smoke failed at ${failed.name} [${failed.layer}]: ${failed.detail ?? ''}`
    : 'smoke failed: a step was skipped';
}

export interface SmokeAfterApplyOptions {
  readonly name: string;
  readonly status?: { readonly sha?: string; readonly url?: string };
  /** How long Kong may take to answer the new routes (default 30 s). */
  readonly routeWaitMs?: number;
  /** Time between two tries while the route is not there yet (default 2 s). */
  readonly retryMs?: number;
}

export async function smokeAfterApply(
  deps: { master: MasterApi; github?: GitHubApi; clock: Clock; log: Logger; smoke: SmokeRunner },
  o: SmokeAfterApplyOptions,
): Promise<'passed' | 'failed' | 'skipped'> {
  let target: SmokeTarget;
  try {
    const c = await deps.master.credentials(o.name);
    deps.log.mask(c.anon_key);
    deps.log.mask(c.service_role_key);
    target = { url: c.url, anonKey: c.anon_key, serviceRoleKey: c.service_role_key };
  } catch (err) {
    deps.log.warn(
      `${o.name}: smoke skipped: the master did not hand out the project's keys (${(err as Error).message}); ` +
        'the credentials endpoint needs a master token with admin scope (api-token)',
    );
    return 'skipped';
  }
  const deadline = deps.clock.now() + (o.routeWaitMs ?? 30_000);
  let report: SmokeReport;
  for (let i = 0; ; i++) {
    try {
      report = await deps.smoke(o.name, target);
    } catch (err) {
      // never let the smoke undo a healthy project: a crash of the check is a failed check
      report = {
        project: o.name,
        url: target.url,
        ok: false,
        ms: 0,
        steps: [{ name: 'smoke', outcome: 'failed', ms: 0, layer: 'check', detail: (err as Error).message }],
      };
    }
    const first = report.steps.find((s) => s.outcome === 'failed');
    if (report.ok || first?.layer !== 'kong-route' || deps.clock.now() >= deadline || i >= 30) break;
    await deps.clock.sleep(o.retryMs ?? 2000);
  }
  const description = smokeDescription(report);
  if (report.ok) deps.log.info(`${o.name}: ${description}`);
  else deps.log.error(`${o.name}: ${description}`);
  if (deps.github && o.status?.sha) {
    try {
      await deps.github.setStatus(o.status.sha, {
        state: report.ok ? 'success' : 'failure',
        context: smokeStatusContext(o.name),
        description: clampDescription(description),
        ...(o.status.url ? { targetUrl: o.status.url } : {}),
      });
    } catch (err) {
      deps.log.warn(`${o.name}: setting the smoke status failed: ${(err as Error).message}`);
    }
  }
  return report.ok ? 'passed' : 'failed';
}
