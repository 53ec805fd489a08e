import { beforeAll, describe, expect, it } from 'vitest';
import { admission } from './access.ts';
import type { KongProjectInput } from '../../master/src/kong/desired.ts';
import type { ProxyDecision } from './proxy.ts';
import { decideProxy, splitTarget } from './proxy.ts';
import type { FakeKongState } from './store.ts';
import { reconcileAll } from '../../master/src/kong/reconcile.ts';
import { fakeKongWithClient, projectInput, secretsOf } from '../../master/src/kong/test/fixtures.ts';

/** Two projects reconciled into the fake by the real reconciler. */
let state: FakeKongState;
let acme: KongProjectInput;
let blog: KongProjectInput;

beforeAll(async () => {
  const { fake, client } = fakeKongWithClient();
  acme = projectInput('acme', { upstreamHost: '10.100.0.2' });
  blog = projectInput('blog', { subdomain: 'news', upstreamHost: '10.100.0.3' });
  await reconcileAll(client, [acme, blog]);
  state = fake.state();
});

type KeyRef = 'acme-anon' | 'acme-service' | 'blog-anon' | 'wrong' | null;

const keyOf = (k: KeyRef): string | null => {
  switch (k) {
    case 'acme-anon':
      return acme.anonKey.reveal();
    case 'acme-service':
      return acme.serviceRoleKey.reveal();
    case 'blog-anon':
      return blog.anonKey.reveal();
    case 'wrong':
      return 'eyJhbGciOiJIUzI1NiJ9.e30.not-a-key-of-anyone';
    case null:
      return null;
  }
};

function decide(
  method: string,
  host: string,
  url: string,
  key: KeyRef,
  extra: Record<string, string> = {},
): ProxyDecision {
  const headers: Record<string, string[]> = { host: [host] };
  const k = keyOf(key);
  if (k !== null) headers.apikey = [k];
  for (const [name, v] of Object.entries(extra)) headers[name] = [v];
  return decideProxy(state, { method, url, headers, clientIp: '127.0.0.1', listenPort: 8000 });
}

const ACME = 'acme.example.test';

