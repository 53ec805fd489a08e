import { describe, expect, it } from 'vitest';
import { admission } from '../../../fakes/kong/access.ts';
import { isMutating } from '../../../fakes/kong/fake.ts';
import { desiredKongState, reconcileAll, reconcileProject, removeProject } from './reconcile.ts';
import { adminCall, fakeKongWithClient, projectInput, secretsOf } from './test/fixtures.ts';
import type { KongKind } from './types.ts';
import { KONG_KINDS } from './types.ts';

const total = (name = 'acme'): number => {
  const s = desiredKongState(projectInput(name));
  return KONG_KINDS.reduce((n, k) => n + s[k].length, 0);
};

const countOf = (state: Record<KongKind, unknown[]>): Record<string, number> =>
  Object.fromEntries(KONG_KINDS.map((k) => [k, state[k].length]));

describe('reconcileProject', () => {
  it('when the project is new, then every entity is created with PUT and the fake holds the layout', async () => {
    const { fake, client } = fakeKongWithClient();
    const report = await reconcileProject(client, projectInput('acme'));
    expect(report).toEqual({
      created: total(),
      updated: 0,
      deleted: 0,
      unchanged: 0,
      calls: { list: 6, mutate: total() },
    });
    expect(
      fake
        .calls()
        .filter(isMutating)
        .every((c) => c.method === 'PUT'),
    ).toBe(true);
    const desired = desiredKongState(projectInput('acme'));
    expect(countOf(fake.state())).toEqual(countOf(desired));
    expect(
      fake
        .state()
        .routes.map((r) => r.name)
        .sort(),
    ).toEqual(desired.routes.map((r) => r.key));
  });

  it('when nothing changed, then a second reconcile makes zero mutating calls', async () => {
    const { fake, client } = fakeKongWithClient();
    const acme = projectInput('acme');
    await reconcileProject(client, acme);
    fake.resetCalls();
    const report = await reconcileProject(client, acme);
    expect(fake.calls().filter(isMutating)).toEqual([]);
    expect(report).toEqual({
      created: 0,
      updated: 0,
      deleted: 0,
      unchanged: total(),
      calls: { list: 6, mutate: 0 },
    });
    expect(fake.calls().map((c) => `${c.method} ${c.path}?${c.query}`)).toEqual(
      KONG_KINDS.map((k) => `GET /${k}?size=1000&tags=supafleet%2Cproject-acme`),
    );
  });

  it('when listing, then both supafleet tags are asked for and lists follow Kong pages to the end', async () => {
    const { fake, client } = fakeKongWithClient(10);
    const acme = projectInput('acme');
    await reconcileProject(client, acme);
    fake.resetCalls();
    const report = await reconcileProject(client, acme);
    const pages = fake.calls().filter((c) => c.path === '/plugins');
    expect(pages.length).toBe(Math.ceil(desiredKongState(projectInput('acme')).plugins.length / 10));
    expect(pages.slice(1).every((c) => c.query.includes('offset='))).toBe(true);
    expect(report.calls.mutate).toBe(0);
    expect(report.calls.list).toBe(fake.calls().length);
  });

  describe('when an entity drifted, then reconcile restores it and touches nothing else', () => {
    const cases: {
      name: string;
      drift: (f: ReturnType<typeof fakeKongWithClient>['fake']) => Promise<unknown>;
      want: Partial<Record<'created' | 'updated' | 'deleted', number>>;
    }[] = [
      {
        // Kong cascades the delete to the route's plugins: the route and its cors plugin come back.
        name: 'a route deleted',
        drift: (f) => adminCall(f, 'DELETE', '/routes/acme-storage'),
        want: { created: 2, updated: 0 },
      },
      {
        name: 'the admin-only route deleted with its key-auth and ACL',
        drift: (f) => adminCall(f, 'DELETE', '/routes/acme-meta'),
        want: { created: 3 },
      },
      {
        name: 'an ACL opened to another project',
        drift: (f) =>
          adminCall(f, 'PATCH', '/plugins/acme-rest-acl', { config: { allow: ['acme-anon', 'other-anon'] } }),
        want: { updated: 1 },
      },
      {
        name: 'key-auth given an anonymous consumer',
        drift: (f) =>
          adminCall(f, 'PATCH', '/plugins/acme-rest-key-auth', { config: { anonymous: 'acme-anon' } }),
        want: { updated: 1 },
      },
      {
        name: 'a request-transformer told to drop the apikey',
        drift: (f) =>
          adminCall(f, 'PATCH', '/plugins/acme-graphql-request-transformer', {
            config: { remove: { headers: ['apikey'], querystring: [], body: [] } },
          }),
        want: { updated: 1 },
      },
      {
        name: 'cors opened to credentials',
        drift: (f) => adminCall(f, 'PATCH', '/plugins/acme-rest-cors', { config: { credentials: true } }),
        want: { updated: 1 },
      },
      {
        name: 'a plugin disabled',
        drift: (f) => adminCall(f, 'PATCH', '/plugins/acme-meta-acl', { enabled: false }),
        want: { updated: 1 },
      },
      {
        name: 'a service host changed',
        drift: (f) => adminCall(f, 'PATCH', '/services/acme-rest', { host: '10.100.0.99' }),
        want: { updated: 1 },
      },
      {
        name: 'a route host added',
        drift: (f) =>
          adminCall(f, 'PATCH', '/routes/acme-rest', { hosts: ['acme.example.test', 'evil.test'] }),
        want: { updated: 1 },
      },
      {
        name: 'a consumer deleted (its key and ACL cascade)',
        drift: (f) => adminCall(f, 'DELETE', '/consumers/acme-anon'),
        want: { created: 3 },
      },
      {
        name: 'a stray plugin tagged with the project',
        drift: (f) =>
          adminCall(f, 'POST', '/routes/acme-rest/plugins', {
            name: 'request-termination',
            tags: ['supafleet', 'project-acme'],
          }),
        want: { deleted: 1 },
      },
      {
        name: 'a stray route tagged with the project',
        drift: (f) =>
          adminCall(f, 'POST', '/services/acme-rest/routes', {
            name: 'acme-backdoor',
            paths: ['/x'],
            tags: ['supafleet', 'project-acme'],
          }),
        want: { deleted: 1 },
      },
      {
        name: 'a stray ACL group given to the anon consumer',
        drift: (f) =>
          adminCall(f, 'POST', '/consumers/acme-anon/acls', {
            group: 'acme-admin',
            tags: ['supafleet', 'project-acme'],
          }),
        want: { deleted: 1 },
      },
      {
        name: 'a tag removed from a service',
        drift: (f) => adminCall(f, 'PATCH', '/services/acme-meta', { tags: ['supafleet'] }),
        // The service drops out of the project's listing: PUT by name takes it back.
        want: { created: 1 },
      },
    ];
    it.each(cases)('$name', async ({ drift, want }) => {
      const { fake, client } = fakeKongWithClient();
      const acme = projectInput('acme');
      await reconcileProject(client, acme);
      const before = fake.state();
      const res = await drift(fake);
      expect((res as { status: number }).status).toBeLessThan(300);
      const report = await reconcileProject(client, acme);
      expect(report).toMatchObject(want);
      // The repaired layout equals the original one, ids of untouched entities included.
      const after = fake.state();
      expect(countOf(after)).toEqual(countOf(before));
      const idsBefore = new Set(before.services.map((s) => s.id));
      expect(after.services.every((s) => idsBefore.has(s.id))).toBe(true);
      const again = await reconcileProject(client, acme);
      expect(again.calls.mutate).toBe(0);
    });
  });

  it('when the keys rotate, then the credentials are replaced in place, not duplicated', async () => {
    const { fake, client } = fakeKongWithClient();
    await reconcileProject(client, projectInput('acme'));
    const rotated = projectInput('acme');
    const report = await reconcileProject(client, rotated);
    expect(report).toMatchObject({ created: 0, updated: 2, deleted: 0 });
    const credentials = fake.state()['key-auths'];
    const keys = credentials.map((k) => k.key).sort();
    expect(keys).toEqual(secretsOf([rotated]).sort());
  });

  it('when the worker moves to another wg IP, then only the services are updated', async () => {
    const { client } = fakeKongWithClient();
    const acme = projectInput('acme');
    await reconcileProject(client, acme);
    const report = await reconcileProject(client, { ...acme, upstreamHost: '10.100.0.9' });
    expect(report).toMatchObject({ created: 0, updated: desiredKongState(acme).services.length, deleted: 0 });
  });

  it('when a key is already held by another consumer, then the error names the call but not the key', async () => {
    const { client } = fakeKongWithClient();
    const a = projectInput('acme');
    await reconcileProject(client, a);
    const b = projectInput('blog', { anonKey: a.anonKey });
    const err = await reconcileProject(client, b).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    const text = `${(err as Error).message} ${String((err as Error).cause)} ${JSON.stringify(err)}`;
    expect(text).toContain('blog');
    expect(text).toContain('409');
    for (const s of secretsOf([a, b])) expect(text).not.toContain(s);
  });
});

