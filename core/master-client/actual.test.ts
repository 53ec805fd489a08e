import { describe, expect, it } from 'vitest';
import type { ProjectSpec } from '../spec/types.ts';
import { toActualProject, toActualProjects } from './actual.ts';
import type { ProjectView } from './types.ts';

function view(name: string, extra: Partial<ProjectView> = {}): ProjectView {
  return {
    name,
    subdomain: name,
    host: `${name}.example.com`,
    status: 'active',
    revision: 3,
    wg_ip: '10.100.0.2',
    enrolled: true,
    enrolled_at: null,
    created_at: '2026-01-01T00:00:00.000Z',
    updated_at: '2026-01-01T00:00:00.000Z',
    health: {
      state: 'healthy',
      reasons: [],
      heartbeat_age_s: 5,
      applied_revision: 3,
      wg_handshake_age_s: 10,
    },
    ...extra,
  };
}

const spec = (name: string, extra: Partial<ProjectSpec> = {}): ProjectSpec => ({
  name,
  server: { type: 'cx22', location: 'fsn1' },
  ...extra,
});

describe('registry rows to the planner', () => {
  it.each([
    {
      name: 'the master sends the spec',
      v: view('acme', { spec: spec('acme', { protect: true }) }),
      sources: { lastKnown: new Map([['acme', spec('acme')]]) },
      want: { origin: 'master', protect: true },
    },
    {
      name: 'git has the last applied spec',
      v: view('acme'),
      sources: {
        lastKnown: new Map([['acme', spec('acme', { protect: true })]]),
        desired: new Map([['acme', spec('acme')]]),
      },
      want: { origin: 'git', protect: true },
    },
    {
      name: 'only the desired spec is known',
      v: view('acme'),
      sources: { desired: new Map([['acme', spec('acme')]]) },
      want: { origin: 'desired', protect: undefined },
    },
    {
      name: 'no spec is known',
      v: view('acme'),
      sources: {},
      want: { origin: 'unknown', protect: true },
    },
  ])('when $name, then the row carries that spec', ({ v, sources, want }) => {
    const { project, origin } = toActualProject(v, sources);
    expect(origin).toBe(want.origin);
    expect(project.spec.protect).toBe(want.protect);
    expect(project).toMatchObject({ name: 'acme', revision: 3, status: 'healthy' });
  });

  it('when rows are tombstoned or degraded, then the status says so and the list is sorted', () => {
    const rows = toActualProjects([
      view('zeta', { health: { ...view('x').health, state: 'degraded' } }),
      view('alpha', { status: 'deleted' }),
    ]);
    expect(rows.map((r) => [r.name, r.status])).toEqual([
      ['alpha', 'deleted'],
      ['zeta', 'degraded'],
    ]);
  });
});
