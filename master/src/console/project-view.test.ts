import { describe, expect, it } from 'vitest';
import type { ProjectView } from '../../../core/master-client/types.ts';
import type { RecentHeartbeat } from '../registry/queries.ts';
import {
  backupEntries,
  heartbeatTimeline,
  projectPageView,
  repositoryFileUrl,
  TIMELINE_LENGTH,
  type StartedBackup,
} from './project-view.ts';
import { studioLink } from './studio-link.ts';

const NOW = new Date('2026-12-01T12:00:00Z');
const ago = (s: number): Date => new Date(NOW.getTime() - s * 1000);

const view = {
  name: 'acme',
  subdomain: 'shop',
  host: 'shop.example.com',
  status: 'active',
  revision: 3,
  wg_ip: '10.100.0.2',
  enrolled: true,
  enrolled_at: NOW.toISOString(),
  created_at: NOW.toISOString(),
  updated_at: NOW.toISOString(),
  spec: {
    name: 'acme',
    server: { type: 'cx22', location: 'fsn1' },
    auth: { smtp: { pass: 'sealed:v1:abc' } },
  },
  health: {
    state: 'degraded',
    reasons: ['rest unhealthy'],
    heartbeat_age_s: 5,
    applied_revision: 3,
    wg_handshake_age_s: 10,
  },
} as unknown as ProjectView;

const beat = (ageS: number, services: RecentHeartbeat['services'], apply?: RecentHeartbeat['apply']) => ({
  receivedAt: ago(ageS),
  apply: apply === undefined ? { state: 'applied' as const, revision: 3 } : apply,
  services,
});
const HEALTHY = [
  { name: 'rest', state: 'healthy' as const },
  { name: 'auth', state: 'healthy' as const, latency_ms: 3 },
];

describe('heartbeatTimeline', () => {
  it('when heartbeats are given newest first, then each says healthy or degraded with its reasons', () => {
    const t = heartbeatTimeline(
      [
        beat(5, [{ name: 'rest', state: 'unhealthy', detail: 'probe answered 503' }, HEALTHY[1]!]),
        beat(35, HEALTHY, { state: 'failed', revision: 4, running_revision: 3 }),
        beat(65, []),
        beat(95, HEALTHY, null),
      ],
      NOW,
    );
    expect(t).toEqual([
      {
        at: ago(5).toISOString(),
        age_s: 5,
        state: 'degraded',
        reasons: ['rest unhealthy'],
        revision: 3,
        silent_before_s: null,
      },
      {
        at: ago(35).toISOString(),
        age_s: 35,
        state: 'degraded',
        reasons: ['revision 4 failed to apply'],
        revision: 3,
        silent_before_s: null,
      },
      {
        at: ago(65).toISOString(),
        age_s: 65,
        state: 'degraded',
        reasons: ['no services reported'],
        revision: 3,
        silent_before_s: null,
      },
      {
        at: ago(95).toISOString(),
        age_s: 95,
        state: 'healthy',
        reasons: [],
        revision: null,
        silent_before_s: null,
      },
    ]);
  });

  it('when the worker was silent between two heartbeats, then the later one says for how long', () => {
    const t = heartbeatTimeline([beat(10, HEALTHY), beat(400, HEALTHY), beat(430, HEALTHY)], NOW);
    expect(t.map((b) => b.silent_before_s)).toEqual([390, null, null]);
  });

  it('when the registry holds more heartbeats than the timeline shows, then only the newest are kept', () => {
    const many = Array.from({ length: TIMELINE_LENGTH + 10 }, (_, i) => beat(i * 30, HEALTHY));
    const t = heartbeatTimeline(many, NOW);
    expect(t).toHaveLength(TIMELINE_LENGTH);
    expect(t[0]!.age_s).toBe(0);
  });
});

