import { describe, expect, it, vi } from 'vitest';
import type { ProjectView } from '../../../core/master-client/types.ts';
import { changeKey, createFleetFeed } from './feed.ts';
import { fleetView, lastBackup } from './fleet-view.ts';

const NOW = new Date('2026-12-01T12:00:00Z');

function view(
  name: string,
  over: Partial<ProjectView> = {},
  health: Partial<ProjectView['health']> = {},
): ProjectView {
  return {
    name,
    subdomain: name,
    host: `${name}.example.com`,
    status: 'active',
    revision: 2,
    wg_ip: '10.100.0.2',
    enrolled: true,
    enrolled_at: NOW.toISOString(),
    created_at: NOW.toISOString(),
    updated_at: NOW.toISOString(),
    spec: { name, server: { type: 'cx22', location: 'fsn1' }, auth: { smtp: { pass: 'sealed:v1:abc' } } },
    health: {
      state: 'healthy',
      reasons: [],
      heartbeat_age_s: 4,
      applied_revision: 2,
      wg_handshake_age_s: 10,
      ...health,
    },
    ...over,
  } as ProjectView;
}

const master = { checks: [{ name: 'WireGuard', ok: true, detail: '2 peers' }] };
const fleet = { name: 'prod', domain: 'example.com' };

describe('fleetView', () => {
  it('when projects are given, then rows are sorted, carry server, price and peer state, and never the spec', () => {
    const f = fleetView({
      fleet,
      now: NOW,
      projects: [
        view('zeta', {}, { wg_handshake_age_s: 400 }),
        view('acme'),
        view('gone', { status: 'deleted' }),
        view('odd', { spec: { name: 'odd', server: { type: 'cx999', location: 'fsn1' } } }),
        view(
          'cut',
          {},
          { state: 'down', reasons: ['WireGuard peer missing on the master'], wg_handshake_age_s: null },
        ),
      ],
      backups: new Map(),
      master,
    });
    expect(f.projects.map((p) => p.name)).toEqual(['acme', 'cut', 'odd', 'zeta']);
    expect(f.projects[0]).toMatchObject({
      url: 'https://acme.example.com',
      server: { type: 'cx22', location: 'fsn1' },
      monthly_cost: 3.79,
      wireguard: { state: 'connected', handshake_age_s: 10 },
      desired_revision: 2,
      applied_revision: 2,
    });
    expect(f.projects.map((p) => p.wireguard.state)).toEqual(['connected', 'missing', 'connected', 'stale']);
    expect(f.projects[2]!.monthly_cost).toBeNull();
    expect(f.totals).toEqual({ projects: 4, by_state: { healthy: 3, down: 1 }, monthly_cost: 11.37 });
    expect(JSON.stringify(f)).not.toContain('sealed:v1:');
    expect(JSON.stringify(f)).not.toContain('10.100.0.2');
  });

  it('when a check of the master fails, then the master is degraded and names the check and why', () => {
    const f = fleetView({
      fleet,
      now: NOW,
      projects: [],
      backups: new Map(),
      master: {
        checks: [
          { name: 'WireGuard', ok: true, detail: '0 peers' },
          { name: 'Kong', ok: false, detail: 'cannot reach its database' },
        ],
      },
    });
    expect(f.master).toMatchObject({ state: 'degraded', reasons: ['Kong: cannot reach its database'] });
    expect(fleetView({ fleet, now: NOW, projects: [], backups: new Map(), master }).master.state).toBe(
      'healthy',
    );
  });
});

describe('lastBackup', () => {
  const started = {
    state: 'running' as const,
    startedAt: new Date('2026-12-01T11:59:00Z'),
    finishedAt: null,
    snapshotId: null,
  };
  const cases = [
    {
      name: 'when the heartbeat reports a backup newer than the last command, then the report wins',
      reported: { success: false, finished_at: '2026-12-01T11:59:30Z', snapshot_id: null, error: 'x' },
      want: { state: 'failed', age_s: 30, source: 'heartbeat' },
    },
    {
      name: 'when a backup command started after the reported backup, then the running command wins',
      reported: { success: true, finished_at: '2026-12-01T03:00:00Z', snapshot_id: 'abc' },
      want: { state: 'running', age_s: 60, source: 'command' },
    },
    {
      name: 'when only a started command exists, then its start time is used',
      reported: null,
      want: { state: 'running', age_s: 60, source: 'command' },
    },
    {
      name: 'when the report is malformed, then the command is used',
      reported: { success: 'yes' },
      want: { state: 'running', source: 'command' },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(lastBackup(c.reported, started, NOW)).toMatchObject(c.want);
    });
  }
  it('when there is nothing, then null; when only the heartbeat reports, then the report', () => {
    expect(lastBackup(null, undefined, NOW)).toBeNull();
    expect(
      lastBackup({ success: true, finished_at: '2026-12-01T03:00:00Z', snapshot_id: 'abc' }, undefined, NOW),
    ).toMatchObject({ state: 'succeeded', snapshot_id: 'abc', age_s: 32400 });
  });
});

describe('changeKey', () => {
  const snap = (age: number, state: ProjectView['health']['state'] = 'healthy') =>
    fleetView({
      fleet,
      now: new Date(NOW.getTime() + age * 1000),
      projects: [view('acme', {}, { state, heartbeat_age_s: age, wg_handshake_age_s: age })],
      backups: new Map(),
      master,
    });
  it('when only ages and the clock move, then the key is the same', () => {
    expect(changeKey(snap(4))).toBe(changeKey(snap(30)));
  });
  it('when a health state changes, then the key differs', () => {
    expect(changeKey(snap(4))).not.toBe(changeKey(snap(4, 'degraded')));
  });
});

describe('createFleetFeed', () => {
  it('when no page listens, then the fleet is not read; while one does, it is read on every tick; after the last leaves, reads stop', async () => {
    vi.useFakeTimers();
    try {
      let reads = 0;
      const snapshot = fleetView({ fleet, now: NOW, projects: [], backups: new Map(), master });
      const feed = createFleetFeed({
        load: async () => {
          reads++;
          return snapshot;
        },
        intervalMs: 100,
        onError: () => undefined,
      });
      await vi.advanceTimersByTimeAsync(500);
      expect(reads).toBe(0);
      const got: unknown[] = [];
      const off = feed.subscribe((f) => got.push(f));
      await vi.advanceTimersByTimeAsync(350);
      expect(reads).toBe(3);
      expect(got).toHaveLength(3);
      off();
      await vi.advanceTimersByTimeAsync(500);
      expect(reads).toBe(3);
      feed.stop();
    } finally {
      vi.useRealTimers();
    }
  });
});
