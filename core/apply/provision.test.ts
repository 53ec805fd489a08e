import { describe, expect, it } from 'vitest';
import type { PlanStep } from '../plan/types.ts';
import type { FleetSpec } from '../spec/types.ts';
import { MasterApiError } from '../master-client/errors.ts';
import { memoryLogger } from './ports.ts';
import { pinnedMasterKey, provisionProject } from './provision.ts';
import { fakeGitHub, fakeHetzner, fakeMaster, virtualClock } from './test/fakes.ts';

const fleet: FleetSpec = {
  name: 'prod',
  domain: 'example.com',
  github: { repository: 'acme-corp/fleet', repository_id: 1, owner_id: 2 },
  master: { server: { type: 'cx32', location: 'fsn1' } },
  storage_box: { host: 'u1.your-storagebox.de', user: 'u1' },
  seal: { public_key: Buffer.alloc(32, 1).toString('base64') },
};
const spec = { name: 'acme', server: { type: 'cx22', location: 'fsn1' } };
const create: PlanStep = {
  kind: 'create',
  project: 'acme',
  changes: [],
  destructive: false,
  notes: [],
  cost: { before: 0, after: 4 },
};
const MASTER_KEY = Buffer.alloc(32, 9).toString('base64');

function setup(healthyAfterPolls?: number) {
  const m = fakeMaster(healthyAfterPolls === undefined ? {} : { healthyAfterPolls });
  const h = fakeHetzner();
  const g = fakeGitHub();
  const log = memoryLogger();
  const clock = virtualClock();
  const deps = { master: m.master, hetzner: h.hetzner, github: g.github, clock, log };
  const opts = {
    fleet,
    spec,
    step: create,
    masterWgPublicKey: MASTER_KEY,
    waitMs: 60_000,
    pollMs: 10_000,
    status: { sha: 'abc' },
  };
  return { m, h, g, log, clock, deps, opts };
}

describe('the master key in user_data', () => {
  const other = Buffer.alloc(32, 7).toString('base64');
  it('when no key is pinned, then the key the master reports is used', () => {
    expect(pinnedMasterKey('', MASTER_KEY)).toBe(MASTER_KEY);
  });
  it('when the pinned key matches the master, then it is used', () => {
    expect(pinnedMasterKey(MASTER_KEY, MASTER_KEY)).toBe(MASTER_KEY);
  });
  it('when the pinned key differs from the master, then provisioning stops naming both keys', () => {
    expect(() => pinnedMasterKey(other, MASTER_KEY)).toThrow(
      /reports WireGuard public key .* but master-wg-public-key pins/,
    );
  });
});

describe('re-enrolling a lost worker', () => {
  it('when the master refuses the enrollment token for want of admin scope, then the failure names the admin token as the fix', async () => {
    const t = setup(2);
    t.m.master.putProject = () =>
      Promise.reject(
        new MasterApiError(
          'PUT',
          '/v1/projects/acme?enrollment_token=1',
          403,
          'forbidden',
          'a new enrollment token for acme, whose worker has enrolled (re-enrollment replaces that worker) needs the admin scope; the caller has write',
        ),
      );
    const r = await provisionProject(t.deps, t.opts);
    expect(r.outcome).toBe('failed');
    expect(r.error).toContain('needs the admin scope');
    expect(r.error).toContain('supafleet master token create --name reenroll --scope admin');
    expect(r.error).toContain('SUPAFLEET_API_TOKEN of the production environment');
    expect(t.h.calls).toEqual([]);
    expect(t.g.statuses.at(-1)).toMatchObject({
      state: 'failure',
      context: 'supafleet/acme',
    });
  });

  it('when the master fails otherwise, then the error is passed on unchanged', async () => {
    const t = setup(2);
    t.m.master.putProject = () =>
      Promise.reject(
        new MasterApiError('PUT', '/v1/projects/acme', 400, 'bad_request', 'invalid project spec'),
      );
    const r = await provisionProject(t.deps, t.opts);
    expect(r.error).toBe('master PUT /v1/projects/acme failed: HTTP 400 bad_request: invalid project spec');
  });
});

