/**
 * Health in GitHub (DESIGN §6): from the master's project list, one commit status
 * per project (`supafleet/<name>`, description ≤ 140 characters) and one shields.io
 * endpoint badge file per project. Pure: the health action does the I/O.
 */
import { clampDescription } from '../github/status.ts';
import type { StatusState } from '../github/types.ts';
import type { HealthState, ProjectView } from '../master-client/types.ts';

/** A shields.io endpoint badge (only keys shields accepts). */
export interface Badge {
  readonly schemaVersion: 1;
  readonly label: string;
  readonly message: string;
  readonly color: string;
  readonly isError?: boolean;
  readonly cacheSeconds: number;
}

export interface ProjectHealth {
  readonly project: string;
  readonly state: HealthState | 'not provisioned';
  readonly status: StatusState;
  readonly description: string;
  /** Path on the badge branch, `badges/<name>.json`. */
  readonly badgePath: string;
  readonly badge: Badge;
}

const STATUS: Record<ProjectHealth['state'], StatusState> = {
  healthy: 'success',
  provisioning: 'pending',
  degraded: 'failure',
  down: 'error',
  failed: 'error',
  'not provisioned': 'pending',
};

const COLOR: Record<ProjectHealth['state'], string> = {
  healthy: 'brightgreen',
  provisioning: 'blue',
  degraded: 'yellow',
  down: 'red',
  failed: 'critical',
  'not provisioned': 'lightgrey',
};

export function badgePath(project: string): string {
  return `badges/${project}.json`;
}

function describeView(v: ProjectView): string {
  const h = v.health;
  const parts: string[] = [h.state];
  if (h.reasons.length > 0) parts.push(`: ${h.reasons.join(', ')}`);
  if (h.applied_revision !== null) parts.push(` · revision ${h.applied_revision}/${v.revision}`);
  if (h.heartbeat_age_s !== null) parts.push(` · heartbeat ${h.heartbeat_age_s}s ago`);
  return parts.join('');
}

function entry(project: string, state: ProjectHealth['state'], description: string): ProjectHealth {
  return {
    project,
    state,
    status: STATUS[state],
    description: clampDescription(description),
    badgePath: badgePath(project),
    badge: {
      schemaVersion: 1,
      label: project,
      message: state,
      color: COLOR[state],
      ...(state === 'down' || state === 'failed' ? { isError: true } : {}),
      cacheSeconds: 300,
    },
  };
}

/** Health of every project that has a spec or an active registry row, sorted by name. */
export function fleetHealth(views: readonly ProjectView[], specNames: readonly string[]): ProjectHealth[] {
  const active = new Map(views.filter((v) => v.status === 'active').map((v) => [v.name, v]));
  const names = [...new Set([...active.keys(), ...specNames])].sort();
  return names.map((name) => {
    const v = active.get(name);
    return v
      ? entry(name, v.health.state, describeView(v))
      : entry(name, 'not provisioned', 'not provisioned yet');
  });
}

/** The badge files for the badge branch (stable JSON, one trailing newline). */
export function badgeFiles(health: readonly ProjectHealth[]): Record<string, string> {
  return Object.fromEntries(health.map((h) => [h.badgePath, `${JSON.stringify(h.badge, null, 2)}\n`]));
}