describe('entities supafleet did not make', () => {
  /** An operator's own service, route and consumer that carry the project tag but not `supafleet`. */
  const foreign = async (f: Parameters<typeof adminCall>[0]): Promise<void> => {
    const tags = ['project-acme'];
    for (const [path, body] of [
      ['/services/acme-billing', { host: '10.100.0.50', port: 8080, tags }],
      ['/services/acme-billing/routes/acme-billing', { hosts: ['billing.example.test'], paths: ['/'], tags }],
      ['/consumers/acme-billing-bot', { tags }],
    ] as const) {
      expect((await adminCall(f, 'PUT', path, body)).status).toBe(200);
    }
  };
  const foreignNames = (f: ReturnType<typeof fakeKongWithClient>['fake']): string[] => {
    const s = f.state();
    return [
      ...s.services.map((x) => x.name),
      ...s.routes.map((x) => x.name),
      ...s.consumers.map((x) => x.username),
    ].filter((n): n is string => n?.startsWith('acme-billing') === true);
  };

  it('when an entity carries only the project tag, then reconcileProject neither lists, changes nor deletes it', async () => {
    const { fake, client } = fakeKongWithClient();
    await foreign(fake);
    const report = await reconcileProject(client, projectInput('acme'));
    expect(report).toMatchObject({ created: total(), deleted: 0, updated: 0 });
    expect(foreignNames(fake).sort()).toEqual(['acme-billing', 'acme-billing', 'acme-billing-bot']);
  });

  it('when the project is removed, then the entities carrying only its project tag stay', async () => {
    const { fake, client } = fakeKongWithClient();
    await reconcileProject(client, projectInput('acme'));
    await foreign(fake);
    const report = await removeProject(client, 'acme');
    expect(report).toMatchObject({ deleted: total() });
    expect(foreignNames(fake).sort()).toEqual(['acme-billing', 'acme-billing', 'acme-billing-bot']);
    const left = fake.state();
    expect(KONG_KINDS.reduce((n, k) => n + left[k].length, 0)).toBe(3);
  });
});

