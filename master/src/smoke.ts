/**
 * The master-side smoke (`POST /v1/projects/:name/smoke`, write scope): the same
 * check as `supafleet smoke` (core/smoke), run from the master with the keys it
 * holds, so a caller without the admin scope (the apply workflow's OIDC token, an
 * operator's write token) can run it and the keys never leave the master.
 *
 * The master reaches `https://<subdomain>.<domain>` through its own Caddy: it
 * connects to the configured edge (default 127.0.0.1:443, the Caddy on this host)
 * and asks for the project's host name in SNI and Host, as a client from outside
 * would. One smoke per project at a time; a whole run is bounded in time. The
 * report names steps, timings and the failing layer; every value of the project's
 * secrets is blanked out of it before it leaves.
 */
import { secretValues } from '../../core/secrets/generate.ts';
import type { SmokeOptions, SmokeReport } from '../../core/smoke/types.ts';
import type { Actor } from './auth/principal.ts';
import type { Deps } from './deps.ts';
import { ConflictError } from './errors.ts';
import { activeProject, projectSecrets } from './projects.ts';

/** Runs the check itself (core/smoke's runSmoke in production). */
export type SmokeCheck = (o: SmokeOptions) => Promise<SmokeReport>;

/** Where the master's smoke connects and what it trusts. */
export interface SmokeEdge {
  /** Connect here instead of what DNS answers (the master's own Caddy); absent: DNS. */
  readonly connect?: { readonly address: string; readonly port: number };
  /** Extra CA certificate(s), PEM, for an edge whose certificate a public CA did not sign. */
  readonly ca?: string;
}

export interface SmokeSettings {
  readonly edge: SmokeEdge;
  /** Each step's limit. */
  readonly stepTimeoutMs: number;
  /** The whole run's limit; past it the answer is a failed report, and the run is left to end. */
  readonly timeoutMs: number;
}

export const DEFAULT_SMOKE_SETTINGS: SmokeSettings = {
  edge: { connect: { address: '127.0.0.1', port: 443 } },
  stepTimeoutMs: 15_000,
  timeoutMs: 120_000,
};

/** The text that stands in for a secret value in a report. */
export const REDACTED = '[redacted]';

/** The report with every occurrence of a secret value replaced (longest first, so no part is left). */
export function redactReport(report: SmokeReport, secrets: readonly string[]): SmokeReport {
  let text = JSON.stringify(report);
  for (const s of [...new Set(secrets)].filter((x) => x !== '').sort((a, b) => b.length - a.length)) {
    text = text.replaceAll(JSON.stringify(s).slice(1, -1), REDACTED);
  }
  return JSON.parse(text) as SmokeReport;
}

export interface ProjectSmokes {
  /**
   * Runs the smoke of one project; ConflictError while one of the same project runs. A caller's
   * `stepTimeoutMs` replaces the default step limit, capped at the whole run's limit.
   */
  run(
    deps: Deps,
    name: string,
    actor: Actor,
    opts?: { readonly stepTimeoutMs?: number },
  ): Promise<SmokeReport>;
}

/** core/smoke's check, loaded on the first smoke (supabase-js stays out of the master's start). */
const runSmokeLazily: SmokeCheck = async (o) => (await import('../../core/smoke/run.ts')).runSmoke(o);

export function createProjectSmokes(
  settings: SmokeSettings,
  check: SmokeCheck = runSmokeLazily,
  now: () => number = Date.now,
): ProjectSmokes {
  /** Projects whose smoke runs, with when it started. */
  const running = new Map<string, number>();
  return {
    async run(deps, name, actor, opts = {}) {
      const startedAt = running.get(name);
      if (startedAt !== undefined) {
        throw new ConflictError(
          `a smoke of "${name}" is already running (started ${Math.round((now() - startedAt) / 1000)} s ago); ` +
            'wait for its answer and try again',
          'smoke_running',
        );
      }
      running.set(name, now());
      const release = () => void running.delete(name);
      let checked: Promise<SmokeReport> | undefined;
      try {
        const s = await activeProject(deps, name);
        const secrets = await projectSecrets(deps, deps.registry, name);
        const url = `https://${s.subdomain}.${deps.fleet.domain}`;
        const t0 = now();
        checked = check({
          project: name,
          target: { url, anonKey: secrets.anon_key, serviceRoleKey: secrets.service_role_key },
          stepTimeoutMs: Math.min(opts.stepTimeoutMs ?? settings.stepTimeoutMs, settings.timeoutMs),
          ...(settings.edge.connect ? { resolve: settings.edge.connect } : {}),
          ...(settings.edge.ca ? { ca: settings.edge.ca } : {}),
        });
        // the lock is held until the check itself ends, even when the answer left at the limit
        void checked.then(release, release);
        let timer: NodeJS.Timeout | undefined;
        const report = await Promise.race([
          checked.catch((err: unknown): SmokeReport => ({
            project: name,
            url,
            ok: false,
            ms: now() - t0,
            steps: [
              { name: 'smoke', outcome: 'failed', ms: now() - t0, layer: 'check', detail: String(err) },
            ],
          })),
          new Promise<SmokeReport>((resolve) => {
            timer = setTimeout(
              () =>
                resolve({
                  project: name,
                  url,
                  ok: false,
                  ms: now() - t0,
                  steps: [
                    {
                      name: 'smoke',
                      outcome: 'failed',
                      ms: now() - t0,
                      layer: 'check',
                      detail: `the smoke did not finish within ${settings.timeoutMs / 1000} s`,
                    },
                  ],
                }),
              settings.timeoutMs,
            );
          }),
        ]).finally(() => clearTimeout(timer));
        const safe = redactReport(report, secretValues(secrets));
        const failed = safe.steps.find((x) => x.outcome === 'failed');
        await deps.registry.audit(actor, 'project.smoke', name, {
          ok: safe.ok,
          ms: safe.ms,
          ...(failed ? { failed_step: failed.name, layer: failed.layer ?? 'check' } : {}),
        });
        deps.log.info(
          { project: name, ok: safe.ok, ms: safe.ms, ...(failed ? { failed_step: failed.name } : {}) },
          'smoke',
        );
        return safe;
      } catch (err) {
        // a failure before the check started frees the project; a started check frees it when it ends
        if (!checked) release();
        throw err;
      }
    },
  };
}
