import { describe, expect, it } from 'vitest';
import { adminCall } from '../../master/src/kong/test/fixtures.ts';
import type { FakeKong } from './fake.ts';
import { createFakeKong } from './fake.ts';
import type { ProxyDecision } from './proxy.ts';
import { routedByKong } from './poll.ts';
import { decideProxy, KONG_WORKER_STATE_UPDATE_MS, storeState } from './proxy.ts';

/**
 * The proxy's answers for small hand-made states, one behaviour of Kong 3.9.1 per test, each
 * named with its source (Kong/kong at tag 3.9.1) as listed in CONFORMANCE.md.
 */

const HOST = 'svc.example.test';

/** A fake with one service `s` (10.0.0.9:4000, path /api) and a route `r` on HOST with prefix /p/. */
async function oneRoute(
  plugins: { name: string; config?: Record<string, unknown> }[] = [],
): Promise<FakeKong> {
  const fake = createFakeKong();
  const put = async (path: string, body: unknown): Promise<void> => {
    const res = await adminCall(fake, 'PUT', path, body);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
  };
  await put('/services/s', { host: '10.0.0.9', port: 4000, path: '/api' });
  await put('/services/s/routes/r', { hosts: [HOST], paths: ['/p/'] });
  for (const p of plugins) await put(`/routes/r/plugins/r-${p.name}`, p);
  return fake;
}

const ask = (
  fake: FakeKong,
  url: string,
  headers: Record<string, string | string[]> = {},
  method = 'GET',
): ProxyDecision => {
  const h: Record<string, string[]> = { host: [HOST] };
  for (const [k, v] of Object.entries(headers)) h[k] = Array.isArray(v) ? v : [v];
  return decideProxy(fake.state(), { method, url, headers: h, clientIp: '127.0.0.1', listenPort: 8000 });
};

const forward = (d: ProxyDecision): Extract<ProxyDecision, { kind: 'forward' }> => {
  expect(d.kind).toBe('forward');
  return d as Extract<ProxyDecision, { kind: 'forward' }>;
};
const answer = (d: ProxyDecision): Extract<ProxyDecision, { kind: 'answer' }> => {
  expect(d.kind).toBe('answer');
  return d as Extract<ProxyDecision, { kind: 'answer' }>;
};

describe('request-transformer and the upstream Host (request-transformer/access.lua:163-232)', () => {
  const transformer = (section: 'add' | 'replace' | 'append', header: string) => ({
    name: 'request-transformer',
    config: { [section]: { headers: [header] } },
  });

  it('when `add` names Host, then the upstream Host stays the service address (access.lua:205)', async () => {
    const fake = await oneRoute([transformer('add', 'Host:tenant.internal')]);
    expect(forward(ask(fake, '/p/x')).headers.host).toEqual(['10.0.0.9:4000']);
  });

  it('when `replace` names Host, then the upstream Host is set although the request had it cleared (access.lua:167,198)', async () => {
    const fake = await oneRoute([transformer('replace', 'Host:tenant.internal')]);
    expect(forward(ask(fake, '/p/x')).headers.host).toEqual(['tenant.internal']);
  });

  it('when `replace` names another header the request lacks, then nothing is added; when present, it is replaced (access.lua:198)', async () => {
    const fake = await oneRoute([transformer('replace', 'X-Tenant:t1')]);
    expect(forward(ask(fake, '/p/x')).headers['x-tenant']).toBeUndefined();
    expect(forward(ask(fake, '/p/x', { 'x-tenant': 'mine' })).headers['x-tenant']).toEqual(['t1']);
  });

  it('when `add` names a header the request already has, then the request value is kept (access.lua:205)', async () => {
    const fake = await oneRoute([transformer('add', 'X-Tenant:t1')]);
    expect(forward(ask(fake, '/p/x', { 'x-tenant': 'mine' })).headers['x-tenant']).toEqual(['mine']);
    expect(forward(ask(fake, '/p/x')).headers['x-tenant']).toEqual(['t1']);
  });

  it('when a value is a template, then it renders from the query (access.lua:74-108)', async () => {
    const fake = await oneRoute([transformer('add', 'x-api-key:$(query_params.apikey)')]);
    expect(forward(ask(fake, '/p/x?apikey=k1')).headers['x-api-key']).toEqual(['k1']);
  });
});

