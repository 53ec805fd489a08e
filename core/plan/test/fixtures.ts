/** Builders for planner tests: a fleet, project specs, registry rows and labelled servers. */
import { workerLabels, workerServerName } from '../../naming/labels.ts';
import type { FleetSpec, ProjectSpec } from '../../spec/types.ts';
import type { ActualProject, ActualServer, ProjectStatus } from '../types.ts';

export const FLEET: FleetSpec = {
  name: 'demo',
  domain: 'example.com',
  github: { repository_id: 1, owner_id: 2 },
  master: { server: { type: 'cx32', location: 'fsn1' } },
  storage_box: { host: 'u1.your-storagebox.de', user: 'u1', id: 4711 },
  seal: { public_key: 'A'.repeat(43) + '=' },
};

export function project(name: string, extra: Partial<ProjectSpec> = {}): ProjectSpec {
  return { name, server: { type: 'cx22', location: 'fsn1' }, ...extra };
}

export function row(spec: ProjectSpec, status: ProjectStatus = 'healthy', revision = 1): ActualProject {
  return { name: spec.name, spec, revision, status };
}

let nextId = 100;

export function server(
  projectName: string,
  extra: Partial<ActualServer> & { type?: string } = {},
): ActualServer {
  const { type, ...rest } = extra;
  return {
    id: nextId++,
    name: workerServerName(FLEET.name, projectName),
    status: 'running',
    server_type: type ?? 'cx22',
    location: 'fsn1',
    labels: workerLabels(FLEET.name, projectName),
    ...rest,
  };
}

/** A sealed-looking value bound to a project and field (the planner never opens it). */
export function sealed(projectName: string, field: string, body = 'c2VjcmV0Ym9keQ=='): string {
  return `sealed:v1:${projectName}:${field}:${body}`;
}
