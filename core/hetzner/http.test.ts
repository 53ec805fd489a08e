import { describe, expect, it } from 'vitest';
import { HetznerApiError, HetznerNetworkError } from './errors.ts';
import { HetznerTransport, callKind } from './http.ts';

const TOKEN = 't'.repeat(64);

type Reply = { status: number; body?: unknown; headers?: Record<string, string> } | Error;

/** A fetch that answers from a script and records what it was asked. */
function scripted(replies: Reply[]) {
  const seen: { url: string; init: RequestInit }[] = [];
  const fetchFn = (async (url: string, init: RequestInit) => {
    seen.push({ url, init });
    const reply = replies.shift();
    if (!reply) throw new Error('script exhausted');
    if (reply instanceof Error) throw reply;
    const text = reply.body === undefined ? '' : JSON.stringify(reply.body);
    return new Response(text === '' ? null : text, { status: reply.status, headers: reply.headers });
  }) as unknown as typeof fetch;
  return { fetchFn, seen };
}

function transport(replies: Reply[], extra: { now?: () => number } = {}) {
  const { fetchFn, seen } = scripted(replies);
  const sleeps: number[] = [];
  const t = new HetznerTransport({
    token: TOKEN,
    endpoint: 'http://hetzner.test/v1',
    fetch: fetchFn,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 0.5,
    now: extra.now ?? (() => 0),
  });
  return { t, seen, sleeps };
}

const err = (status: number, code: string) => ({
  status,
  body: { error: { code, message: `${code} happened` } },
});

describe('HetznerTransport', () => {
  const retryable: [string, Reply][] = [
    ['conflict', err(409, 'conflict')],
    ['rate_limit_exceeded', err(429, 'rate_limit_exceeded')],
    ['bad_gateway', err(502, 'bad_gateway')],
    ['timeout', err(504, 'timeout')],
    ['a bare 502', { status: 502 }],
    ['a bare 504', { status: 504 }],
    ['unavailable (503)', err(503, 'unavailable')],
    ['a network error', new TypeError('fetch failed')],
  ];
  for (const [what, reply] of retryable) {
    it(`when a call meets ${what}, then it is retried after a jittered backoff`, async () => {
      const { t, sleeps } = transport([reply, { status: 200, body: { ok: true } }]);
      await expect(t.request('GET', '/servers/1')).resolves.toEqual({ ok: true });
      expect(sleeps).toEqual([500]);
    });
  }

  const final: [string, Reply][] = [
    ['not_found', err(404, 'not_found')],
    ['invalid_input', err(422, 'invalid_input')],
    ['uniqueness_error', err(409, 'uniqueness_error')],
    ['unauthorized', err(401, 'unauthorized')],
    ['server_error', err(500, 'server_error')],
  ];
  for (const [what, reply] of final) {
    it(`when a call meets ${what}, then it fails at once with the code`, async () => {
      const { t, seen } = transport([reply]);
      const failure = await t.request('GET', '/servers/1').catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(HetznerApiError);
      expect((failure as HetznerApiError).code).toBe(what);
      expect(seen).toHaveLength(1);
    });
  }

  it('when every try fails, then it gives up after 5 tries with doubling ceilings', async () => {
    const { t, seen, sleeps } = transport(Array.from({ length: 5 }, () => err(502, 'bad_gateway')));
    await expect(t.request('GET', '/servers')).rejects.toThrow(/HTTP 502 bad_gateway/);
    expect(seen).toHaveLength(5);
    expect(sleeps).toEqual([500, 1000, 2000, 4000]);
  });

  it('when a network error persists, then the last error says so without the token', async () => {
    const { t } = transport(Array.from({ length: 5 }, () => new TypeError('fetch failed')));
    const failure = (await t
      .request('POST', '/servers', { body: { user_data: 'x' } })
      .catch((e: unknown) => e)) as Error;
    expect(failure).toBeInstanceOf(HetznerNetworkError);
    expect(failure.message).toBe('Hetzner API POST /servers failed: network error (fetch failed)');
    expect(failure.message).not.toContain(TOKEN);
  });

  it('when RateLimit-Remaining reaches 0, then the next request waits until RateLimit-Reset', async () => {
    const { t, sleeps } = transport(
      [
        { status: 200, body: {}, headers: { 'RateLimit-Remaining': '0', 'RateLimit-Reset': '12' } },
        { status: 200, body: {} },
      ],
      { now: () => 10_000 },
    );
    await t.request('GET', '/servers/1');
    expect(sleeps).toEqual([]);
    await t.request('GET', '/servers/1');
    expect(sleeps).toEqual([2000]);
  });

  it('when a 429 names a reset later than the backoff, then the retry waits for the reset', async () => {
    const { t, sleeps } = transport(
      [
        {
          ...err(429, 'rate_limit_exceeded'),
          headers: { 'RateLimit-Remaining': '0', 'RateLimit-Reset': '15' },
        },
        { status: 200, body: {} },
      ],
      { now: () => 10_000 },
    );
    await t.request('GET', '/servers/1');
    expect(sleeps[0]).toBe(5000);
  });

  it('when a list has several pages, then it follows next_page with per_page 50', async () => {
    const page = (n: number, next: number | null) => ({
      status: 200,
      body: { servers: [{ id: n }], meta: { pagination: { page: n, per_page: 50, next_page: next } } },
    });
    const { t, seen } = transport([page(1, 2), page(2, 3), page(3, null)]);
    await expect(t.list('/servers', 'servers', { label_selector: 'a=b' })).resolves.toEqual([
      { id: 1 },
      { id: 2 },
      { id: 3 },
    ]);
    expect(seen.map((s) => new URL(s.url).search)).toEqual([
      '?label_selector=a%3Db&page=1&per_page=50',
      '?label_selector=a%3Db&page=2&per_page=50',
      '?label_selector=a%3Db&page=3&per_page=50',
    ]);
  });

  it('when calls are made, then they are counted by kind with ids folded', async () => {
    const { t } = transport([
      { status: 200, body: {} },
      { status: 200, body: {} },
      { status: 200, body: {} },
    ]);
    await t.request('GET', '/actions/5');
    await t.request('GET', '/actions/6');
    await t.request('POST', '/servers/7/actions/change_type');
    expect(t.calls()).toEqual({ 'GET /actions/{id}': 2, 'POST /servers/{id}/actions/change_type': 1 });
  });

  it('when a request is sent, then it carries the bearer token and JSON content type', async () => {
    const { t, seen } = transport([{ status: 201, body: {} }]);
    await t.request('POST', '/servers', { body: { name: 'x' } });
    const headers = seen[0]!.init.headers as Record<string, string>;
    expect(headers.Authorization).toBe(`Bearer ${TOKEN}`);
    expect(headers['Content-Type']).toBe('application/json');
    expect(seen[0]!.init.body).toBe('{"name":"x"}');
  });

  it('when the token is empty, then construction fails with what is expected', () => {
    expect(() => new HetznerTransport({ token: '' })).toThrow(/token is empty/);
  });
});

describe('callKind', () => {
  it('when a path has numeric ids and a query, then they are folded away', () => {
    expect(callKind('GET', '/servers/123?x=1')).toBe('GET /servers/{id}');
    expect(callKind('POST', '/firewalls/9/actions/set_rules')).toBe('POST /firewalls/{id}/actions/set_rules');
  });
});
