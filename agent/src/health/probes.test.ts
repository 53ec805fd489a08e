import { describe, expect, it } from 'vitest';
import type { HttpClient, HttpRequest } from '../http-client.ts';
import { Redactor } from '../redactor.ts';
import { parseProbes, probesFromCompose, runProbes, type PostgresPing } from './probes.ts';

const compose = `services:
  db: { image: supabase/postgres:15 }
  auth: { image: supabase/gotrue:2 }
  rest: { image: postgrest/postgrest:12 }
  realtime: { image: supabase/realtime:2 }
  storage: { image: supabase/storage-api:1 }
  meta: { image: supabase/postgres-meta:0 }
  functions: { image: supabase/edge-runtime:1 }
  vector: { image: timberio/vector:0 }
`;

function deps(http: HttpClient, pg: PostgresPing = async () => {}) {
  const redactor = new Redactor();
  redactor.add('pg-secret-123', 'anon-key-456');
  return {
    http,
    pg,
    env: new Map([
      ['ANON_KEY', 'anon-key-456'],
      ['POSTGRES_PASSWORD', 'pg-secret-123'],
    ]),
    redactor,
    now: () => 0,
    timeoutMs: 2_000,
  };
}

describe('probes', () => {
  it('when a compose file has the Supabase services, then each known one gets its probe', async () => {
    const probes = await probesFromCompose(compose);
    expect(probes.map((p) => [p.service, p.type === 'http' ? p.url : `${p.host}:${p.port}`])).toEqual([
      ['auth', 'http://auth:9999/health'],
      ['db', 'db:5432'],
      ['functions', 'http://functions:9000/'],
      ['meta', 'http://meta:8080/health'],
      ['realtime', 'http://realtime:4000/api/tenants/realtime-dev/health'],
      ['rest', 'http://rest:3000/'],
      ['storage', 'http://storage:5000/status'],
    ]);
  });

  it('when services are published on an address, then probes go there', async () => {
    const published = `services:
  auth: { image: x, ports: ['10.100.0.5:9999:9999'] }
  db: { image: x, ports: ['10.100.0.5:5432:5432'] }
  rest: { image: x, ports: ['13000:3000'] }
`;
    const probes = await probesFromCompose(published);
    expect(probes.map((p) => (p.type === 'http' ? p.url : `${p.host}:${p.port}`))).toEqual([
      'http://10.100.0.5:9999/health',
      '10.100.0.5:5432',
      'http://127.0.0.1:13000/',
    ]);
  });

  it('when probes.json is malformed, then the error names the entry', () => {
    expect(() => parseProbes('{"probes":[{"service":"x","type":"tcp"}]}')).toThrow(
      'probes.json /probes/0: type "tcp"; expected http or postgres',
    );
    expect(() => parseProbes('{"probes":[{"service":"x","type":"http","url":"file:///etc"}]}')).toThrow(
      '"url" must be an http(s) URL',
    );
  });

  it('when probes run, then headers get .env values, statuses are judged, and details carry no secret', async () => {
    const seen: HttpRequest[] = [];
    const http: HttpClient = async (req) => {
      seen.push(req);
      if (req.url.includes('realtime')) return { status: 200, body: '' };
      if (req.url.includes('functions')) return { status: 404, body: '' };
      if (req.url.includes('rest')) return { status: 503, body: '' };
      throw new Error(`GET ${req.url} failed: ECONNREFUSED (key anon-key-456)`);
    };
    const pg: PostgresPing = async (t) => {
      expect(t.password).toBe('pg-secret-123');
      throw new Error('password authentication failed for pg-secret-123');
    };
    const results = await runProbes(await probesFromCompose(compose), deps(http, pg));
    expect(seen.find((r) => r.url.includes('realtime'))?.headers).toEqual({
      Authorization: 'Bearer anon-key-456',
    });
    expect(results.map((r) => [r.service, r.ok, r.detail])).toEqual([
      ['auth', false, 'GET http://auth:9999/health failed: ECONNREFUSED (key [redacted])'],
      ['db', false, 'probe SELECT 1 on db:5432 failed: password authentication failed for [redacted]'],
      ['functions', true, undefined],
      ['meta', false, 'GET http://meta:8080/health failed: ECONNREFUSED (key [redacted])'],
      ['realtime', true, undefined],
      ['rest', false, 'probe GET / answered 503'],
      ['storage', false, 'GET http://storage:5000/status failed: ECONNREFUSED (key [redacted])'],
    ]);
  });
});