describe('error answers (kong/pdk/response.lua:1098-1180, kong/tools/http.lua:382-537)', () => {
  it('when no Accept is sent, then the router 404 is JSON {message, request_id} (runloop/handler.lua:1197)', async () => {
    const fake = await oneRoute();
    const d = answer(ask(fake, '/nowhere'));
    expect(d.status).toBe(404);
    expect(d.headers['content-type']).toBe('application/json; charset=utf-8');
    const body = JSON.parse(d.body) as { message: string; request_id: string };
    expect(body).toEqual({ message: 'no Route matched with those values', request_id: expect.any(String) });
    expect(body.request_id).toMatch(/^[0-9a-f]{32}$/);
    expect(d.headers['x-kong-request-id']).toBe(body.request_id);
  });

  it.each([
    ['text/html', 'text/html; charset=utf-8', '<p>no Route matched with those values.</p>'],
    [
      'application/xml',
      'application/xml; charset=utf-8',
      '<message>no Route matched with those values</message>',
    ],
    ['text/plain', 'text/plain; charset=utf-8', 'no Route matched with those values\nrequest_id: '],
    ['text/*', 'text/plain; charset=utf-8', 'no Route matched with those values\nrequest_id: '],
    ['application/json;q=0.5, text/html;q=0.9', 'text/html; charset=utf-8', '<h1>Error</h1>'],
    ['image/png', 'application/json; charset=utf-8', '"message":"no Route matched with those values"'],
  ])('when Accept is %s, then the error is %s', async (accept, type, fragment) => {
    const fake = await oneRoute();
    const d = answer(ask(fake, '/nowhere', { accept }));
    expect(d.headers['content-type']).toBe(type);
    expect(d.body).toContain(fragment);
  });

  it('when key-auth refuses with Accept: text/plain, then its 401 is plain text with the request id', async () => {
    const fake = await oneRoute([{ name: 'key-auth' }]);
    const d = answer(ask(fake, '/p/x', { accept: 'text/plain' }));
    expect([d.status, d.headers['www-authenticate']]).toEqual([401, 'Key']);
    expect(d.body).toMatch(/^No API key found in request\nrequest_id: [0-9a-f]{32}\n$/);
  });

  it('when request-termination answers with a message, then the body is {message} without a request id (request-termination/handler.lua:72-73)', async () => {
    const fake = await oneRoute([
      { name: 'request-termination', config: { status_code: 403, message: 'No.' } },
    ]);
    const d = answer(ask(fake, '/p/x', { accept: 'text/html' }));
    expect([d.status, JSON.parse(d.body)]).toEqual([403, { message: 'No.' }]);
  });

  it("when request-termination has no message, then Kong's default for the status is used (request-termination/handler.lua:4-11)", async () => {
    const fake = await oneRoute([{ name: 'request-termination', config: { status_code: 503 } }]);
    expect(JSON.parse(answer(ask(fake, '/p/x')).body)).toEqual({ message: 'Service unavailable' });
  });
});

