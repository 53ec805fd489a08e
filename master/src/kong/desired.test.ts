import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { Secret } from '../../../core/seal/secret.ts';
import type { KongState } from './desired.ts';
import { CONSUMERS, desiredKongState, projectOfTags, ROUTES, SERVICES } from './desired.ts';
import { projectInput, secretsOf } from './test/fixtures.ts';
import { isUuid } from './uuid.ts';

const acme = projectInput('acme', { subdomain: 'shop', upstreamHost: '10.100.0.7' });

function pluginsOf(state: KongState, route: string): Map<string, Record<string, unknown>> {
  return new Map(state.plugins.filter((p) => p.parent === route).map((p) => [p.body.name, p.body.config]));
}

describe('desiredKongState', () => {
  it('when built twice from the same input, then the output is identical and sorted by key', () => {
    const a = desiredKongState(acme);
    const b = desiredKongState(acme);
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    for (const list of Object.values(a) as { key: string }[][]) {
      const keys = list.map((e) => e.key);
      expect(keys).toEqual([...keys].sort());
    }
  });

  it('when built, then every entity is tagged supafleet and project-<name>', () => {
    const state = desiredKongState(acme);
    for (const list of Object.values(state) as { body: { tags: string[] } }[][]) {
      for (const e of list) expect(e.body.tags).toEqual(['supafleet', 'project-acme']);
    }
  });

  it('when built, then every route matches only <subdomain>.<domain>', () => {
    for (const r of desiredKongState(acme).routes) expect(r.body.hosts).toEqual(['shop.example.test']);
  });

  it.each([
    ['acme-auth', 9999, '/', 60_000],
    ['acme-rest', 3000, '/', 60_000],
    ['acme-graphql', 3000, '/rpc/graphql', 60_000],
    ['acme-realtime', 4000, '/socket', 60_000],
    ['acme-realtime-api', 4000, '/api', 60_000],
    ['acme-storage', 5000, '/', 60_000],
    ['acme-functions', 9000, '/', 150_000],
    ['acme-meta', 8080, '/', 60_000],
  ])(
    'when built, then service %s points at the worker on port %i path %s',
    (name, port, path, readTimeout) => {
      const s = desiredKongState(acme).services.find((x) => x.key === name);
      expect(s?.body).toMatchObject({
        host: '10.100.0.7',
        port,
        path,
        protocol: 'http',
        read_timeout: readTimeout,
      });
    },
  );

  it.each([
    ['/auth/v1/verify', 'acme-auth-verify', 'open'],
    ['/auth/v1/callback', 'acme-auth-callback', 'open'],
    ['/auth/v1/authorize', 'acme-auth-authorize', 'open'],
    ['/auth/v1/.well-known/jwks.json', 'acme-auth-jwks', 'open'],
    ['/sso/saml/acs', 'acme-auth-sso-acs', 'open'],
    ['/sso/saml/metadata', 'acme-auth-sso-metadata', 'open'],
    ['/.well-known/oauth-authorization-server', 'acme-auth-oauth-server', 'open'],
    ['/auth/v1/', 'acme-auth', 'keyed'],
    ['/rest/v1/', 'acme-rest', 'keyed'],
    ['/graphql/v1', 'acme-graphql', 'keyed'],
    ['/realtime/v1/', 'acme-realtime', 'keyed'],
    ['/realtime/v1/api', 'acme-realtime-api', 'keyed'],
    ['/realtime/v1/api/tenants', 'acme-realtime-api', 'blocked'],
    ['/storage/v1/', 'acme-storage', 'cors only'],
    ['/functions/v1/', 'acme-functions', 'cors only'],
    ['/pg/', 'acme-meta', 'admin'],
  ])('when built, then path %s goes to service %s and is %s', (path, service, access) => {
    const state = desiredKongState(acme);
    const route = state.routes.find((r) => r.body.paths.includes(path));
    expect(route?.parent).toBe(service);
    const plugins = pluginsOf(state, route!.key);
    const names = [...plugins.keys()].sort();
    switch (access) {
      case 'open':
      case 'cors only':
        expect(names).toEqual(['cors']);
        break;
      case 'keyed':
        expect(names.filter((n) => n !== 'request-transformer')).toEqual(['acl', 'cors', 'key-auth']);
        expect(plugins.get('acl')).toEqual({
          allow: ['acme-admin', 'acme-anon'],
          deny: null,
          hide_groups_header: true,
        });
        break;
      case 'admin':
        expect(names).toEqual(['acl', 'key-auth']);
        expect(plugins.get('acl')).toEqual({ allow: ['acme-admin'], deny: null, hide_groups_header: true });
        break;
      case 'blocked':
        expect(names).toEqual(['request-termination']);
        break;
    }
  });

  it('when a route has key-auth, then anonymous access is off and the key comes from the apikey header or query', () => {
    const state = desiredKongState(acme);
    const keyAuths = state.plugins.filter((p) => p.body.name === 'key-auth');
    expect(keyAuths).toHaveLength(6);
    for (const k of keyAuths) expect(k.body.config).toMatchObject({ anonymous: null, key_names: ['apikey'] });
  });

  it('when built, then graphql adds Content-Profile, realtime adds x-api-key from the apikey query and both realtime routes replace Host with the Realtime tenant, and nothing else is transformed', () => {
    const state = desiredKongState(acme);
    const transformer = (route: string): Record<string, unknown> | undefined =>
      pluginsOf(state, route).get('request-transformer');
    expect(transformer('acme-graphql')).toMatchObject({
      add: { headers: ['Content-Profile:graphql_public'], querystring: [], body: [] },
      remove: { headers: [], querystring: [], body: [] },
      replace: { headers: [], querystring: [], body: [], uri: null },
    });
    // Kong 3.9.1 sets the upstream Host only through `replace` (request-transformer/access.lua:198)
    expect(transformer('acme-realtime')).toMatchObject({
      add: { headers: ['x-api-key:$(query_params.apikey)'] },
      replace: { headers: ['Host:realtime-dev.supabase-realtime'] },
    });
    expect(transformer('acme-realtime-api')).toMatchObject({
      add: { headers: [] },
      replace: { headers: ['Host:realtime-dev.supabase-realtime'] },
    });
    expect(
      state.plugins
        .filter((p) => p.body.name === 'request-transformer')
        .map((p) => p.parent)
        .sort(),
    ).toEqual(['acme-graphql', 'acme-realtime', 'acme-realtime-api']);
  });

  it('when any request-transformer is built, then no add or append entry names Host (add skips Host, append makes it a list: access.lua:205,211-225)', () => {
    for (const p of [acme, projectInput('blog'), projectInput('x1', { corsOrigins: [] })]) {
      const state = desiredKongState(p);
      for (const plugin of state.plugins.filter((x) => x.body.name === 'request-transformer')) {
        const config = plugin.body.config as Record<string, { headers?: string[] } | null>;
        for (const section of ['add', 'append']) {
          const names = (config[section]?.headers ?? []).map((h) => h.split(':')[0]!.trim().toLowerCase());
          expect(names, `${plugin.key} ${section}`).not.toContain('host');
        }
      }
    }
  });

  // upstream: supabase/supabase@f1b0fbfd91b2 docker/volumes/api/kong.yml:188-198 (functions-v1: cors only)
  it('when built, then /functions/v1/ carries cors only, as upstream, so public webhook functions need no apikey', () => {
    const state = desiredKongState(acme);
    expect([...pluginsOf(state, 'acme-functions').keys()]).toEqual(['cors']);
  });

  it('when CORS origins are given, then they are sorted and deduplicated; when none, then any origin', () => {
    const some = desiredKongState(
      projectInput('acme', { corsOrigins: ['https://b.test', 'https://a.test', 'https://b.test'] }),
    );
    expect(pluginsOf(some, 'acme-rest').get('cors')).toEqual({
      origins: ['https://a.test', 'https://b.test'],
      credentials: false,
      private_network: false,
      preflight_continue: false,
    });
    const none = desiredKongState(projectInput('acme', { corsOrigins: [] }));
    expect(pluginsOf(none, 'acme-rest').get('cors')).toMatchObject({ origins: ['*'] });
  });

  it('when built, then consumers <name>-anon and <name>-service_role hold the keys and groups <name>-anon / <name>-admin', () => {
    const state = desiredKongState(acme);
    expect(state.consumers.map((c) => c.key)).toEqual(['acme-anon', 'acme-service_role']);
    const key = (c: string): string | undefined =>
      state['key-auths'].find((k) => k.parent === c)?.body.key.reveal();
    expect(key('acme-anon')).toBe(acme.anonKey.reveal());
    expect(key('acme-service_role')).toBe(acme.serviceRoleKey.reveal());
    expect(state.acls.map((a) => [a.parent, a.body.group])).toEqual(
      expect.arrayContaining([
        ['acme-anon', 'acme-anon'],
        ['acme-service_role', 'acme-admin'],
      ]),
    );
    for (const e of [...state['key-auths'], ...state.acls]) expect(isUuid(e.key)).toBe(true);
  });

  it('when the desired state is printed or serialised, then no key appears', () => {
    const state = desiredKongState(acme);
    const out =
      JSON.stringify(state) + inspect(state, { depth: 20 }) + String(state['key-auths'][0]?.body.key);
    for (const s of secretsOf([acme])) expect(out).not.toContain(s);
  });

  it.each([
    [{ name: 'Acme' }, 'name "Acme" is invalid'],
    [{ subdomain: 'shop_1' }, 'subdomain "shop_1" is invalid'],
    [{ domain: 'Example..com' }, 'domain "Example..com" is invalid'],
    [{ upstreamHost: '10.100.0.300' }, 'upstream host "10.100.0.300" is invalid'],
    [{ corsOrigins: ['https://a.test/path'] }, 'CORS origin "https://a.test/path" is invalid'],
    [{ anonKey: new Secret('same'), serviceRoleKey: new Secret('same') }, 'keys must differ'],
  ])('when the input has %o, then it throws naming the bad value', (override, message) => {
    expect(() => desiredKongState(projectInput('acme', override))).toThrow(message);
  });

  it('when two projects have names where one prefixes the other, then no entity name or group collides', () => {
    // Entity names are "<project>-<suffix>": a collision needs one suffix to end with "-<another suffix>".
    const routeSuffixes = Object.keys(ROUTES);
    const pluginSuffixes = desiredKongState(projectInput('xyz')).plugins.map((p) => p.key.slice(4));
    const sets = [
      Object.keys(SERVICES),
      routeSuffixes,
      pluginSuffixes,
      CONSUMERS.map((c) => c.suffix),
      ['anon', 'admin'],
    ];
    for (const set of sets) {
      for (const a of set)
        for (const b of set) expect(a.endsWith(`-${b}`) && a !== b, `${a} vs ${b}`).toBe(false);
    }
    const a = desiredKongState(projectInput('acme'));
    const b = desiredKongState(projectInput('acme-rest'));
    for (const kind of Object.keys(a) as (keyof KongState)[]) {
      const keysA = new Set(a[kind].map((e) => e.key));
      for (const e of b[kind]) expect(keysA.has(e.key), `${kind} ${e.key}`).toBe(false);
    }
  });

  it('when reading a tag list, then the project tag names the project', () => {
    expect(projectOfTags(['supafleet', 'project-acme'])).toBe('acme');
    expect(projectOfTags(['supafleet'])).toBeNull();
    expect(projectOfTags(null)).toBeNull();
  });
});