describe('removeProject', () => {
  it('when a project is removed, then all its entities go, other projects stay, and a second removal changes nothing', async () => {
    const { fake, client } = fakeKongWithClient();
    await reconcileProject(client, projectInput('acme'));
    await reconcileProject(client, projectInput('blog', { upstreamHost: '10.100.0.3' }));
    const report = await removeProject(client, 'acme');
    expect(report).toMatchObject({ deleted: total(), created: 0, updated: 0 });
    const state = fake.state();
    for (const k of KONG_KINDS) for (const e of state[k]) expect(e.tags).toContain('project-blog');
    expect(countOf(state)).toEqual(countOf(desiredKongState(projectInput('blog'))));
    fake.resetCalls();
    expect((await removeProject(client, 'acme')).calls.mutate).toBe(0);
  });
});

describe('reconcileAll', () => {
  it('when a project left the list, then its entities are removed and the others are unchanged', async () => {
    const { fake, client } = fakeKongWithClient();
    const ps = ['acme', 'blog', 'shop'].map((n, i) => projectInput(n, { upstreamHost: `10.100.0.${i + 2}` }));
    await reconcileAll(client, ps);
    const report = await reconcileAll(client, ps.slice(0, 2));
    expect(report).toMatchObject({ created: 0, updated: 0, deleted: total(), unchanged: 2 * total() });
    expect(
      fake
        .state()
        .consumers.map((c) => c.username)
        .sort(),
    ).toEqual(['acme-anon', 'acme-service_role', 'blog-anon', 'blog-service_role']);
  });

  it('when entities carry supafleet but no project tag, or no supafleet tag at all, then they are left alone', async () => {
    const { fake, client } = fakeKongWithClient();
    await adminCall(fake, 'PUT', '/services/studio', { host: '127.0.0.1', port: 3000, tags: ['supafleet'] });
    await adminCall(fake, 'PUT', '/services/hand-made', { host: '127.0.0.1', port: 3001 });
    await reconcileAll(client, [projectInput('acme')]);
    const report = await reconcileAll(client, []);
    expect(report.deleted).toBe(total());
    expect(
      fake
        .state()
        .services.map((s) => s.name)
        .sort(),
    ).toEqual(['hand-made', 'studio']);
  });

  it('when 40 projects span several list pages, then a no-op reconcile makes zero mutating calls', async () => {
    const { fake, client } = fakeKongWithClient(100);
    const ps = Array.from({ length: 40 }, (_, i) =>
      projectInput(`p${String(i).padStart(3, '0')}`, { upstreamHost: `10.100.1.${i + 2}` }),
    );
    const first = await reconcileAll(client, ps, { concurrency: 4 });
    expect(first.created).toBe(40 * total('p000'));
    fake.resetCalls();
    const report = await reconcileAll(client, ps);
    expect(fake.calls().filter(isMutating)).toEqual([]);
    expect(report.unchanged).toBe(40 * total('p000'));
    // 40 × 30 plugins = 1,200 plugins: 12 pages of 100.
    expect(desiredKongState(projectInput('p000')).plugins).toHaveLength(30);
    expect(fake.calls().filter((c) => c.path === '/plugins')).toHaveLength(12);
    expect(report.calls.list).toBe(fake.calls().length);
  });

  it('when the same project appears twice, then it refuses before any call', async () => {
    const { fake, client } = fakeKongWithClient();
    await expect(reconcileAll(client, [projectInput('acme'), projectInput('acme')])).rejects.toThrow(
      '"acme" appears twice',
    );
    expect(fake.calls()).toEqual([]);
  });
});