describe('decideProxy: routing and access', () => {
  const cases: {
    name: string;
    method?: string;
    host?: string;
    url: string;
    key: KeyRef;
    want:
      | { status: number; message?: string; exit?: true }
      | { upstream: string; target: string; consumer: string | null };
  }[] = [
    {
      name: "acme's anon key on acme's REST path",
      url: '/rest/v1/todos?select=*',
      key: 'acme-anon',
      want: { upstream: '10.100.0.2:3000', target: '/todos?select=*', consumer: 'acme-anon' },
    },
    {
      name: "acme's service_role key on acme's REST path",
      url: '/rest/v1/todos',
      key: 'acme-service',
      want: { upstream: '10.100.0.2:3000', target: '/todos', consumer: 'acme-service_role' },
    },
    {
      name: "blog's anon key on acme's REST path",
      url: '/rest/v1/todos',
      key: 'blog-anon',
      want: { status: 403, message: 'You cannot consume this service' },
    },
    {
      name: 'no key',
      url: '/rest/v1/todos',
      key: null,
      want: { status: 401, message: 'No API key found in request' },
    },
    {
      name: 'a key nobody has',
      url: '/rest/v1/todos',
      key: 'wrong',
      want: { status: 401, message: 'Unauthorized' },
    },
    {
      name: 'an open auth path without a key',
      url: '/auth/v1/verify?token=t&type=signup',
      key: null,
      want: { upstream: '10.100.0.2:9999', target: '/verify?token=t&type=signup', consumer: null },
    },
    {
      name: 'the JWKS path without a key',
      url: '/auth/v1/.well-known/jwks.json',
      key: null,
      want: { upstream: '10.100.0.2:9999', target: '/.well-known/jwks.json', consumer: null },
    },
    {
      name: 'a keyed auth path without a key',
      url: '/auth/v1/user',
      key: null,
      want: { status: 401, message: 'No API key found in request' },
    },
    {
      name: 'storage without a key (Storage checks the JWT itself)',
      url: '/storage/v1/object/public/a.png',
      key: null,
      want: { upstream: '10.100.0.2:5000', target: '/object/public/a.png', consumer: null },
    },
    {
      name: "/pg/ with acme's anon key",
      url: '/pg/tables',
      key: 'acme-anon',
      want: { status: 403, message: 'You cannot consume this service' },
    },
    {
      name: "/pg/ with acme's service_role key",
      url: '/pg/tables',
      key: 'acme-service',
      want: { upstream: '10.100.0.2:8080', target: '/tables', consumer: 'acme-service_role' },
    },
    {
      name: 'a dot-segment path climbing from REST into /pg/ with the anon key',
      url: '/rest/v1/../../pg/tables',
      key: 'acme-anon',
      want: { status: 403, message: 'You cannot consume this service' },
    },
    {
      name: "Realtime's tenant API, even with the service_role key",
      url: '/realtime/v1/api/tenants',
      key: 'acme-service',
      want: { status: 403, message: 'Access is forbidden.', exit: true },
    },
    {
      name: 'GraphQL',
      url: '/graphql/v1',
      key: 'acme-anon',
      want: { upstream: '10.100.0.2:3000', target: '/rpc/graphql', consumer: 'acme-anon' },
    },
    {
      name: 'edge functions with a key (cors only: nobody is authenticated)',
      url: '/functions/v1/hello',
      key: 'acme-anon',
      want: { upstream: '10.100.0.2:9000', target: '/hello', consumer: null },
    },
    {
      name: 'a public webhook function without any key',
      url: '/functions/v1/shop-webhook',
      key: null,
      want: { upstream: '10.100.0.2:9000', target: '/shop-webhook', consumer: null },
    },
    {
      name: 'a path with a doubled slash (merged before routing)',
      url: '//rest/v1//todos',
      key: 'acme-anon',
      want: { upstream: '10.100.0.2:3000', target: '/todos', consumer: 'acme-anon' },
    },
    {
      name: 'a path with percent-encoded unreserved characters (decoded before routing)',
      url: '/%72est/v1/%74odos',
      key: 'acme-anon',
      want: { upstream: '10.100.0.2:3000', target: '/todos', consumer: 'acme-anon' },
    },
    {
      name: "Realtime's tenant API behind a doubled slash",
      url: '/realtime/v1/api//tenants',
      key: 'acme-service',
      want: { status: 403, message: 'Access is forbidden.', exit: true },
    },
    {
      name: "Realtime's tenant API percent-encoded",
      url: '/realtime/v1/api/%74enants',
      key: 'acme-service',
      want: { status: 403, message: 'Access is forbidden.', exit: true },
    },
    {
      name: "blog's anon key on blog's own host (subdomain news)",
      host: 'news.example.test',
      url: '/rest/v1/posts',
      key: 'blog-anon',
      want: { upstream: '10.100.0.3:3000', target: '/posts', consumer: 'blog-anon' },
    },
    {
      name: 'the Host header carries a port',
      host: 'acme.example.test:8443',
      url: '/rest/v1/todos',
      key: 'acme-anon',
      want: { upstream: '10.100.0.2:3000', target: '/todos', consumer: 'acme-anon' },
    },
    {
      name: 'an unknown host',
      host: 'nobody.example.test',
      url: '/rest/v1/todos',
      key: 'acme-anon',
      want: { status: 404, message: 'no Route matched with those values' },
    },
    {
      name: 'a path outside the layout',
      url: '/nope',
      key: 'acme-anon',
      want: { status: 404, message: 'no Route matched with those values' },
    },
    {
      name: 'the REST prefix without its trailing slash',
      url: '/rest/v1',
      key: 'acme-anon',
      want: { status: 404, message: 'no Route matched with those values' },
    },
  ];

  it.each(cases)('when $name, then the proxy answers as Kong', (c) => {
    const d = decide(c.method ?? 'GET', c.host ?? ACME, c.url, c.key);
    if ('status' in c.want) {
      expect(d.kind).toBe('answer');
      if (d.kind !== 'answer') return;
      expect(d.status).toBe(c.want.status);
      // kong.response.error: {message, request_id}; request-termination's exit: {message} only
      const body = JSON.parse(d.body) as unknown;
      if (c.want.exit) expect(body).toEqual({ message: c.want.message });
      else
        expect(body).toEqual({
          message: c.want.message,
          request_id: expect.stringMatching(/^[0-9a-f]{32}$/),
        });
      expect(d.headers['content-type']).toBe('application/json; charset=utf-8');
    } else {
      expect(d.kind).toBe('forward');
      if (d.kind !== 'forward') return;
      expect(`${d.service.host}:${d.service.port}`).toBe(c.want.upstream);
      expect(d.target).toBe(c.want.target);
      expect(d.consumer).toBe(c.want.consumer);
      expect(d.headers['x-consumer-username']).toEqual(
        c.want.consumer === null ? undefined : [c.want.consumer],
      );
    }
  });

  it('when a key is missing or wrong, then the 401 carries WWW-Authenticate: Key', () => {
    for (const key of [null, 'wrong'] as const) {
      const d = decide('GET', ACME, '/rest/v1/todos', key);
      expect(d.kind === 'answer' && d.headers['www-authenticate']).toBe('Key');
    }
  });

  it('when the key comes in the query string, then it is accepted like the header', () => {
    const k = encodeURIComponent(acme.anonKey.reveal());
    const d = decide('GET', ACME, `/rest/v1/todos?apikey=${k}`, null);
    expect(d.kind).toBe('forward');
    expect(d.consumer).toBe('acme-anon');
  });

  it('when the key is sent twice, then the proxy refuses it as a duplicate', () => {
    const d = decideProxy(state, {
      method: 'GET',
      url: '/rest/v1/todos',
      headers: { host: [ACME], apikey: [acme.anonKey.reveal(), acme.anonKey.reveal()] },
      clientIp: '127.0.0.1',
      listenPort: 8000,
    });
    expect(d.kind === 'answer' && [d.status, JSON.parse(d.body)]).toEqual([
      401,
      { message: 'Duplicate API key found', request_id: expect.any(String) },
    ]);
  });

  it('when any request is answered by the proxy itself, then no key appears in the answer', () => {
    const answers = (['acme-anon', 'acme-service', 'blog-anon', 'wrong', null] as const).flatMap((key) =>
      cases.map((c) => decide('GET', c.host ?? ACME, c.url, key)).filter((d) => d.kind === 'answer'),
    );
    expect(answers.length).toBeGreaterThan(0);
    const text = JSON.stringify(answers);
    for (const s of secretsOf([acme, blog])) expect(text).not.toContain(s);
  });
});

