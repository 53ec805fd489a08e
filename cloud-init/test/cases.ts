/**
 * The inputs every validator runs over: the fixtures, the example fleet in
 * examples/fleet (when it loads), and the hostile corpus.
 */
import { fileURLToPath } from 'node:url';
import { loadFleetDir } from '../../core/spec/index.ts';
import {
  resolveFleet,
  resolveProject,
  type ResolvedFleet,
  type ResolvedProject,
} from '../../core/spec/defaults.ts';
import type { FleetSpec, ProjectSpec } from '../../core/spec/types.ts';
import { placeholderOpened } from '../placeholders.ts';
import { fleetSpec, projectSpecs } from './fixtures/specs.ts';
import { HOSTILE, hostileFleet, hostileOpened, hostileProject } from './hostile.ts';

export interface WorkerCase {
  readonly name: string;
  readonly fleet: ResolvedFleet;
  readonly project: ResolvedProject;
  readonly opened: Record<string, string>;
}

export interface MasterCase {
  readonly name: string;
  readonly fleet: ResolvedFleet;
}

export const EXAMPLES_ROOT = fileURLToPath(new URL('../../examples/fleet', import.meta.url));

/** The example fleet, loaded and validated by core/spec like the CLI does. */
export async function exampleSpecs(): Promise<{ fleet: FleetSpec; projects: ProjectSpec[] }> {
  const loaded = await loadFleetDir(EXAMPLES_ROOT);
  if (!loaded.ok || !loaded.fleet) {
    throw new Error(
      `examples/fleet does not load: ${loaded.errors.map((e) => `${e.file} ${e.path}: ${e.message}`).join('; ')}`,
    );
  }
  return { fleet: loaded.fleet, projects: loaded.projects };
}

export function fixtureWorkerCases(): WorkerCase[] {
  const fleet = resolveFleet(fleetSpec);
  return Object.entries(projectSpecs).map(([name, spec]) => {
    const project = resolveProject(spec);
    return { name: `fixture ${name}`, fleet, project, opened: placeholderOpened(project) };
  });
}

export function hostileWorkerCases(): WorkerCase[] {
  const fleet = resolveFleet(fleetSpec);
  return HOSTILE.map((_, i) => ({
    name: `hostile #${i}`,
    fleet,
    project: resolveProject(hostileProject(i)),
    opened: hostileOpened(i),
  }));
}

export async function exampleWorkerCases(): Promise<WorkerCase[]> {
  const { fleet, projects } = await exampleSpecs();
  return projects.map((spec) => {
    const project = resolveProject(spec);
    return {
      name: `example ${spec.name}`,
      fleet: resolveFleet(fleet),
      project,
      opened: placeholderOpened(project),
    };
  });
}

export function fixtureMasterCases(): MasterCase[] {
  return [
    { name: 'fixture on_demand + authelia', fleet: resolveFleet(fleetSpec) },
    {
      name: 'fixture wildcard_dns + basic auth',
      fleet: resolveFleet({
        ...fleetSpec,
        authelia: { enabled: false },
        tls: { mode: 'wildcard_dns', dns_provider: 'hetzner' },
      }),
    },
    {
      name: 'fixture /16 network, no ssh keys',
      fleet: resolveFleet({ ...fleetSpec, network: { cidr: '10.20.0.0/16' }, ssh: {} }),
    },
  ];
}

export function hostileMasterCases(): MasterCase[] {
  return HOSTILE.map((_, i) => ({ name: `hostile #${i}`, fleet: resolveFleet(hostileFleet(i)) }));
}