describe('isolation', () => {
  it('when several projects are reconciled, then no route of one project admits a consumer of another (every route × every consumer)', async () => {
    const { fake, client } = fakeKongWithClient();
    const ps = [
      projectInput('acme', { upstreamHost: '10.100.0.2' }),
      projectInput('acme-rest', { upstreamHost: '10.100.0.3' }),
      projectInput('blog', { subdomain: 'news', upstreamHost: '10.100.0.4' }),
    ];
    await reconcileAll(client, ps);
    const state = fake.state();
    const projectOf = (tags: string[] | null): string =>
      (tags ?? []).find((t) => t.startsWith('project-'))!.slice(8);
    const openPaths = new Set<string>();
    let checked = 0;
    let admitted = 0;
    for (const route of state.routes) {
      const owner = projectOf(route.tags);
      const host = ps.find((p) => p.name === owner)!;
      expect(route.hosts).toEqual([`${host.subdomain}.${host.domain}`]);
      for (const consumer of state.consumers) {
        const a = admission(state, route.id, consumer.id);
        checked++;
        if (a === 'admitted') {
          admitted++;
          expect(projectOf(consumer.tags), `${route.name} admits ${consumer.username}`).toBe(owner);
        }
        if (a === 'open') openPaths.add(`${owner} ${route.paths!.join(',')}`);
      }
      // Own consumers: anon is refused on /pg/ only; service_role is admitted on every keyed route.
      const own = (suffix: string): string =>
        state.consumers.find((c) => c.username === `${owner}-${suffix}`)!.id;
      const access = admission(state, route.id, own('service_role'));
      if (route.paths!.includes('/pg/')) expect(admission(state, route.id, own('anon'))).toBe('refused');
      expect(['admitted', 'open', 'blocked']).toContain(access);
    }
    expect(checked).toBe(state.routes.length * state.consumers.length);
    expect(admitted).toBeGreaterThan(0);
    // Open by design: GoTrue's public endpoints, Storage (which verifies JWTs itself) and Edge
    // Functions (whose runtime enforces verify_jwt), as in upstream's kong.yml (supabase/supabase
    // @f1b0fbfd91b2 docker/volumes/api/kong.yml:37-64 auth-v1-open*, :176-186 storage-v1,
    // :188-198 functions-v1: cors only).
    const expectedOpen = [
      '/auth/v1/verify',
      '/auth/v1/callback',
      '/auth/v1/authorize',
      '/auth/v1/.well-known/jwks.json',
      '/.well-known/oauth-authorization-server',
      '/sso/saml/acs',
      '/sso/saml/metadata',
      '/storage/v1/',
      '/functions/v1/',
    ];
    expect([...openPaths].sort()).toEqual(
      ps.flatMap((p) => expectedOpen.map((x) => `${p.name} ${x}`)).sort(),
    );
  });

  it('when reconciling, then no key appears in the call log or the report', async () => {
    const { fake, client } = fakeKongWithClient();
    const ps = [projectInput('acme'), projectInput('blog')];
    const report = await reconcileAll(client, ps);
    const out = JSON.stringify(fake.calls()) + JSON.stringify(report);
    for (const s of secretsOf(ps)) expect(out).not.toContain(s);
  });
});