describe('decideProxy agrees with fake-access', () => {
  it("when every route is requested with every consumer's key, then the proxy forwards exactly what admission() admits", () => {
    let checked = 0;
    for (const route of state.routes) {
      for (const consumer of state.consumers) {
        const key = state['key-auths'].find((k) => k.consumer.id === consumer.id)!.key;
        const d = decideProxy(state, {
          method: 'GET',
          url: route.paths![0]!,
          headers: { host: [route.hosts![0]!], apikey: [key] },
          clientIp: '127.0.0.1',
          listenPort: 8000,
        });
        expect(d.route).toBe(route.name);
        const a = admission(state, route.id, consumer.id);
        const got =
          d.kind === 'forward'
            ? d.consumer === null
              ? 'open'
              : 'admitted'
            : JSON.parse(d.body).message === 'Access is forbidden.'
              ? 'blocked'
              : 'refused';
        expect(got, `${route.name} with ${consumer.username}`).toBe(a);
        if (got === 'admitted') expect(d.consumer).toBe(consumer.username);
        checked++;
      }
    }
    expect(checked).toBe(state.routes.length * state.consumers.length);
  });
});

describe('decideProxy: headers', () => {
  it('when a request is forwarded, then Host is the service address, X-Forwarded-* are set and hop-by-hop headers are dropped', () => {
    const d = decide('GET', ACME, '/rest/v1/todos', 'acme-anon', {
      connection: 'keep-alive, x-private',
      'x-private': 'drop me',
      'keep-alive': 'timeout=5',
      'x-request-id': 'r1',
    });
    expect(d.kind).toBe('forward');
    if (d.kind !== 'forward') return;
    expect(d.headers.host).toEqual(['10.100.0.2:3000']);
    expect(d.headers['x-forwarded-for']).toEqual(['127.0.0.1']);
    expect(d.headers['x-forwarded-host']).toEqual([ACME]);
    expect(d.headers['x-forwarded-prefix']).toEqual(['/rest/v1/']);
    expect(d.headers['x-request-id']).toEqual(['r1']);
    expect(d.headers.connection).toBeUndefined();
    expect(d.headers['keep-alive']).toBeUndefined();
    expect(d.headers['x-private']).toBeUndefined();
    // the ACL hides the groups header; the credential's id, never its key, identifies it
    expect(d.headers['x-consumer-groups']).toBeUndefined();
    expect(d.headers['x-credential-identifier']?.[0]).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('when Caddy in front sent X-Forwarded-Proto and X-Forwarded-For, then a loopback peer is trusted and its address appended', () => {
    const d = decide('GET', ACME, '/rest/v1/todos', 'acme-anon', {
      'x-forwarded-proto': 'https',
      'x-forwarded-for': '203.0.113.9',
    });
    expect(d.kind === 'forward' && d.headers['x-forwarded-proto']).toEqual(['https']);
    expect(d.kind === 'forward' && d.headers['x-forwarded-for']).toEqual(['203.0.113.9, 127.0.0.1']);
  });

  it('when a client sends its own X-Consumer-Username on a keyed route, then the authenticated consumer replaces it', () => {
    const d = decide('GET', ACME, '/rest/v1/todos', 'acme-anon', {
      'x-consumer-username': 'blog-service_role',
    });
    expect(d.kind === 'forward' && d.headers['x-consumer-username']).toEqual(['acme-anon']);
  });

  it('when GraphQL is called, then the request-transformer adds Content-Profile: graphql_public', () => {
    const d = decide('POST', ACME, '/graphql/v1', 'acme-anon');
    expect(d.kind === 'forward' && d.headers['content-profile']).toEqual(['graphql_public']);
  });

  it('when Realtime is opened with the key in the query, then x-api-key carries it to Realtime', () => {
    const k = acme.anonKey.reveal();
    const d = decide('GET', ACME, `/realtime/v1/websocket?apikey=${encodeURIComponent(k)}&vsn=1.0.0`, null);
    expect(d.kind).toBe('forward');
    if (d.kind !== 'forward') return;
    expect(d.target).toBe(`/socket/websocket?apikey=${encodeURIComponent(k)}&vsn=1.0.0`);
    expect(d.headers['x-api-key']).toEqual([k]);
  });

  it("when Realtime is opened, then the upstream Host names Realtime's tenant, not the worker's wg address", () => {
    const k = acme.anonKey.reveal();
    const socket = decide('GET', ACME, `/realtime/v1/websocket?apikey=${encodeURIComponent(k)}`, null);
    const api = decide('GET', ACME, '/realtime/v1/api/ping', 'acme-anon');
    for (const d of [socket, api]) {
      expect(d.kind === 'forward' && d.headers.host).toEqual(['realtime-dev.supabase-realtime']);
    }
    const rest = decide('GET', ACME, '/rest/v1/todos', 'acme-anon');
    expect(rest.kind === 'forward' && rest.headers.host?.[0]).toMatch(/^10\.|^\d+\.\d+\.\d+\.\d+:\d+$/);
  });
});

describe('decideProxy: CORS', () => {
  const preflight = (url: string, origin: string): ProxyDecision =>
    decide('OPTIONS', ACME, url, null, {
      origin,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'apikey,content-type',
    });

  it("when a browser on acme's origin sends a preflight, then the proxy answers 200 without a key", () => {
    const d = preflight('/rest/v1/todos', 'https://acme.app.test');
    expect(d.kind === 'answer' && d.status).toBe(200);
    if (d.kind !== 'answer') return;
    expect(d.headers['access-control-allow-origin']).toBe('https://acme.app.test');
    expect(d.headers['access-control-allow-headers']).toBe('apikey,content-type');
    expect(d.headers['access-control-allow-methods']).toContain('POST');
    expect(d.body).toBe('');
  });

  it('when one plain origin is configured and the preflight comes from another, then Kong still echoes the configured origin (cors/handler.lua:77-89)', () => {
    const d = preflight('/rest/v1/todos', 'https://evil.test');
    expect(d.kind === 'answer' && d.status).toBe(200);
    expect(d.kind === 'answer' && d.headers['access-control-allow-origin']).toBe('https://acme.app.test');
    expect(d.kind === 'answer' && d.headers.vary).toBe('Origin');
  });

  it('when a preflight goes to /pg/ (no cors plugin), then key-auth refuses it', () => {
    const d = preflight('/pg/tables', 'https://acme.app.test');
    expect(d.kind === 'answer' && d.status).toBe(401);
  });

  it('when a request from an allowed origin is forwarded or refused, then the CORS headers come with the response', () => {
    const ok = decide('GET', ACME, '/rest/v1/todos', 'acme-anon', { origin: 'https://acme.app.test' });
    expect(ok.kind === 'forward' && ok.responseHeaders['access-control-allow-origin']).toBe(
      'https://acme.app.test',
    );
    const refused = decide('GET', ACME, '/rest/v1/todos', null, { origin: 'https://acme.app.test' });
    expect(refused.kind === 'answer' && refused.headers['access-control-allow-origin']).toBe(
      'https://acme.app.test',
    );
  });
});

describe('splitTarget', () => {
  it.each([
    ['/rest/v1/todos?select=*', '/rest/v1/todos', 'select=*'],
    ['/rest/v1/./a/../b', '/rest/v1/b', ''],
    ['http://acme.example.test/rest/v1/x?y=1', '/rest/v1/x', 'y=1'],
    ['//double', '/double', ''],
    ['/a/%2e%2E/b', '/b', ''],
    ['/a%2Fb/%7e', '/a%2Fb/~', ''],
    ['/x?y=1?z', '/x', 'y=1?z'],
  ])('when the request target is %s, then the path is %s and the query %s', (url, path, query) => {
    expect(splitTarget(url)).toEqual({ path, query });
  });
});
