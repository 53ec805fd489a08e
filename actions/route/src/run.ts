/** The route action: reconcile one project's Kong routes through the master (`PUT /v1/projects/:name/routes`). */
import * as core from '@actions/core';
import { realClock, type Clock, type Logger } from '../../../core/apply/ports.ts';
import { coreLogger, masterClient } from '../../../core/apply/runner/core-io.ts';
import type { RoutesReport } from '../../../core/master-client/types.ts';
import { readInputs } from './inputs.ts';

export interface RouteDeps {
  readonly clock: Clock;
  readonly log: Logger;
}

export async function run(overrides: Partial<RouteDeps> = {}): Promise<RoutesReport | undefined> {
  const deps: RouteDeps = { clock: realClock, log: coreLogger, ...overrides };
  try {
    const s = readInputs();
    const report = await masterClient(s.master, deps.clock, deps.log).putRoutes(s.project);
    deps.log.info(
      `${s.project}: routes reconciled: ${report.created} created, ${report.updated} updated, ` +
        `${report.deleted} deleted, ${report.unchanged} unchanged (${report.calls.mutate} Kong writes)`,
    );
    return report;
  } catch (err) {
    core.setFailed(`supafleet route failed: ${(err as Error).message}`);
    return undefined;
  }
}
