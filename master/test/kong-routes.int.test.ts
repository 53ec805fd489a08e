import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresSkipReason } from '../../test/support/postgres.ts';
import { createApp } from '../src/app.ts';
import { createKongAdminClient } from '../src/kong/client.ts';
import { createFakeKong, FAKE_KONG_URL, isMutating, type FakeKong } from '../../fakes/kong/fake.ts';
import { reconcileProject, removeProject } from '../src/kong/reconcile.ts';
import { projectSecrets } from '../src/projects.ts';
import { spec, startLab, type Lab, type LabDeps } from './harness.ts';

const skip = postgresSkipReason();
if (skip) console.log(`skipping Kong routes tests: ${skip}`);

describe.skipIf(skip !== undefined)('routes endpoints against the fake Kong Admin API', () => {
  let lab: Lab;
  let l: LabDeps;
  let kong: FakeKong;
  let app: ReturnType<typeof createApp>;
  let write: string;

  beforeAll(async () => {
    lab = await startLab();
    l = await lab.newDeps();
    kong = createFakeKong();
    const client = createKongAdminClient({ baseUrl: FAKE_KONG_URL, fetch: kong.fetch });
    app = createApp(
      {
        ...l.deps,
        kong: { reconcile: (p) => reconcileProject(client, p), remove: (n) => removeProject(client, n) },
      },
      'public',
    );
    write = await l.token('write');
    for (const name of ['acme', 'blog']) {
      expect(
        (
          await request(app)
            .put(`/v1/projects/${name}`)
            .set('Authorization', `Bearer ${write}`)
            .send(spec(name))
        ).status,
      ).toBe(201);
    }
  });
  afterAll(async () => {
    await l?.close();
    await lab?.close();
  });

  it('when two projects are routed, then no route of one admits a consumer of the other', async () => {
    for (const name of ['acme', 'blog']) {
      const r = await request(app).put(`/v1/projects/${name}/routes`).set('Authorization', `Bearer ${write}`);
      expect(r.status).toBe(200);
      expect(r.body.created).toBeGreaterThan(0);
    }
    const state = kong.state();
    const routeProject = new Map(
      state.routes.map((r) => [r.id, r.tags?.find((t) => t.startsWith('project-'))]),
    );
    const consumerProject = new Map(
      state.consumers.map((c) => [c.id, c.tags?.find((t) => t.startsWith('project-'))]),
    );
    const groupsOf = new Map<string, Set<string>>();
    for (const acl of state.acls) {
      const set = groupsOf.get(acl.consumer.id) ?? new Set<string>();
      set.add(acl.group);
      groupsOf.set(acl.consumer.id, set);
    }
    const aclPlugins = state.plugins.filter((p) => p.name === 'acl' && p.route);
    expect(aclPlugins.length).toBeGreaterThan(0);
    let checked = 0;
    for (const plugin of aclPlugins) {
      const project = routeProject.get(plugin.route!.id);
      const allow = new Set((plugin.config.allow as string[] | undefined) ?? []);
      for (const [consumerId, groups] of groupsOf) {
        const admitted = [...groups].some((g) => allow.has(g));
        if (consumerProject.get(consumerId) !== project) expect(admitted).toBe(false);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(0);
    const secrets = await projectSecrets(l.deps, l.deps.registry, 'acme');
    const acmeKeys = state['key-auths']
      .filter((k) => consumerProject.get(k.consumer.id) === 'project-acme')
      .map((k) => k.key);
    expect(acmeKeys.sort()).toEqual([secrets.anon_key, secrets.service_role_key].sort());
    expect(
      state.services.filter((s) => s.tags?.includes('project-acme')).every((s) => s.host === '127.100.0.2'),
    ).toBe(true);
  });

  it('when routes are reconciled again with nothing changed, then Kong sees no mutating call', async () => {
    kong.resetCalls();
    const r = await request(app).put('/v1/projects/acme/routes').set('Authorization', `Bearer ${write}`);
    expect(r.body).toMatchObject({ created: 0, updated: 0, deleted: 0, calls: { mutate: 0 } });
    expect(kong.calls().filter(isMutating)).toEqual([]);
  });

  it("when a project is deleted, then its Kong entities go and the other project's stay", async () => {
    const d = await request(app).delete('/v1/projects/blog').set('Authorization', `Bearer ${write}`);
    expect(d.status).toBe(200);
    const state = kong.state();
    const tags = Object.values(state).flatMap((list) => list.flatMap((e) => e.tags ?? []));
    expect(tags.filter((t) => t === 'project-blog')).toEqual([]);
    expect(tags.filter((t) => t === 'project-acme').length).toBeGreaterThan(0);
  });

  it('when the logs are searched, then the keys sent to Kong are not in them', async () => {
    const secrets = await projectSecrets(l.deps, l.deps.registry, 'acme');
    expect(l.logs.text()).not.toContain(secrets.anon_key);
    expect(l.logs.text()).not.toContain(secrets.service_role_key);
  });
});