describe('backupEntries', () => {
  const started: StartedBackup[] = [
    {
      state: 'running',
      started_at: ago(20).toISOString(),
      finished_at: null,
      duration_s: null,
      snapshot_id: null,
      size_bytes: null,
      error: null,
    },
    {
      state: 'succeeded',
      started_at: ago(7300).toISOString(),
      finished_at: ago(7200).toISOString(),
      duration_s: 100,
      snapshot_id: 'aa11',
      size_bytes: 2048,
      error: null,
    },
  ];

  it('when the agent reports a scheduled backup, then it joins the ones the master started, newest first', () => {
    const reported = {
      success: false,
      finished_at: ago(3600).toISOString(),
      duration_s: 3,
      error: 'repository locked',
    };
    const e = backupEntries(started, reported, NOW);
    expect(e.map((b) => [b.state, b.age_s, b.source, b.error])).toEqual([
      ['running', 20, 'master', null],
      ['failed', 3600, 'agent', 'repository locked'],
      ['succeeded', 7200, 'master', null],
    ]);
  });

  it('when the agent reports the snapshot of a backup the master started, then it is listed once', () => {
    const reported = { success: true, finished_at: ago(7190).toISOString(), snapshot_id: 'aa11' };
    expect(backupEntries(started, reported, NOW).map((b) => b.snapshot_id)).toEqual([null, 'aa11']);
  });

  it('when there is no backup at all, then the list is empty', () => {
    expect(backupEntries([], null, NOW)).toEqual([]);
  });
});

describe('repositoryFileUrl', () => {
  const cases = [
    {
      name: 'owner/name',
      repo: 'acme-corp/fleet',
      want: 'https://github.com/acme-corp/fleet/blob/main/projects/acme.yaml',
    },
    { name: 'unknown', repo: undefined, want: null },
    { name: 'not owner/name', repo: 'https://github.com/acme-corp/fleet', want: null },
  ];
  for (const c of cases) {
    it(`when fleet.yaml's repository is ${c.name}, then the link is ${String(c.want)}`, () => {
      expect(repositoryFileUrl(c.repo, 'acme')).toBe(c.want);
    });
  }
});

describe('projectPageView', () => {
  const input = {
    fleet: {
      domain: 'example.com',
      github: { repository: 'acme-corp/fleet', repository_id: 1, owner_id: 2 },
    },
    now: NOW,
    view,
    heartbeats: [beat(5, [{ name: 'rest', state: 'unhealthy', detail: 'probe answered 503' }, HEALTHY[1]!])],
    backups: [],
    reportedBackup: { success: true, finished_at: ago(600).toISOString(), snapshot_id: 'bb22' },
    anonKey: 'anon-jwt',
    scope: 'read' as const,
  };

  it('when a project is shown, then it has its services by name, links, the anon key and never the spec', () => {
    const p = projectPageView(input);
    expect(p.services).toEqual([
      { name: 'auth', state: 'healthy', detail: null, latency_ms: 3 },
      { name: 'rest', state: 'unhealthy', detail: 'probe answered 503', latency_ms: null },
    ]);
    expect(p.services_age_s).toBe(5);
    expect(p.connection).toEqual({ api_url: 'https://shop.example.com', anon_key: 'anon-jwt' });
    expect(p.studio_url).toBe(studioLink(input.fleet, 'acme'));
    expect(p.repository_file_url).toBe('https://github.com/acme-corp/fleet/blob/main/projects/acme.yaml');
    expect(p.project).toMatchObject({
      name: 'acme',
      health: { state: 'degraded', reasons: ['rest unhealthy'] },
      server: { type: 'cx22', location: 'fsn1' },
      backup: { state: 'succeeded', snapshot_id: 'bb22', source: 'heartbeat' },
    });
    expect(JSON.stringify(p)).not.toContain('sealed:v1:');
    expect(JSON.stringify(p)).not.toContain('10.100.0.2');
  });

  it('when no heartbeat arrived yet, then there are no services and no timeline', () => {
    const p = projectPageView({ ...input, heartbeats: [] });
    expect(p.services).toEqual([]);
    expect(p.services_age_s).toBeNull();
    expect(p.timeline).toEqual([]);
  });

  const scopes = [
    { scope: 'read' as const, want: { backup: false, restart: false, reveal: false } },
    { scope: 'backup' as const, want: { backup: true, restart: false, reveal: false } },
    { scope: 'write' as const, want: { backup: true, restart: true, reveal: false } },
    { scope: 'admin' as const, want: { backup: true, restart: true, reveal: true } },
  ];
  for (const c of scopes) {
    it(`when the caller has the ${c.scope} scope, then the page knows which buttons it may use`, () => {
      expect(projectPageView({ ...input, scope: c.scope }).can).toEqual({ scope: c.scope, ...c.want });
    });
  }
});
