import { describe, expect, it } from 'vitest';
import { plan } from './plan.ts';
import type { ActualState, PlanStep } from './types.ts';
import { FLEET, project, row, sealed, server } from './test/fixtures.ts';

const EMPTY: ActualState = { projects: [], servers: [] };

function only(steps: readonly PlanStep[]): PlanStep {
  expect(steps).toHaveLength(1);
  return steps[0]!;
}

describe('plan', () => {
  const cases: {
    name: string;
    desired: ReturnType<typeof project>[];
    actual: () => ActualState;
    want: Partial<PlanStep> & { kind: PlanStep['kind'] };
  }[] = [
    {
      name: 'when a spec has no registry row and no server, then it is created',
      desired: [project('acme')],
      actual: () => EMPTY,
      want: { kind: 'create', project: 'acme', destructive: false },
    },
    {
      name: 'when spec, row and server agree, then the step is a no-op',
      desired: [project('acme')],
      actual: () => ({ projects: [row(project('acme'))], servers: [server('acme')] }),
      want: { kind: 'noop', project: 'acme', changes: [] },
    },
    {
      name: 'when a default is written out explicitly, then nothing changes',
      desired: [project('acme', { protect: false, storage: { file_size_limit_mb: 50 } })],
      actual: () => ({ projects: [row(project('acme'))], servers: [server('acme')] }),
      want: { kind: 'noop' },
    },
    {
      name: 'when an auth setting changes, then it is an in-place update',
      desired: [project('acme', { auth: { site_url: 'https://new.example' } })],
      actual: () => ({
        projects: [row(project('acme', { auth: { site_url: 'https://old.example' } }))],
        servers: [server('acme')],
      }),
      want: {
        kind: 'update',
        mode: 'in_place',
        destructive: false,
        changes: [
          { path: '/auth/site_url', before: '"https://old.example"', after: '"https://new.example"' },
        ],
      },
    },
    {
      name: 'when the server type changes, then it is an update with downtime',
      desired: [project('acme', { server: { type: 'cx32', location: 'fsn1' } })],
      actual: () => ({ projects: [row(project('acme'))], servers: [server('acme')] }),
      want: {
        kind: 'update',
        mode: 'downtime',
        destructive: false,
        changes: [{ path: '/server/type', before: '"cx22"', after: '"cx32"' }],
      },
    },
    {
      name: 'when the location changes, then it is a destructive update with downtime',
      desired: [project('acme', { server: { type: 'cx22', location: 'nbg1' } })],
      actual: () => ({ projects: [row(project('acme'))], servers: [server('acme')] }),
      want: { kind: 'update', mode: 'downtime', destructive: true },
    },
    {
      name: 'when a protected project changes location, then the step is blocked',
      desired: [project('acme', { protect: true, server: { type: 'cx22', location: 'nbg1' } })],
      actual: () => ({ projects: [row(project('acme', { protect: true }))], servers: [server('acme')] }),
      want: { kind: 'blocked', destructive: true },
    },
    {
      name: 'when a row has no spec, then it is deleted',
      desired: [],
      actual: () => ({ projects: [row(project('acme'))], servers: [server('acme')] }),
      want: { kind: 'delete', project: 'acme', destructive: true },
    },
    {
      name: 'when the applied spec of a deleted project has protect: true, then the delete is blocked',
      desired: [],
      actual: () => ({ projects: [row(project('acme', { protect: true }))], servers: [server('acme')] }),
      want: { kind: 'blocked', project: 'acme', destructive: true },
    },
    {
      name: 'when a labelled server has neither spec nor row, then it is deleted as an orphan',
      desired: [],
      actual: () => ({ projects: [], servers: [server('ghost')] }),
      want: { kind: 'delete', project: 'ghost', orphan: true, destructive: true },
    },
    {
      name: 'when the row is tombstoned and its server remains, then the server is an orphan',
      desired: [],
      actual: () => ({ projects: [row(project('gone'), 'deleted')], servers: [server('gone')] }),
      want: { kind: 'delete', orphan: true },
    },
    {
      name: 'when the row is tombstoned and the spec returns, then the project is created again',
      desired: [project('back')],
      actual: () => ({ projects: [row(project('back'), 'deleted')], servers: [] }),
      want: { kind: 'create', project: 'back' },
    },
    {
      name: 'when the row exists but its server is gone, then the server is created again',
      desired: [project('acme')],
      actual: () => ({ projects: [row(project('acme'))], servers: [] }),
      want: { kind: 'create', project: 'acme' },
    },
    {
      name: 'when a server carrying the labels exists without a row, then the create adopts it',
      desired: [project('acme')],
      actual: () => ({ projects: [], servers: [server('acme', { id: 7 })] }),
      want: { kind: 'create', server: { id: 7, name: 'demo-acme' } },
    },
    {
      name: 'when the server was resized outside git, then the drift shows as a server type change',
      desired: [project('acme')],
      actual: () => ({ projects: [row(project('acme'))], servers: [server('acme', { type: 'cx32' })] }),
      want: {
        kind: 'update',
        mode: 'downtime',
        changes: [{ path: '/server/type', before: '"cx32"', after: '"cx22"' }],
      },
    },
  ];

  for (const c of cases) {
    it(c.name, () => {
      const result = plan({ fleet: FLEET, projects: c.desired }, c.actual());
      expect(only(result.steps)).toMatchObject(c.want);
    });
  }

  it('when the registry is behind a server that already matches the spec, then it is an in-place update', () => {
    const result = plan(
      { fleet: FLEET, projects: [project('acme', { server: { type: 'cx32', location: 'fsn1' } })] },
      { projects: [row(project('acme'))], servers: [server('acme', { type: 'cx32' })] },
    );
    expect(only(result.steps)).toMatchObject({
      kind: 'update',
      mode: 'in_place',
      changes: [{ path: '/server/type', before: '"cx22"', after: '"cx32"' }],
    });
  });

  it('when servers belong to another fleet or are the master, then they are ignored', () => {
    const foreign = server('acme', {
      labels: { 'supafleet/fleet': 'other', 'supafleet/project': 'acme', 'supafleet/role': 'worker' },
    });
    const master = server('master', { labels: { 'supafleet/fleet': 'demo', 'supafleet/role': 'master' } });
    const result = plan({ fleet: FLEET, projects: [] }, { projects: [], servers: [foreign, master] });
    expect(result.steps).toEqual([]);
  });

  it('when a server has the fleet label but not the full label set, then it is only warned about', () => {
    const partial = server('x', { id: 9, name: 'demo-stray', labels: { 'supafleet/fleet': 'demo' } });
    const result = plan({ fleet: FLEET, projects: [] }, { projects: [], servers: [partial] });
    expect(result.steps).toEqual([]);
    expect(result.warnings).toEqual([
      { project: 'demo-stray', message: expect.stringContaining('leaves it alone') },
    ]);
  });

  it("when two servers carry one project's labels, then the newer one is an orphan", () => {
    const first = server('acme', { id: 10 });
    const second = server('acme', { id: 11 });
    const result = plan(
      { fleet: FLEET, projects: [project('acme')] },
      { projects: [row(project('acme'))], servers: [second, first] },
    );
    expect(result.steps.map((s) => [s.kind, s.server?.id, s.orphan ?? false])).toEqual([
      ['noop', 10, false],
      ['delete', 11, true],
    ]);
  });

  it('when a sealed value changes, then the diff shows (sealed) and never the value', () => {
    const before = project('acme', {
      functions: { secrets: { STRIPE_KEY: sealed('acme', 'functions.secrets.STRIPE_KEY', 'b2xk') } },
    });
    const after = project('acme', {
      functions: { secrets: { STRIPE_KEY: sealed('acme', 'functions.secrets.STRIPE_KEY', 'bmV3') } },
    });
    const result = plan(
      { fleet: FLEET, projects: [after] },
      { projects: [row(before)], servers: [server('acme')] },
    );
    expect(only(result.steps).changes).toEqual([
      { path: '/functions/secrets/STRIPE_KEY', before: '(sealed)', after: '(sealed, changed)' },
    ]);
    expect(JSON.stringify(result)).not.toMatch(/b2xk|bmV3/);
  });

  it('when the input order changes, then the plan is the same', () => {
    const specs = ['zeta', 'alpha', 'mid'].map((n) => project(n));
    const servers = [server('ghost', { id: 1 }), server('alpha', { id: 2 })];
    const a = plan({ fleet: FLEET, projects: specs }, { projects: [row(project('alpha'))], servers });
    const b = plan(
      { fleet: FLEET, projects: [...specs].reverse() },
      { projects: [row(project('alpha'))], servers: [...servers].reverse() },
    );
    expect(b).toEqual(a);
    expect(a.steps.map((s) => s.project)).toEqual(['alpha', 'ghost', 'mid', 'zeta']);
  });

  it('when projects are created and deleted, then the cost estimate sums catalogue prices', () => {
    const result = plan(
      { fleet: FLEET, projects: [project('new', { server: { type: 'cx32', location: 'fsn1' } })] },
      { projects: [row(project('old'))], servers: [server('old')] },
      { prices: (t) => ({ cx22: 4, cx32: 7 })[t] },
    );
    expect(result.cost).toMatchObject({ before: 4, after: 7, master: 7, unpriced: [] });
  });

  it('when a server type has no price, then it is listed as unpriced', () => {
    const result = plan({ fleet: FLEET, projects: [project('acme')] }, EMPTY, { prices: () => undefined });
    expect(result.cost.unpriced).toEqual(['cx22', 'cx32']);
  });

  it('when any step is blocked, then the plan is not ok and a warning names the project', () => {
    const result = plan(
      { fleet: FLEET, projects: [] },
      { projects: [row(project('safe', { protect: true }))], servers: [] },
    );
    expect(result.ok).toBe(false);
    expect(result.warnings).toEqual([{ project: 'safe', message: expect.stringContaining('protected') }]);
  });

  it('when nothing differs, then the plan has no changes', () => {
    const result = plan(
      { fleet: FLEET, projects: [project('acme')] },
      { projects: [row(project('acme'))], servers: [server('acme')] },
    );
    expect(result).toMatchObject({ ok: true, has_changes: false, warnings: [], summary: { noop: 1 } });
  });

  it('when fleet.yaml shares the Storage Box main account, then every plan warns, even one with no changes', () => {
    const shared = {
      ...FLEET,
      storage_box: { host: 'u1.your-storagebox.de', user: 'u1', shared_credential: true },
    };
    const result = plan(
      { fleet: shared, projects: [project('acme')] },
      { projects: [row(project('acme'))], servers: [server('acme')] },
    );
    expect(result.has_changes).toBe(false);
    expect(result.warnings).toEqual([
      { project: 'fleet.yaml', message: expect.stringContaining('storage_box.shared_credential is true') },
    ]);
    expect(result.warnings[0]!.message).toContain('set storage_box.id instead');
    expect(plan({ fleet: FLEET, projects: [] }, EMPTY).warnings).toEqual([]);
  });

  it('when a spec name repeats, then planning fails naming it', () => {
    expect(() => plan({ fleet: FLEET, projects: [project('acme'), project('acme')] }, EMPTY)).toThrow(
      /"acme" appears twice/,
    );
  });
});

