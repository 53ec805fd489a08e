/**
 * The Logflare fake against the behaviours CONFORMANCE.md backs with Logflare
 * v1.31.2's source. Each case names the row it proves.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MAX_BODY_BYTES, startFakeLogflare, SUPABASE_MODE_SOURCES, type FakeLogflare } from './server.ts';

const PUBLIC = 'public-token-for-the-fake-000000';
const PRIVATE = 'private-token-for-the-fake-00000';

describe('fake Logflare (v1.31.2 ingest API)', () => {
  let lf: FakeLogflare;
  beforeAll(async () => {
    lf = await startFakeLogflare({ publicToken: PUBLIC, privateToken: PRIVATE });
  });
  afterAll(async () => {
    await lf.close();
  });
  beforeEach(() => {
    lf.events.length = 0;
  });

  const ingest = (path: string, headers: Record<string, string>, body: string) =>
    fetch(`${lf.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    }).then(async (r) => ({ status: r.status, body: (await r.json()) as unknown }));

  it.each([
    ['x-api-key with the public token', { 'x-api-key': PUBLIC }, 200],
    ['x-api-key with the private token', { 'x-api-key': PRIVATE }, 200],
    ['a Bearer public token', { authorization: `Bearer ${PUBLIC}` }, 200],
    ['an unknown token', { 'x-api-key': 'nope' }, 401],
    ['no token', {}, 401],
    [
      'a Bearer unknown token over a good x-api-key (Bearer wins)',
      { authorization: 'Bearer nope', 'x-api-key': PUBLIC },
      401,
    ],
  ])('(auth) when ingesting with %s, then %i', async (_name, headers, status) => {
    const r = await ingest('/api/logs?source_name=postgres.logs', headers, '[{"message":"m"}]');
    expect(r.status).toBe(status);
    if (status === 401) expect(r.body).toEqual({ error: 'Unauthorized' });
    else expect(r.body).toEqual({ message: 'Logged!' });
  });

  it('(sources) when ingesting into each Supabase-mode source, then it is accepted; any other name is 401', async () => {
    for (const s of SUPABASE_MODE_SOURCES) {
      expect((await ingest(`/api/logs?source_name=${s}`, { 'x-api-key': PUBLIC }, '[{}]')).status).toBe(200);
    }
    for (const s of ['pgmeta.logs.prod', 'supafleet.master', 'Postgres.logs']) {
      expect((await ingest(`/api/logs?source_name=${s}`, { 'x-api-key': PUBLIC }, '[{}]')).status).toBe(401);
    }
  });

  it('(paths) when posting to /logs, /api/logs or /api/events, then each ingests; other paths are 404', async () => {
    for (const p of ['/logs', '/api/logs', '/api/events']) {
      expect((await ingest(`${p}?source_name=postgres.logs`, { 'x-api-key': PUBLIC }, '[{}]')).status).toBe(
        200,
      );
    }
    expect(
      (await ingest('/api/nope?source_name=postgres.logs', { 'x-api-key': PUBLIC }, '[{}]')).status,
    ).toBe(404);
  });

  it('(batch) when the body is an array, {"batch": [...]} or one object, then each element is one event', async () => {
    const h = { 'x-api-key': PUBLIC };
    await ingest('/api/logs?source_name=postgres.logs', h, '[{"message":"a"},{"message":"b"}]');
    await ingest('/api/logs?source_name=postgres.logs', h, '{"batch":[{"message":"c"}]}');
    await ingest('/api/logs?source_name=postgres.logs', h, '{"message":"d","timestamp":"x","id":"y"}');
    expect(lf.eventsIn('postgres.logs').map((e) => e.body.event_message)).toEqual(['a', 'b', 'c', 'd']);
    expect(lf.eventsIn('postgres.logs')[3]!.body.id).not.toBe('y');
  });

  it('(make) when an event has message, then it is stored as event_message; nil and empty values are dropped', async () => {
    await ingest(
      '/api/logs?source_name=gotrue.logs.prod',
      { 'x-api-key': PUBLIC },
      JSON.stringify([
        {
          message: 'hi',
          id: 'fixed-id',
          timestamp: '2026-12-06T03:00:00Z',
          metadata: { a: null, b: '', c: {}, d: [[]], e: 1 },
        },
      ]),
    );
    const [e] = lf.eventsIn('gotrue.logs.prod');
    expect(e!.body).toEqual({
      event_message: 'hi',
      id: 'fixed-id',
      timestamp: Date.parse('2026-12-06T03:00:00Z') * 1000,
      metadata: { e: 1 },
    });
  });

  it('(limits) when the body exceeds 12,000,000 bytes, then 413', async () => {
    const big = '[' + JSON.stringify({ message: 'x'.repeat(MAX_BODY_BYTES) }) + ']';
    const r = await ingest('/api/logs?source_name=postgres.logs', { 'x-api-key': PUBLIC }, big);
    expect(r.status).toBe(413);
    expect(lf.events).toEqual([]);
  });

  it('(parse) when the body is not JSON, then 400', async () => {
    const r = await ingest('/api/logs?source_name=postgres.logs', { 'x-api-key': PUBLIC }, '[{');
    expect(r.status).toBe(400);
  });
});
