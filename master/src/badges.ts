import type { HealthState } from './health.ts';

/**
 * The shields.io endpoint badge for a project: only the project name and its
 * health state, never a secret or an internal address.
 */
export interface ShieldsBadge {
  readonly schemaVersion: 1;
  readonly label: string;
  readonly message: string;
  readonly color: string;
  readonly isError?: boolean;
  readonly cacheSeconds: number;
}

const COLORS: Record<HealthState, string> = {
  healthy: 'brightgreen',
  provisioning: 'blue',
  degraded: 'yellow',
  down: 'red',
  failed: 'critical',
};

export function badgeFor(name: string, state: HealthState): ShieldsBadge {
  return {
    schemaVersion: 1,
    label: name,
    message: state,
    color: COLORS[state],
    ...(state === 'down' || state === 'failed' ? { isError: true } : {}),
    cacheSeconds: 300,
  };
}
