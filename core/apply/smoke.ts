/**
 * After a project is healthy and routed, the apply has the master run `supafleet smoke`
 * against it (`POST /v1/projects/:name/smoke`, write scope: the apply's OIDC token has
 * it) and reports the outcome as its own commit status, `supafleet/<name>/smoke`. The
 * keys stay on the master; the report names steps, timings and the failing layer. Kong
 * applies new routes within seconds, not at once, so a smoke whose first failure is at
 * the Kong route is run again, within a bounded time, as is one refused because another
 * smoke of the project was running.
 */
import { clampDescription } from '../github/status.ts';
import { MasterApiError } from '../master-client/errors.ts';
import type { SmokeReport } from '../smoke/types.ts';
import type { Clock, GitHubApi, Logger, MasterApi } from './ports.ts';

/** Runs the smoke of one project (the master's smoke endpoint in production; a fake in tests). */
export type SmokeRunner = (project: string) => Promise<SmokeReport>;

/** The master runs the smoke with the keys it holds. */
export function masterSmoke(master: Pick<MasterApi, 'smoke'>): SmokeRunner {
  return (project) => master.smoke(project);
}

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
  deps: { github?: GitHubApi; clock: Clock; log: Logger; smoke: SmokeRunner },
  o: SmokeAfterApplyOptions,
): Promise<'passed' | 'failed'> {
  const deadline = deps.clock.now() + (o.routeWaitMs ?? 30_000);
  let report: SmokeReport;
  for (let i = 0; ; i++) {
    let busy = false;
    try {
      report = await deps.smoke(o.name);
    } catch (err) {
      // never let the smoke undo a healthy project: a smoke that could not run is a failed check
      busy = err instanceof MasterApiError && err.status === 409;
      report = {
        project: o.name,
        url: '',
        ok: false,
        ms: 0,
        steps: [
          {
            name: 'smoke',
            outcome: 'failed',
            ms: 0,
            layer: 'check',
            detail: `the master's smoke did not answer a report: ${(err as Error).message}`,
          },
        ],
      };
    }
    const first = report.steps.find((s) => s.outcome === 'failed');
    const again = busy || first?.layer === 'kong-route';
    if (report.ok || !again || deps.clock.now() >= deadline || i >= 30) break;
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