describe('key-auth (key-auth/handler.lua:108-253)', () => {
  const withConsumer = async (config: Record<string, unknown> = {}): Promise<FakeKong> => {
    const fake = await oneRoute([{ name: 'key-auth', config }]);
    await adminCall(fake, 'PUT', '/consumers/c1', {});
    await adminCall(fake, 'POST', '/consumers/c1/key-auth', { key: 'good-key' });
    return fake;
  };

  it('when the key is unknown, then 401 "Unauthorized" (handler.lua:31,193-194)', async () => {
    const d = answer(ask(await withConsumer(), '/p/x', { apikey: 'nobody' }));
    expect([d.status, JSON.parse(d.body).message]).toEqual([401, 'Unauthorized']);
  });

  it('when the apikey header is empty, then the lookup stops there and a valid query key is not read (handler.lua:121-175)', async () => {
    const d = answer(ask(await withConsumer(), '/p/x?apikey=good-key', { apikey: '' }));
    expect([d.status, JSON.parse(d.body).message]).toEqual([401, 'No API key found in request']);
  });

  it('when the key is in the query only, then it is found there (handler.lua:128-131)', async () => {
    const d = forward(ask(await withConsumer(), '/p/x?apikey=good-key'));
    expect(d.consumer).toBe('c1');
    expect(d.headers['x-consumer-username']).toEqual(['c1']);
  });

  it('when hide_credentials is on, then the key leaves both the header and the query (handler.lua:145-147)', async () => {
    const d = forward(ask(await withConsumer({ hide_credentials: true }), '/p/x?apikey=good-key&a=1'));
    expect(d.target).toBe('/api/x?a=1');
    expect(d.headers.apikey).toBeUndefined();
  });

  it('when `anonymous` names no existing consumer, then the request passes on without a consumer and an ACL answers 401 (handler.lua:217-243, acl/handler.lua:65-74)', async () => {
    const fake = await oneRoute([
      { name: 'key-auth', config: { anonymous: '7c5b8e9c-4a63-4e57-9d0e-2f8b7d6c5a41' } },
      { name: 'acl', config: { allow: ['g'] } },
    ]);
    const d = answer(ask(fake, '/p/x'));
    expect([d.status, JSON.parse(d.body).message]).toEqual([401, 'Unauthorized']);
    const open = await oneRoute([{ name: 'key-auth', config: { anonymous: 'ghost' } }]);
    const f = forward(ask(open, '/p/x'));
    expect([f.consumer, f.headers['x-anonymous-consumer']]).toEqual([null, ['true']]);
  });
});