describe('provisioning one project', () => {
  it('when the worker comes up, then registry, server, wait, routes and a success status happen in that order', async () => {
    const t = setup(2);
    const r = await provisionProject(t.deps, t.opts);
    expect(r).toMatchObject({ project: 'acme', outcome: 'created', revision: 1, undone: [] });
    expect(t.m.calls.filter((c) => !c.startsWith('GET'))).toEqual(['PUT acme +token', 'PUT acme/routes']);
    expect(t.h.calls).toEqual(['ensure prod-acme']);
    expect(t.g.statuses.map((s) => [s.state, s.context, s.sha])).toEqual([
      ['pending', 'supafleet/acme', 'abc'],
      ['success', 'supafleet/acme', 'abc'],
    ]);
    expect(t.log.masked).toEqual(['sfe_enrollment-token-value']);
    expect(t.log.lines.join('\n')).not.toContain('sfe_enrollment-token-value');
    expect(t.log.lines.some((l) => l.includes('waiting for revision 1 and healthy'))).toBe(true);
  });

  it('when the worker never becomes healthy, then the server and the row are undone and the status fails', async () => {
    const t = setup();
    const r = await provisionProject(t.deps, t.opts);
    expect(r.outcome).toBe('failed');
    expect(r.error).toMatch(/did not become healthy at revision 1 within 1m00s/);
    expect(r.undone).toEqual(['server 100', 'registry row, peer and address']);
    expect(t.h.servers).toEqual([]);
    expect(t.m.rows.size).toBe(0);
    expect(t.m.calls).not.toContain('PUT acme/routes');
    expect(t.clock.slept).toBeGreaterThanOrEqual(60_000);
    const last = t.g.statuses.at(-1)!;
    expect(last.state).toBe('failure');
    expect(last.description.length).toBeLessThanOrEqual(140);
  });

  it('when the server already existed before the run, then a failure leaves it alone', async () => {
    const t = setup();
    t.h.servers.push({ id: 7, name: 'prod-acme', labels: { 'supafleet/project': 'acme' } } as never);
    const step = { ...create, server: { id: 7, name: 'prod-acme' } };
    const r = await provisionProject(t.deps, { ...t.opts, step });
    expect(r.outcome).toBe('failed');
    expect(r.undone).toEqual(['registry row, peer and address']);
    expect(t.h.servers.map((s) => s.id)).toEqual([7]);
  });

  it('when an update changes the server type, then the server is powered off, resized and powered on first', async () => {
    const t = setup(0);
    t.m.rows.set('acme', { spec, revision: 1 });
    const step: PlanStep = {
      kind: 'update',
      mode: 'downtime',
      project: 'acme',
      changes: [{ path: '/server/type', before: '"cx22"', after: '"cx32"' }],
      server: { id: 7, name: 'prod-acme' },
      destructive: false,
      notes: [],
      cost: { before: 4, after: 7 },
    };
    const r = await provisionProject(t.deps, {
      ...t.opts,
      spec: { ...spec, server: { type: 'cx32', location: 'fsn1' } },
      step,
    });
    expect(r).toMatchObject({ outcome: 'updated', revision: 2 });
    expect(t.h.calls).toEqual(['power off 7', 'change_type 7 cx32', 'power on 7']);
    expect(t.m.calls.filter((c) => !c.startsWith('GET'))).toEqual(['PUT acme', 'PUT acme/routes']);
  });

  it('when an update moves the location, then it fails without touching anything', async () => {
    const t = setup(0);
    t.m.rows.set('acme', { spec, revision: 1 });
    const step: PlanStep = {
      kind: 'update',
      mode: 'downtime',
      project: 'acme',
      changes: [{ path: '/server/location', before: '"fsn1"', after: '"hel1"' }],
      server: { id: 7, name: 'prod-acme' },
      destructive: true,
      notes: [],
      cost: { before: 4, after: 4 },
    };
    const r = await provisionProject(t.deps, { ...t.opts, step });
    expect(r.outcome).toBe('failed');
    expect(r.error).toMatch(/moving a project to another location is not automated/);
    expect(t.h.calls).toEqual([]);
    expect(r.undone).toEqual([]);
  });
});
