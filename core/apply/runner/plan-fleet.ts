/**
 * The step every fleet action starts with: read the actual state (the master's
 * registry, the fleet's Hetzner servers, and for rows the master sends without a
 * spec, the spec files at the last applied commit) and plan the loaded specs
 * against it.
 */
import { plan } from '../../plan/plan.ts';
import type { Plan } from '../../plan/types.ts';
import type { FleetSpec, ProjectSpec } from '../../spec/types.ts';
import { readActual, type ActualWithOrigins } from '../actual.ts';
import { specsAtCommit } from '../git-specs.ts';
import type { HetznerApi, Logger, MasterApi } from '../ports.ts';
import { lastAppliedCommit, type RunnerContext } from './context.ts';

export interface PlannedFleet {
  readonly actual: ActualWithOrigins;
  readonly result: Plan;
}

export async function planFleet(
  ctx: RunnerContext,
  loaded: { readonly fleet: FleetSpec; readonly projects: readonly ProjectSpec[] },
  clients: { readonly master?: MasterApi; readonly hetzner?: HetznerApi; readonly log: Logger },
): Promise<PlannedFleet> {
  const before = lastAppliedCommit(ctx);
  const actual = await readActual(clients, {
    fleet: loaded.fleet,
    desired: loaded.projects,
    lastKnown: (names) => specsAtCommit(ctx.workspace, before, names),
  });
  const result = plan({ fleet: loaded.fleet, projects: [...loaded.projects] }, actual);
  return { actual, result };
}
