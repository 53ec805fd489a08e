/**
 * The worker log endpoint as a worker (or an attacker on a worker) sees it: a real
 * HTTP listener on loopback addresses standing in for wg addresses, the real Logflare
 * client, and the Logflare fake (fakes/logflare, modelled on Logflare v1.31.2).
 */
import { createHash } from 'node:crypto';
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeLogflare, type FakeLogflare } from '../../../fakes/logflare/server.ts';
import { Secret } from '../../../core/seal/index.ts';
import { createLogger } from '../log.ts';
import { createMetrics } from '../metrics.ts';
import { createLogIngest, serveAgentLogs, type LogIngestLimits } from './ingest.ts';
import { createLogflareClient } from './logflare-client.ts';

const PUBLIC_TOKEN = 'lf-public-5f0c1d2e3a4b5c6d7e8f9a0b1c2d3e4f';
const PRIVATE_TOKEN = 'lf-private-0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d';
const ACME = { ip: '127.0.0.2', project: 'acme', key: 'a1'.repeat(16) };
const BLOG = { ip: '127.0.0.3', project: 'blog', key: 'b2'.repeat(16) };
const STRANGER_IP = '127.0.0.9';

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer, _e: BufferEncoding, cb: () => void): void {
    this.text += chunk.toString('utf8');
    cb();
  }
}

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: { accepted?: number; error?: { code: string; message: string } };
  text: string;
}

function post(
  port: number,
  from: string,
  opts: {
    source?: string;
    key?: string | null;
    body?: unknown;
    raw?: string;
    headers?: Record<string, string>;
    method?: string;
  } = {},
): Promise<Answer> {
  const payload =
    opts.raw ?? JSON.stringify(opts.body ?? [{ message: 'hello', timestamp: '2026-12-06T03:00:00Z' }]);
  const source = opts.source ?? 'gotrue.logs.prod';
  return new Promise((resolve, reject) => {
    const req = request(
      `http://127.0.0.1:${port}/v1/agent/logs?source_name=${encodeURIComponent(source)}`,
      {
        method: opts.method ?? 'POST',
        localAddress: from,
        headers: {
          'content-type': 'application/json',
          ...(opts.key === null ? {} : { authorization: `Bearer ${opts.key ?? ACME.key}` }),
          ...opts.headers,
        },
      },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString('utf8')));
        res.on('end', () => {
          let body: Answer['body'] = {};
          try {
            body = JSON.parse(text) as Answer['body'];
          } catch {
            body = {};
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text });
        });
      },
    );
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
    req.end(payload);
  });
}

const sha = (s: string) => createHash('sha256').update(s, 'utf8').digest();