describe('plan and the admin zone', () => {
  it('when admin_domain is the fleet domain, then every project is blocked and the plan fails', () => {
    const result = plan(
      { fleet: { ...FLEET, admin_domain: 'example.com' }, projects: [project('acme'), project('shop')] },
      { projects: [row(project('shop'))], servers: [server('shop')] },
    );
    expect(result.ok).toBe(false);
    expect(result.steps.map((s) => [s.project, s.kind])).toEqual([
      ['acme', 'blocked'],
      ['shop', 'blocked'],
    ]);
    expect(result.steps[0]!.notes[0]).toMatch(
      /^https:\/\/acme\.example\.com lies in the admin zone example\.com, where Authelia's login cookie is sent: .*set admin_domain in fleet\.yaml to a zone of its own/,
    );
    expect(result.warnings).toContainEqual({
      project: 'acme',
      message: 'acme is blocked: its host acme.example.com lies in the admin zone example.com',
    });
    expect(result.has_changes).toBe(false);
  });

  it('when the admin zone is the host of one project, then that project alone is blocked', () => {
    const result = plan(
      { fleet: { ...FLEET, admin_domain: 'ops.example.com' }, projects: [project('ops'), project('acme')] },
      EMPTY,
    );
    expect(result.steps.map((s) => [s.project, s.kind])).toEqual([
      ['acme', 'create'],
      ['ops', 'blocked'],
    ]);
    expect(result.steps[1]!.notes[0]).toContain(
      'https://ops.example.com lies in the admin zone ops.example.com',
    );
  });

  it('when the fleet keeps the default zone, then no project is blocked by it', () => {
    const result = plan({ fleet: FLEET, projects: [project('acme')] }, EMPTY);
    expect(result.ok).toBe(true);
    expect(only(result.steps).kind).toBe('create');
  });
});
