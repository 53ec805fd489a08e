import type { FleetRead } from '../../core/fleet-status/read.ts';
import type { FleetStatus, ProjectStatus } from '../../core/fleet-status/types.ts';

/** A healthy project of the example.com fleet; `over` replaces parts of it. */
export function projectStatus(name: string, over: Partial<ProjectStatus> = {}): ProjectStatus {
  return {
    name,
    url: `https://${name}.example.com`,
    health: { state: 'healthy', reasons: [] },
    heartbeat_age_s: 4,
    desired_revision: 3,
    applied_revision: 3,
    wireguard: { state: 'connected', handshake_age_s: 25 },
    server: { type: 'cx22', location: 'fsn1' },
    monthly_cost: 4.35,
    backup: {
      state: 'succeeded',
      at: '2026-12-01T03:00:00.000Z',
      age_s: 32_400,
      snapshot_id: 'ab12cd34',
      source: 'heartbeat',
    },
    ...over,
  };
}

/** The fleet data of `GET /console/api/fleet` with these projects and a healthy master. */
export function fleetStatus(
  projects: readonly ProjectStatus[],
  over: Partial<FleetStatus> = {},
): FleetStatus {
  const byState: Record<string, number> = {};
  for (const p of projects) byState[p.health.state] = (byState[p.health.state] ?? 0) + 1;
  return {
    fleet: { name: 'prod', domain: 'example.com' },
    generated_at: '2026-12-01T12:00:00.000Z',
    currency: 'EUR',
    projects,
    totals: {
      projects: projects.length,
      by_state: byState,
      monthly_cost: Math.round(projects.reduce((s, p) => s + (p.monthly_cost ?? 0), 0) * 100) / 100,
    },
    master: {
      state: 'healthy',
      reasons: [],
      version: '0.1.0',
      checks: [{ name: 'WireGuard', ok: true, detail: `${projects.length} peers` }],
    },
    ...over,
  };
}

/** A successful read of that fleet through the admin host. */
export function fleetRead(fleet: FleetStatus): FleetRead {
  return { ok: true, fleet, consoleUrl: 'https://fleet.admin.example.com/console/api/fleet' };
}