describe('POST /v1/agent/logs', () => {
  let logflare: FakeLogflare;
  let server: Server;
  let port: number;
  let logs: Capture;
  let limits: Partial<LogIngestLimits>;
  let logflareUrl: string;
  let token: string;

  beforeAll(async () => {
    logflare = await startFakeLogflare({ publicToken: PUBLIC_TOKEN, privateToken: PRIVATE_TOKEN });
  });
  afterAll(async () => {
    await logflare.close();
  });

  beforeEach(async () => {
    logflare.events.length = 0;
    logflare.requests.length = 0;
    logs = new Capture();
    limits = {};
    logflareUrl = logflare.url;
    token = PUBLIC_TOKEN;
    // an ingest per request, so each test's settings apply; the budget test builds one of its own
    server = createServer((req, res) => {
      const ingest = createLogIngest({
        lookup: {
          async logKeyByIp(ip) {
            const p = [ACME, BLOG].find((x) => x.ip === ip);
            return p ? { project: p.project, keyHash: sha(p.key) } : undefined;
          },
        },
        logflare: createLogflareClient({ url: logflareUrl, token: new Secret(token), timeoutMs: 2000 }),
        log: createLogger('debug', logs),
        metrics: createMetrics(),
        limits,
      });
      void ingest.handle(req, res);
    });
    server.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    port = (server.address() as AddressInfo).port;
  });
  afterEach(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    // no secret in any answer or log line
    for (const s of [PUBLIC_TOKEN, PRIVATE_TOKEN, ACME.key, BLOG.key]) expect(logs.text).not.toContain(s);
  });

  it('when a worker posts a batch with its own key, then Logflare stores it in that source, stamped with its project', async () => {
    const r = await post(port, ACME.ip, {
      body: [
        { message: 'user signed up', timestamp: '2026-12-06T03:00:00Z' },
        { message: 'token refreshed', timestamp: '2026-12-06T03:00:01Z' },
      ],
    });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ accepted: 2 });
    const stored = logflare.eventsIn('gotrue.logs.prod');
    expect(stored.map((e) => [e.body.event_message, e.body.project])).toEqual([
      ['user signed up', 'acme'],
      ['token refreshed', 'acme'],
    ]);
  });

  it.each([
    ['gotrue.logs.prod', {}, { project: 'acme' }],
    ['postgREST.logs.prod', { host: 'blog' }, { project: 'acme', metadata: { host: 'acme' } }],
    [
      'realtime.logs.prod',
      { project: 'blog', external_id: 'blog' },
      { project: 'acme', metadata: { project: 'acme', external_id: 'acme' } },
    ],
    [
      'storage.logs.prod.2',
      { project: 'blog', tenantId: 'blog' },
      { project: 'acme', metadata: { project: 'acme', tenantId: 'acme' } },
    ],
    ['deno-relay-logs', { project_ref: 'blog' }, { project: 'acme', metadata: { project_ref: 'acme' } }],
    ['postgres.logs', { host: 'db-blog' }, { project: 'acme', metadata: { host: 'db-acme' } }],
  ])(
    'when acme posts to %s an event claiming to be blog, then Logflare stores it as acme',
    async (source, claimedMetadata, want) => {
      const r = await post(port, ACME.ip, {
        source,
        body: [{ message: 'forged', project: 'blog', metadata: claimedMetadata }],
      });
      expect(r.status).toBe(200);
      const [stored] = logflare.eventsIn(source);
      expect(stored?.body).toMatchObject(want);
      expect(JSON.stringify(stored?.body)).not.toContain('blog');
    },
  );

  it("when a worker presents another project's key, then it is refused and nothing reaches Logflare", async () => {
    const r = await post(port, ACME.ip, { key: BLOG.key });
    expect(r.status).toBe(403);
    expect(r.body.error?.code).toBe('forbidden');
    expect(logflare.requests).toEqual([]);
  });

  it('when a request carries no key, then 401 and nothing reaches Logflare', async () => {
    const r = await post(port, ACME.ip, { key: null });
    expect(r.status).toBe(401);
    expect(r.body.error?.code).toBe('unauthorized');
    expect(logflare.requests).toEqual([]);
  });

  it("when a project's key comes from an address that is no project's, then 403", async () => {
    const r = await post(port, STRANGER_IP, { key: ACME.key });
    expect(r.status).toBe(403);
    expect(logflare.requests).toEqual([]);
  });

  it.each(['cloudflare.logs.prod', 'pgbouncer.logs.prod', 'supafleet.master', 'pgmeta.logs.prod', ''])(
    'when a worker names source "%s", which workers may not write, then 400 and nothing is forwarded',
    async (source) => {
      const r = await post(port, ACME.ip, { source });
      expect(r.status).toBe(400);
      expect(r.body.error?.message).toContain('gotrue.logs.prod');
      expect(logflare.requests).toEqual([]);
    },
  );

  it.each([
    ['not JSON', { raw: '[{"message":' }, 400, 'invalid_json'],
    ['a single object', { body: { message: 'x' } }, 400, 'invalid_request'],
    ['an empty array', { body: [] }, 400, 'invalid_request'],
    ['an array holding a string', { body: ['x'] }, 400, 'invalid_request'],
    ['form-encoded', { headers: { 'content-type': 'text/plain' } }, 400, 'invalid_request'],
    ['gzip-encoded', { headers: { 'content-encoding': 'gzip' } }, 415, 'unsupported_encoding'],
    ['sent with GET', { method: 'GET' }, 405, 'method_not_allowed'],
  ] as const)('when the body is %s, then %i %s', async (_name, opts, status, code) => {
    const r = await post(port, ACME.ip, opts as Parameters<typeof post>[2]);
    expect(r.status).toBe(status);
    expect(r.body.error?.code).toBe(code);
    expect(logflare.requests).toEqual([]);
  });

  it('when the body is larger than the limit, then 413 and the connection closes', async () => {
    limits = { maxBodyBytes: 4096 };
    const r = await post(port, ACME.ip, { body: [{ message: 'x'.repeat(8000) }] });
    expect(r.status).toBe(413);
    expect(r.headers.connection).toBe('close');
    expect(logflare.requests).toEqual([]);
  });

  it('when a batch has more events than the limit, then 400', async () => {
    limits = { maxEvents: 3 };
    const r = await post(port, ACME.ip, { body: [{}, {}, {}, {}] });
    expect(r.status).toBe(400);
    expect(r.body.error?.message).toContain('at most 3');
  });

  it('when a project ships more than its budget, then 429 with Retry-After, and another project still ships', async () => {
    limits = { requestsPerMinute: 2 };
    // one ingest per test server: the budget lives in it, so reuse one connection-level ingest
    const ingest = createLogIngest({
      lookup: {
        logKeyByIp: async (ip) =>
          ip === ACME.ip
            ? { project: 'acme', keyHash: sha(ACME.key) }
            : ip === BLOG.ip
              ? { project: 'blog', keyHash: sha(BLOG.key) }
              : undefined,
      },
      logflare: createLogflareClient({ url: logflare.url, token: new Secret(PUBLIC_TOKEN) }),
      log: createLogger('debug', logs),
      limits,
    });
    const s2 = createServer((req, res) => void ingest.handle(req, res)).listen(0, '127.0.0.1');
    await new Promise((r) => s2.once('listening', r));
    const p2 = (s2.address() as AddressInfo).port;
    try {
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await post(p2, ACME.ip)).status);
      expect(statuses).toEqual([200, 200, 429]);
      const limited = await post(p2, ACME.ip);
      expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect((await post(p2, BLOG.ip, { key: BLOG.key })).status).toBe(200);
    } finally {
      s2.closeAllConnections();
      await new Promise((r) => s2.close(r));
    }
  });

  it('when an event holds NUL or a lone surrogate, then Logflare receives U+FFFD in their place', async () => {
    const r = await post(port, ACME.ip, {
      raw: '[{"message":"a\\u0000b\\ud800c","metadata":{"k\\u0000":"v"}}]',
    });
    expect(r.status).toBe(200);
    const [stored] = logflare.eventsIn('gotrue.logs.prod');
    expect(stored?.body.event_message).toBe('a\uFFFDb\uFFFDc');
    expect(stored?.body.metadata).toEqual({ 'k\uFFFD': 'v' });
  });

  it("when Logflare refuses the master's token, then 502 (Vector retries) and the log names the source, not the token", async () => {
    token = 'not-the-public-token-0000000000';
    const r = await post(port, ACME.ip);
    expect(r.status).toBe(502);
    expect(r.body.error?.code).toBe('upstream_failed');
    expect(logflare.requests.map((x) => x.status)).toEqual([401]);
    expect(logs.text).toContain('gotrue.logs.prod');
    expect(logs.text).not.toContain(token);
    expect(r.text).not.toContain(token);
  });

  it('when Logflare cannot be reached, then 502', async () => {
    logflareUrl = 'http://127.0.0.1:9';
    const r = await post(port, ACME.ip);
    expect(r.status).toBe(502);
  });

  it('when the master has no Logflare settings, then 503 with Retry-After', async () => {
    const s3 = createServer((req, res) => serveAgentLogs(undefined, req, res)).listen(0, '127.0.0.1');
    await new Promise((r) => s3.once('listening', r));
    try {
      const r = await post((s3.address() as AddressInfo).port, ACME.ip);
      expect(r.status).toBe(503);
      expect(r.headers['retry-after']).toBe('60');
    } finally {
      s3.closeAllConnections();
      await new Promise((r) => s3.close(r));
    }
  });
});