describe('cors (cors/handler.lua:64-257)', () => {
  const preflight = { origin: 'https://a.test', 'access-control-request-method': 'GET' };

  it('when several origins are configured, then the request origin is compared after normalisation (:443 dropped) and echoed normalised (handler.lua:33-54,135-161)', async () => {
    const fake = await oneRoute([
      { name: 'cors', config: { origins: ['https://a.test', 'https://b.test'] } },
    ]);
    const d = answer(ask(fake, '/p/x', { ...preflight, origin: 'https://b.test:443' }, 'OPTIONS'));
    expect(d.headers['access-control-allow-origin']).toBe('https://b.test');
    const other = answer(ask(fake, '/p/x', { ...preflight, origin: 'https://c.test' }, 'OPTIONS'));
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
    const cased = answer(ask(fake, '/p/x', { ...preflight, origin: 'https://A.test' }, 'OPTIONS'));
    expect(cased.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('when an origin is a regex, then it matches the request host, anchored (handler.lua:104-128,144-152)', async () => {
    const fake = await oneRoute([{ name: 'cors', config: { origins: ['.*\\.a\\.test', 'https://z.test'] } }]);
    const ok = answer(ask(fake, '/p/x', { ...preflight, origin: 'https://x.a.test' }, 'OPTIONS'));
    expect(ok.headers['access-control-allow-origin']).toBe('https://x.a.test');
    const no = answer(ask(fake, '/p/x', { ...preflight, origin: 'https://x.a.test.evil' }, 'OPTIONS'));
    expect(no.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('when no origin is configured, then any origin gets * and no Vary (handler.lua:68-71)', async () => {
    const fake = await oneRoute([{ name: 'cors' }]);
    const d = answer(ask(fake, '/p/x', preflight, 'OPTIONS'));
    expect([d.headers['access-control-allow-origin'], d.headers.vary]).toEqual(['*', undefined]);
    expect(d.headers['access-control-allow-methods']).toBe(
      'GET,HEAD,PUT,PATCH,POST,DELETE,OPTIONS,TRACE,CONNECT',
    );
  });

  it('when key-auth refuses a request on a cors route, then the 401 carries the cors headers (delayed response, header_filter)', async () => {
    const fake = await oneRoute([
      { name: 'cors', config: { origins: ['https://a.test'] } },
      { name: 'key-auth' },
    ]);
    const d = answer(ask(fake, '/p/x', { origin: 'https://a.test' }));
    expect([d.status, d.headers['access-control-allow-origin']]).toEqual([401, 'https://a.test']);
  });
});

describe('router (kong/router/utils.lua, kong/tools/uri.lua at 3.9.1)', () => {
  it('when a route says path_handling v1, then the upstream path is built as v0, as the traditional_compatible router does (router/atc.lua:335-345)', async () => {
    const fake = await oneRoute();
    await adminCall(fake, 'PATCH', '/routes/r', { path_handling: 'v1' });
    expect(forward(ask(fake, '/p/x')).target).toBe('/api/x');
  });

  it('when the request path is not normalised, then routing uses the normalised path and X-Forwarded-Path the one sent (runloop/handler.lua:1248-1254)', async () => {
    const fake = await oneRoute();
    const d = forward(ask(fake, '//p/./x?q=1'));
    expect([d.target, d.headers['x-forwarded-path']]).toEqual(['/api/x?q=1', ['//p/./x']]);
  });

  it('when the path holds characters outside the safe set, then they are percent-encoded upstream (runloop/handler.lua:1324, uri.lua:62-75)', async () => {
    const fake = await oneRoute();
    expect(forward(ask(fake, '/p/a%20b')).target).toBe('/api/a%20b');
    expect(forward(ask(fake, '/p/a%2Fb')).target).toBe('/api/a%2Fb');
  });
});

describe('when Admin API writes reach the proxy (kong_defaults.lua:186-187, runloop/handler.lua:991-1064)', () => {
  it('when a write is younger than the delay, then the proxy still routes by the old state; once it is as old as the delay, then by the new one', async () => {
    const fake = createFakeKong();
    let now = 1_000;
    const state = storeState(fake.store, 5_000, () => now);
    expect(state().services).toEqual([]);
    await adminCall(fake, 'PUT', '/services/s', { host: '10.0.0.9' });
    now += 4_999;
    expect(state().services).toEqual([]);
    await adminCall(fake, 'PUT', '/services/t', { host: '10.0.0.9' });
    now += 1;
    // the rebuild takes every write made so far, the later one included
    expect(
      state()
        .services.map((s) => s.name)
        .sort(),
    ).toEqual(['s', 't']);
  });

  it('when reads are made, then they never delay or trigger a rebuild', async () => {
    const fake = createFakeKong();
    let now = 0;
    const state = storeState(fake.store, 5_000, () => now);
    const first = state();
    await adminCall(fake, 'GET', '/services');
    now += 10_000;
    expect(state()).toBe(first);
  });

  it('when the delay is zero or negative, then the fake refuses it: Kong never applies a write at once', () => {
    expect(() => storeState(createFakeKong().store, 0)).toThrow(/more than 0/);
  });

  it("when no delay is given, then it is Kong's default of 5 s", () => {
    expect(KONG_WORKER_STATE_UPDATE_MS).toBe(5_000);
  });
});

describe('routedByKong', () => {
  it("when Kong's router found no route, then false; when an upstream answered, even 404, then true", async () => {
    const fake = await oneRoute();
    const noRoute = answer(ask(fake, '/nowhere'));
    expect(routedByKong({ status: noRoute.status, text: noRoute.body })).toBe(false);
    expect(routedByKong({ status: 404, text: '{"code":"PGRST205"}' })).toBe(true);
    expect(routedByKong({ status: 401, text: noRoute.body })).toBe(true);
  });
});
