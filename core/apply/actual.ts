/**
 * Reads the actual state the planner compares against: the master's registry (with
 * each row's last applied spec) and the Hetzner servers carrying the fleet's labels.
 */
import { toActualServer } from '../hetzner/actual.ts';
import { workerLabels, workerServerName } from '../naming/labels.ts';
import { toActualProject, type SpecOrigin } from '../master-client/actual.ts';
import type { ActualProject, ActualServer, ActualState } from '../plan/types.ts';
import type { FleetSpec, ProjectSpec } from '../spec/types.ts';
import type { HetznerApi, Logger, MasterApi } from './ports.ts';

export interface ReadActualOptions {
  readonly fleet: FleetSpec;
  readonly desired: readonly ProjectSpec[];
  /** Last known specs by name (git), for rows the master sends without a spec. */
  readonly lastKnown?: (names: readonly string[]) => Promise<ReadonlyMap<string, ProjectSpec>>;
}

/** The actual state, plus where each registry row's spec came from. */
export interface ActualWithOrigins extends ActualState {
  readonly specOrigins: ReadonlyMap<string, SpecOrigin>;
}

export async function readActual(
  deps: { master?: MasterApi; hetzner?: HetznerApi; log: Logger },
  opts: ReadActualOptions,
): Promise<ActualWithOrigins> {
  const [views, servers] = await Promise.all([
    deps.master ? deps.master.listProjects() : Promise.resolve([]),
    deps.hetzner ? deps.hetzner.listFleetServers(opts.fleet.name) : Promise.resolve([]),
  ]);
  const needGit = views.filter((v) => v.status === 'active' && v.spec === undefined).map((v) => v.name);
  const lastKnown = needGit.length > 0 && opts.lastKnown ? await opts.lastKnown(needGit) : new Map();
  const desired = new Map(opts.desired.map((s) => [s.name, s]));
  const projects: ActualProject[] = [];
  const unknown: string[] = [];
  const specOrigins = new Map<string, SpecOrigin>();
  for (const view of views) {
    const { project, origin } = toActualProject(view, { lastKnown, desired });
    projects.push(project);
    specOrigins.set(view.name, origin);
    if (view.status === 'active' && origin === 'unknown') unknown.push(view.name);
  }
  for (const name of unknown) {
    deps.log.warn(
      `${name}: neither the master nor git has the spec it was applied with; it is treated as protected`,
    );
  }
  const actualServers = deps.hetzner
    ? servers.map(toActualServer)
    : assumedServers(opts.fleet.name, projects);
  return { projects, servers: actualServers, specOrigins };
}

/**
 * Without Hetzner (no token), each active registry row is taken to have its server as
 * its spec says, so the plan shows changes to specs rather than every server as missing.
 * Such servers have negative ids and status `unknown`: they are never acted on.
 */
export function assumedServers(fleet: string, projects: readonly ActualProject[]): ActualServer[] {
  return projects
    .filter((p) => p.status !== 'deleted')
    .map((p, i) => ({
      id: -(i + 1),
      name: workerServerName(fleet, p.name),
      status: 'unknown',
      server_type: p.spec.server.type,
      location: p.spec.server.location,
      labels: workerLabels(fleet, p.name),
    }));
}
