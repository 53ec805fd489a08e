import { describe, expect, it } from 'vitest';
import { MasterApiError } from '../master-client/errors.ts';
import type { SmokeReport } from '../smoke/types.ts';
import { memoryLogger } from './ports.ts';
import { provisionProject } from './provision.ts';
import { masterSmoke, smokeAfterApply, smokeDescription } from './smoke.ts';
import { fakeGitHub, fakeHetzner, fakeMaster, virtualClock } from './test/fakes.ts';
import type { FleetSpec } from '../spec/types.ts';

const URL_ = 'https://acme.example.com';

function report(ok: boolean, layer?: 'kong-route' | 'worker-service'): SmokeReport {
  return {
    project: 'acme',
    url: URL_,
    ok,
    ms: 1234,
    steps: ok
      ? [{ name: 'auth: create user', outcome: 'ok', ms: 10 }]
      : [{ name: 'auth: create user', outcome: 'failed', ms: 10, layer: layer!, detail: 'HTTP 404' }],
  };
}

/** A master whose smoke endpoint answers `answers` in turn (an Error is thrown). */
function setup(answers: (SmokeReport | Error)[]) {
  const m = fakeMaster();
  const g = fakeGitHub();
  const log = memoryLogger();
  const clock = virtualClock();
  const runs: string[] = [];
  const master = {
    ...m.master,
    credentials: async () => {
      throw new MasterApiError('GET', '/v1/projects/acme/credentials', 403, 'forbidden', 'needs admin');
    },
    smoke: async (project: string) => {
      runs.push(project);
      const a = answers[Math.min(runs.length - 1, answers.length - 1)]!;
      if (a instanceof Error) throw a;
      return a;
    },
  };
  const deps = { github: g.github, clock, log, smoke: masterSmoke(master) };
  return { g, log, runs, deps };
}

describe('the smoke after an apply', () => {
  it("when the apply's principal has write scope only (the credentials are refused), then the master runs the smoke and its report sets supafleet/<name>/smoke", async () => {
    const t = setup([report(true)]);
    expect(await smokeAfterApply(t.deps, { name: 'acme', status: { sha: 'abc' } })).toBe('passed');
    expect(t.runs).toEqual(['acme']);
    expect(t.g.statuses).toEqual([
      {
        sha: 'abc',
        state: 'success',
        context: 'supafleet/acme/smoke',
        description: 'smoke passed: 1 steps in 1.2 s',
      },
    ]);
    expect(t.log.lines.join('\n')).not.toMatch(/skipped/);
  });

  it('when Kong does not route yet, then the smoke runs again until it passes', async () => {
    const t = setup([report(false, 'kong-route'), report(false, 'kong-route'), report(true)]);
    expect(await smokeAfterApply(t.deps, { name: 'acme', status: { sha: 'abc' } })).toBe('passed');
    expect(t.runs).toHaveLength(3);
  });

  it('when another smoke of the project is running (409), then it is asked again until it answers', async () => {
    const busy = new MasterApiError('POST', '/v1/projects/acme/smoke', 409, 'smoke_running', 'running');
    const t = setup([busy, report(true)]);
    expect(await smokeAfterApply(t.deps, { name: 'acme', status: { sha: 'abc' } })).toBe('passed');
    expect(t.runs).toHaveLength(2);
  });

  it('when a worker service fails, then the status is failure naming the step and its layer, without a retry', async () => {
    const t = setup([report(false, 'worker-service')]);
    expect(await smokeAfterApply(t.deps, { name: 'acme', status: { sha: 'abc' } })).toBe('failed');
    expect(t.runs).toHaveLength(1);
    expect(t.g.statuses[0]).toMatchObject({
      state: 'failure',
      context: 'supafleet/acme/smoke',
      description: 'smoke failed at auth: create user [worker-service]: HTTP 404',
    });
  });

  it("when the master's smoke cannot run (refused, unreachable), then the status is failure saying why, and nothing is retried", async () => {
    const refused = new MasterApiError('POST', '/v1/projects/acme/smoke', 403, 'forbidden', 'needs write');
    const t = setup([refused]);
    expect(await smokeAfterApply(t.deps, { name: 'acme', status: { sha: 'abc' } })).toBe('failed');
    expect(t.runs).toHaveLength(1);
    expect(t.g.statuses[0]).toMatchObject({ state: 'failure', context: 'supafleet/acme/smoke' });
    expect(t.g.statuses[0]!.description).toMatch(
      /^smoke failed at smoke \[check\]: the master's smoke did not answer/,
    );
  });

  it('when the failure detail is long, then the status description is clamped to what GitHub accepts', async () => {
    const long: SmokeReport = {
      ...report(false, 'worker-service'),
      steps: [
        { name: 'rest: insert', outcome: 'failed', ms: 1, layer: 'worker-service', detail: 'y'.repeat(300) },
      ],
    };
    const t = setup([long]);
    await smokeAfterApply(t.deps, { name: 'acme', status: { sha: 'abc' } });
    expect(smokeDescription(long).length).toBeGreaterThan(140);
    expect(t.g.statuses[0]!.description.length).toBeLessThanOrEqual(140);
  });
});

describe('provisioning with a smoke', () => {
  it('when the project turns healthy, then its status and the smoke status are both set, and a failed smoke undoes nothing', async () => {
    const fleet: FleetSpec = {
      name: 'prod',
      domain: 'example.com',
      github: { repository: 'acme-corp/fleet', repository_id: 1, owner_id: 2 },
      master: { server: { type: 'cx32', location: 'fsn1' } },
      storage_box: { host: 'u1.your-storagebox.de', user: 'u1' },
      seal: { public_key: Buffer.alloc(32, 1).toString('base64') },
    };
    const m = fakeMaster({ healthyAfterPolls: 1 });
    const h = fakeHetzner();
    const g = fakeGitHub();
    const r = await provisionProject(
      {
        master: m.master,
        hetzner: h.hetzner,
        github: g.github,
        clock: virtualClock(),
        log: memoryLogger(),
        smoke: async () => report(false, 'worker-service'),
      },
      {
        fleet,
        spec: { name: 'acme', server: { type: 'cx22', location: 'fsn1' } },
        step: {
          kind: 'create',
          project: 'acme',
          changes: [],
          destructive: false,
          notes: [],
          cost: { before: 0, after: 4 },
        },
        masterWgPublicKey: Buffer.alloc(32, 9).toString('base64'),
        waitMs: 60_000,
        pollMs: 10_000,
        status: { sha: 'abc' },
      },
    );
    expect(r, r.error).toMatchObject({ outcome: 'created', smoke: 'failed', undone: [] });
    expect(g.statuses.map((s) => [s.context, s.state])).toEqual([
      ['supafleet/acme', 'pending'],
      ['supafleet/acme', 'success'],
      ['supafleet/acme/smoke', 'failure'],
    ]);
  });
});
