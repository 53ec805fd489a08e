import { describe, expect, it } from 'vitest';
import { createKongAdminClient, KongAdminError, putPath, tagQuery } from './client.ts';
import { FAKE_KONG_URL } from '../../../fakes/kong/fake.ts';
import { adminCall, fakeKongWithClient } from './test/fixtures.ts';

const jsonResponse = (status: number, body: unknown): Response =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

describe('Kong Admin API client', () => {
  it('when a list spans several pages, then it follows offsets to the end and reports each page', async () => {
    const { fake, client } = fakeKongWithClient(7);
    for (let i = 0; i < 30; i++) await adminCall(fake, 'PUT', `/consumers/c${i}`, { tags: ['t'] });
    await adminCall(fake, 'PUT', '/consumers/other', { tags: ['u'] });
    fake.resetCalls();
    let pages = 0;
    const list = await client.list('consumers', { tags: ['t'] }, () => pages++);
    expect(list.map((c) => c.username).sort()).toEqual(Array.from({ length: 30 }, (_, i) => `c${i}`).sort());
    expect(pages).toBe(5);
    expect(fake.calls()[0]).toMatchObject({ path: '/consumers', query: 'size=7&tags=t' });
  });

  it.each([
    [{ tags: ['a', 'b'] }, 'a,b'],
    [{ tags: ['a', 'b'], match: 'any' as const }, 'a/b'],
  ])('when filtering by %o, then the query is %s', (filter, want) => {
    expect(tagQuery(filter)).toBe(want);
  });

  it.each([
    [{ tags: [] }, 'takes 1 to 5 tags, got 0'],
    [{ tags: ['1', '2', '3', '4', '5', '6'] }, 'takes 1 to 5 tags, got 6'],
    [{ tags: ['a/b'] }, 'Kong tag "a/b" is invalid'],
  ])('when the filter is %o, then it throws before calling Kong', (filter, message) => {
    expect(() => tagQuery(filter)).toThrow(message);
  });

  it.each([
    ['services', { key: 'acme-rest' }, '/services/acme-rest'],
    ['routes', { key: 'acme-rest', parent: 'acme-rest' }, '/services/acme-rest/routes/acme-rest'],
    ['plugins', { key: 'acme-rest-acl', parent: 'acme-rest' }, '/routes/acme-rest/plugins/acme-rest-acl'],
    ['key-auths', { key: 'k', parent: 'acme-anon' }, '/consumers/acme-anon/key-auth/k'],
    ['acls', { key: 'a', parent: 'acme-anon' }, '/consumers/acme-anon/acls/a'],
    ['consumers', { key: 'a b' }, '/consumers/a%20b'],
  ] as const)('when putting %s %o, then the path is %s', (kind, target, path) => {
    expect(putPath(kind, target)).toBe(path);
  });

  it('when an entity is missing, then get answers null and delete succeeds', async () => {
    const { client } = fakeKongWithClient();
    expect(await client.get('services', 'nope')).toBeNull();
    await expect(client.delete('services', 'nope')).resolves.toBeUndefined();
  });

  it("when Kong refuses a call, then the error names the method, path, status and Kong's message", async () => {
    const { client } = fakeKongWithClient();
    const err = await client
      .put('services', { key: 'acme-rest' }, { name: 'acme-rest', port: 99999 } as never)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KongAdminError);
    const e = err as KongAdminError;
    expect(e.message).toMatch(/^Kong Admin API PUT \/services\/acme-rest failed with 400 schema violation: /);
    expect(e).toMatchObject({ status: 400, kongCode: 2, kongName: 'schema violation', method: 'PUT' });
  });

  it('when Kong echoes a credential key in an error, then the message shows [redacted] instead', async () => {
    const { fake, client } = fakeKongWithClient();
    await adminCall(fake, 'PUT', '/consumers/a', {});
    await adminCall(fake, 'PUT', '/consumers/b', {});
    await adminCall(fake, 'POST', '/consumers/a/key-auth', { key: 'the-secret-key-123' });
    const err = (await client
      .put(
        'key-auths',
        { key: '2b0e7c51-6f64-5d2e-9a7c-0c4b1f6f7e21', parent: 'b' },
        { key: 'the-secret-key-123', tags: [] },
      )
      .catch((e: unknown) => e)) as KongAdminError;
    expect(err.status).toBe(409);
    expect(err.message).toContain('[redacted]');
    expect(err.message + JSON.stringify(err)).not.toContain('the-secret-key-123');
  });

  it('when Kong answers 503 once, then the call is retried after a pause; a 4xx is never retried', async () => {
    const { fake } = fakeKongWithClient();
    const pauses: number[] = [];
    let failures = 1;
    const client = createKongAdminClient({
      baseUrl: FAKE_KONG_URL,
      sleep: async (ms) => {
        pauses.push(ms);
      },
      fetch: async (input, init) => {
        if (failures-- > 0) return jsonResponse(503, { message: 'name resolution failed' });
        return fake.fetch(input, init);
      },
    });
    expect(await client.list('services')).toEqual([]);
    expect(pauses).toEqual([250]);
    failures = 0;
    await expect(client.put('services', { key: 'bad' }, {} as never)).rejects.toMatchObject({ status: 400 });
    expect(pauses).toEqual([250]);
  });

  it('when Kong cannot be reached, then the error names the URL and the call', async () => {
    const pauses: number[] = [];
    const client = createKongAdminClient({
      baseUrl: 'http://127.0.0.1:1/',
      sleep: async (ms) => {
        pauses.push(ms);
      },
      fetch: () => Promise.reject(new TypeError('fetch failed')),
    });
    await expect(client.list('services')).rejects.toThrow(
      'Kong Admin API GET /services?size=1000 failed: http://127.0.0.1:1 did not answer (fetch failed)',
    );
    expect(pauses).toEqual([250, 1000]);
  });

  it('when Kong repeats an offset, then the list stops with an error instead of looping', async () => {
    const client = createKongAdminClient({
      baseUrl: FAKE_KONG_URL,
      fetch: () => Promise.resolve(jsonResponse(200, { data: [], next: '/services?offset=x', offset: 'x' })),
    });
    await expect(client.list('services')).rejects.toThrow('repeated offset "x"');
  });

  it.each([
    [{ baseUrl: 'kong:8001' }, 'Kong Admin URL "kong:8001" is invalid'],
    [{ baseUrl: 'http://k', pageSize: 0 }, 'Kong page size 0 is invalid'],
  ])('when the options are %o, then creating the client throws', (options, message) => {
    expect(() => createKongAdminClient(options)).toThrow(message);
  });
});
