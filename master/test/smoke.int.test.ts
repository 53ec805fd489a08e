/**
 * `POST /v1/projects/:name/smoke`: the master runs the smoke with the keys it holds,
 * for a write-scoped caller, one at a time per project, bounded in time, and answers
 * the report with no secret in it. The check itself is a stand-in here (its options
 * are recorded); e2e/master-smoke.e2e.test.ts runs the real one through the lab.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { secretValues } from '../../core/secrets/generate.ts';
import type { SmokeOptions, SmokeReport } from '../../core/smoke/types.ts';
import { postgresSkipReason } from '../../test/support/postgres.ts';
import { createApp } from '../src/app.ts';
import { projectSecrets } from '../src/projects.ts';
import { createProjectSmokes, REDACTED, type SmokeCheck } from '../src/smoke.ts';
import { spec, startLab, type Lab, type LabDeps } from './harness.ts';

const skip = postgresSkipReason();
if (skip) console.log(`skipping the master smoke tests: ${skip}`);

function passed(o: SmokeOptions, detail?: string): SmokeReport {
  return {
    project: o.project,
    url: o.target.url,
    ok: detail === undefined,
    ms: 42,
    steps: [
      detail === undefined
        ? { name: 'auth: create user', outcome: 'ok', ms: 20 }
        : { name: 'auth: create user', outcome: 'failed', ms: 20, layer: 'worker-service', detail },
    ],
  };
}

describe.skipIf(skip !== undefined)('the master-side smoke', () => {
  let lab: Lab;
  let l: LabDeps;
  let write: string;
  let read: string;
  const seen: SmokeOptions[] = [];
  /** What the stand-in check does next (default: pass at once). */
  let behave: SmokeCheck = async (o) => passed(o);
  const app = () =>
    createApp(l.deps, 'public', {
      smokes: createProjectSmokes(
        { edge: { connect: { address: '127.0.0.1', port: 443 } }, stepTimeoutMs: 5000, timeoutMs: 300 },
        (o) => {
          seen.push(o);
          return behave(o);
        },
      ),
    });
  let pub: ReturnType<typeof createApp>;

  beforeAll(async () => {
    lab = await startLab();
    l = await lab.newDeps();
    pub = app();
    write = await l.token('write', 'ci-writer');
    read = await l.token('read', 'dashboard');
    const r = await request(pub)
      .put('/v1/projects/acme')
      .set('Authorization', `Bearer ${write}`)
      .send(spec('acme'));
    expect(r.status, r.text).toBe(201);
  });
  afterAll(async () => {
    await l?.close();
    await lab?.close();
  });

  const smoke = (auth: string, name = 'acme') =>
    request(pub).post(`/v1/projects/${name}/smoke`).set('Authorization', `Bearer ${auth}`);

  it("when a write-scoped caller asks, then the master runs the check against the project's URL through its edge with its keys, answers the report and audit-logs it", async () => {
    seen.length = 0;
    const r = await smoke(write);
    expect(r.status, r.text).toBe(200);
    expect(r.body).toEqual({
      project: 'acme',
      url: 'https://acme.example.com',
      ok: true,
      ms: 42,
      steps: [{ name: 'auth: create user', outcome: 'ok', ms: 20 }],
    });
    const secrets = await projectSecrets(l.deps, l.deps.registry, 'acme');
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({
      project: 'acme',
      target: {
        url: 'https://acme.example.com',
        anonKey: secrets.anon_key,
        serviceRoleKey: secrets.service_role_key,
      },
      resolve: { address: '127.0.0.1', port: 443 },
    });
    expect((await l.deps.registry.listAudit('acme')).at(-1)).toMatchObject({
      action: 'project.smoke',
      actor: { kind: 'token', name: 'ci-writer' },
      detail: { ok: true },
    });
  });

  it('when a failed step echoes a key, then the answer, the audit log and the master log carry no secret value', async () => {
    const secrets = await projectSecrets(l.deps, l.deps.registry, 'acme');
    behave = async (o) =>
      passed(o, `HTTP 401: bad key ${o.target.serviceRoleKey} (jwt ${secrets.jwt_secret})`);
    try {
      const r = await smoke(write);
      expect(r.status).toBe(200);
      expect(r.body.ok).toBe(false);
      expect(r.body.steps[0]).toMatchObject({
        layer: 'worker-service',
        detail: `HTTP 401: bad key ${REDACTED} (jwt ${REDACTED})`,
      });
      const audit = JSON.stringify(await l.deps.registry.listAudit('acme'));
      for (const v of secretValues(secrets)) {
        expect(r.text).not.toContain(v);
        expect(audit).not.toContain(v);
        expect(l.logs.text()).not.toContain(v);
      }
    } finally {
      behave = async (o) => passed(o);
    }
  });

  it("when apply.yml's OIDC token from a push to main asks (write scope, no admin), then the smoke runs and the audit row names the run", async () => {
    const r = await smoke(await lab.oidc.mint());
    expect(r.status, r.text).toBe(200);
    expect((await l.deps.registry.listAudit('acme')).at(-1)).toMatchObject({
      action: 'project.smoke',
      actor: { kind: 'oidc', repository: 'acme-corp/fleet', run_id: '9001' },
    });
  });

  it("when a pull request's OIDC token asks, then it is refused with 403 and no check runs", async () => {
    seen.length = 0;
    const r = await smoke(await lab.oidc.mint({ event_name: 'pull_request', ref: 'refs/pull/7/merge' }));
    expect(r.status).toBe(403);
    expect(seen).toEqual([]);
  });

  it('when a read-scoped caller asks, then it is refused with 403 and no check runs', async () => {
    seen.length = 0;
    const r = await smoke(read);
    expect(r.status).toBe(403);
    expect(r.body.error.message).toMatch(/needs the write scope/);
    expect(seen).toEqual([]);
  });

  it('when a second smoke of the same project arrives while one runs, then it gets 409 naming the running one; another project is not held up', async () => {
    let finish!: () => void;
    const gate = new Promise<void>((r) => (finish = r));
    behave = async (o) => {
      if (o.project === 'acme') await gate;
      return passed(o);
    };
    try {
      const blog = await request(pub)
        .put('/v1/projects/blog')
        .set('Authorization', `Bearer ${write}`)
        .send(spec('blog'));
      expect(blog.status, blog.text).toBe(201);
      const first = smoke(write).then((r) => r);
      // bounded: the first call has reached the check within 5 s
      for (let i = 0; i < 100 && !seen.some((o) => o.project === 'acme'); i++) {
        await new Promise((r) => setTimeout(r, 50));
      }
      seen.length = 0;
      const second = await smoke(write);
      expect(second.status).toBe(409);
      expect(second.body.error).toMatchObject({ code: 'smoke_running' });
      expect(second.body.error.message).toMatch(/a smoke of "acme" is already running/);
      expect((await smoke(write, 'blog')).status).toBe(200);
      finish();
      expect((await first).status).toBe(200);
      expect((await smoke(write)).status).toBe(200);
    } finally {
      finish();
      behave = async (o) => passed(o);
    }
  });

  it('when the check outlasts the limit, then the answer is a failed report naming the limit, and the project stays held until the check ends', async () => {
    let finish!: () => void;
    const gate = new Promise<void>((r) => (finish = r));
    behave = async (o) => {
      await gate;
      return passed(o);
    };
    try {
      const r = await smoke(write);
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({
        ok: false,
        steps: [
          {
            name: 'smoke',
            outcome: 'failed',
            layer: 'check',
            detail: 'the smoke did not finish within 0.3 s',
          },
        ],
      });
      expect((await smoke(write)).status).toBe(409);
      finish();
      behave = async (o) => passed(o);
      // bounded: the held check ends at once after the gate opens
      let next = await smoke(write);
      for (let i = 0; i < 50 && next.status === 409; i++) {
        await new Promise((res) => setTimeout(res, 20));
        next = await smoke(write);
      }
      expect(next.status).toBe(200);
    } finally {
      finish();
      behave = async (o) => passed(o);
    }
  });

  it("when the caller gives a step limit, then the check runs with it, capped at the whole run's limit; without one, the master's own", async () => {
    const cases = [
      { body: { step_timeout_s: 0.1 }, want: 100 },
      { body: { step_timeout_s: 60 }, want: 300 }, // the whole run's limit here is 300 ms
      { body: undefined, want: 300 }, // the default 5 s step, capped the same way
    ];
    for (const c of cases) {
      seen.length = 0;
      const r = c.body ? await smoke(write).send(c.body) : await smoke(write);
      expect(r.status, r.text).toBe(200);
      expect(seen.map((o) => o.stepTimeoutMs)).toEqual([c.want]);
    }
  });

  it('when the step limit is not a number of seconds up to 600, then 400 naming the value, and no check runs', async () => {
    for (const bad of [0, -1, 601, '15', null]) {
      seen.length = 0;
      const r = await smoke(write).send({ step_timeout_s: bad });
      expect(r.status, r.text).toBe(400);
      expect(r.body.error.message).toContain(`step_timeout_s ${JSON.stringify(bad)} is not valid`);
      expect(seen).toEqual([]);
    }
  });

  it('when the project is not registered, then 404 and no check runs', async () => {
    seen.length = 0;
    const r = await smoke(write, 'nothere');
    expect(r.status).toBe(404);
    expect(seen).toEqual([]);
  });
});
