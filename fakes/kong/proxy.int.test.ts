import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKongAdminClient } from '../../master/src/kong/client.ts';
import type { KongProjectInput } from '../../master/src/kong/desired.ts';
import type { StartedFakeKong } from './fake.ts';
import { startFakeKong } from './fake.ts';
import { pollUntil } from './poll.ts';
import type { ProxyLogEntry } from './proxy.ts';
import { reconcileAll, reconcileProject, removeProject } from '../../master/src/kong/reconcile.ts';
import { projectInput, secretsOf } from '../../master/src/kong/test/fixtures.ts';

/** What an upstream stand-in received. */
interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  bodyBytes: number;
  bodySha: string;
}

/** A small HTTP server standing in for one Supabase service of one worker. */
interface StandIn {
  name: string;
  port: number;
  received: Received[];
  server: Server;
}

async function standIn(name: string, mode: 'answer' | 'hang' = 'answer'): Promise<StandIn> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const hash = createHash('sha256');
    let bytes = 0;
    req.on('data', (c: Buffer) => {
      bytes += c.length;
      hash.update(c);
    });
    req.on('end', () => {
      received.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        bodyBytes: bytes,
        bodySha: hash.digest('hex'),
      });
      if (mode === 'hang') return;
      const body = JSON.stringify({ standIn: name, url: req.url });
      res.writeHead(200, {
        'content-type': 'application/json',
        'x-stand-in': name,
        connection: 'keep-alive',
      });
      res.end(body);
    });
  });
  // WebSocket stand-in: accept the upgrade, then echo every byte
  server.on('upgrade', (req, socket: Duplex) => {
    received.push({
      method: req.method ?? '',
      url: req.url ?? '',
      headers: req.headers,
      bodyBytes: 0,
      bodySha: '',
    });
    socket.write(
      `HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nx-stand-in: ${name}\r\n\r\n`,
    );
    socket.pipe(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { name, port: (server.address() as AddressInfo).port, received, server };
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

describe('fake Kong proxy over loopback, in front of upstream stand-ins', () => {
  let kong: StartedFakeKong;
  let acme: KongProjectInput;
  let blog: KongProjectInput;
  const standIns = new Map<string, StandIn>();
  const logs: ProxyLogEntry[] = [];
  let downPort = 0;

  beforeAll(async () => {
    acme = projectInput('acme', { upstreamHost: '10.100.0.2' });
    blog = projectInput('blog', { upstreamHost: '10.100.0.3' });
    // worker address:port → stand-in; acme's functions (9000) are down, its realtime (4000) hangs
    for (const [addr, name] of [
      ['10.100.0.2:3000', 'acme-rest'],
      ['10.100.0.2:9999', 'acme-auth'],
      ['10.100.0.2:8080', 'acme-meta'],
      ['10.100.0.2:5000', 'acme-storage'],
      ['10.100.0.3:3000', 'blog-rest'],
      ['10.100.0.3:9000', 'blog-functions'],
    ] as const) {
      standIns.set(addr, await standIn(name));
    }
    standIns.set('10.100.0.2:4000', await standIn('acme-realtime', 'hang'));
    downPort = await closedPort();
    kong = await startFakeKong({
      proxy: {
        dial: ({ host, port }) => ({
          host: '127.0.0.1',
          port: standIns.get(`${host}:${port}`)?.port ?? downPort,
        }),
        maxTimeoutMs: 500,
        // Kong applies writes to its proxy later (worker_state_update_frequency); short here, never 0
        stateDelayMs: 300,
        log: (e) => logs.push(e),
      },
    });
    await reconcileAll(createKongAdminClient({ baseUrl: kong.url }), [acme, blog]);
    const ready = await pollUntil(
      () => send('/rest/v1/todos', acme.anonKey.reveal()),
      (r) => r.status === 200,
    );
    expect(ready.status).toBe(200);
    logs.length = 0;
  });

  afterAll(async () => {
    await kong?.close();
    for (const s of standIns.values()) {
      s.server.closeAllConnections();
      await new Promise<void>((resolve) => s.server.close(() => resolve()));
    }
  });

  const send = async (
    path: string,
    key: string | null,
    init: { method?: string; host?: string; headers?: Record<string, string>; body?: Buffer } = {},
  ): Promise<{ status: number; headers: Headers; text: string }> => {
    // fetch cannot set Host: a raw node request does
    const { request } = await import('node:http');
    const url = new URL(kong.proxyUrl!);
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: url.hostname,
          port: url.port,
          method: init.method ?? 'GET',
          path,
          headers: {
            host: init.host ?? 'acme.example.test',
            ...(key === null ? {} : { apikey: key }),
            ...init.headers,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const headers = new Headers();
            for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') headers.set(k, v);
            resolve({ status: res.statusCode ?? 0, headers, text: Buffer.concat(chunks).toString('utf8') });
          });
        },
      );
      req.on('error', reject);
      req.end(init.body);
    });
  };

  const lastReceived = (addr: string): Received | undefined => standIns.get(addr)!.received.at(-1);

  const cases: {
    name: string;
    path: string;
    key: () => string | null;
    host?: string;
    status: number;
    /** `kong.response.error`'s message: JSON {message, request_id} (kong/pdk/response.lua:1156-1160). */
    message?: string;
    /** Kong's error page for upstream failures: text/plain by default (kong/error_handlers.lua:50-77). */
    page?: string;
    /** The stand-in that must receive the request, and the path it must see. */
    reaches?: { addr: string; url: string };
  }[] = [
    {
      name: "acme's anon key on acme's /rest/v1/",
      path: '/rest/v1/todos?select=id',
      key: () => acme.anonKey.reveal(),
      status: 200,
      reaches: { addr: '10.100.0.2:3000', url: '/todos?select=id' },
    },
    {
      name: "blog's anon key on acme's /rest/v1/",
      path: '/rest/v1/todos',
      key: () => blog.anonKey.reveal(),
      status: 403,
      message: 'You cannot consume this service',
    },
    {
      name: 'no key',
      path: '/rest/v1/todos',
      key: () => null,
      status: 401,
      message: 'No API key found in request',
    },
    {
      name: 'a wrong key',
      path: '/rest/v1/todos',
      key: () => `${acme.anonKey.reveal()}x`,
      status: 401,
      message: 'Unauthorized',
    },
    {
      name: 'an open auth path without a key',
      path: '/auth/v1/verify?token=abc&type=signup',
      key: () => null,
      status: 200,
      reaches: { addr: '10.100.0.2:9999', url: '/verify?token=abc&type=signup' },
    },
    {
      name: '/pg/ with the anon key',
      path: '/pg/tables',
      key: () => acme.anonKey.reveal(),
      status: 403,
      message: 'You cannot consume this service',
    },
    {
      name: '/pg/ with the service_role key',
      path: '/pg/tables',
      key: () => acme.serviceRoleKey.reveal(),
      status: 200,
      reaches: { addr: '10.100.0.2:8080', url: '/tables' },
    },
    {
      name: "blog's own key on blog's host",
      host: 'blog.example.test',
      path: '/rest/v1/posts',
      key: () => blog.anonKey.reveal(),
      status: 200,
      reaches: { addr: '10.100.0.3:3000', url: '/posts' },
    },
    {
      name: "a public webhook on blog's /functions/v1/ without any key (cors only, as upstream's kong.yml)",
      host: 'blog.example.test',
      path: '/functions/v1/stripe-webhook',
      key: () => null,
      status: 200,
      reaches: { addr: '10.100.0.3:9000', url: '/stripe-webhook' },
    },
    {
      name: 'an unknown host',
      host: 'nobody.example.test',
      path: '/rest/v1/todos',
      key: () => acme.anonKey.reveal(),
      status: 404,
      message: 'no Route matched with those values',
    },
    {
      name: 'the upstream is down',
      path: '/functions/v1/hello',
      key: () => acme.anonKey.reveal(),
      status: 502,
      page: 'An invalid response was received from the upstream server',
    },
    {
      name: 'the upstream accepts but never answers',
      path: '/realtime/v1/api/ping',
      key: () => acme.anonKey.reveal(),
      status: 504,
      page: 'The upstream server is timing out',
    },
  ];

  it.each(cases)('when $name, then the proxy answers $status', async (c) => {
    const before = c.reaches ? (standIns.get(c.reaches.addr)?.received.length ?? 0) : 0;
    const res = await send(c.path, c.key(), c.host === undefined ? {} : { host: c.host });
    expect(res.status).toBe(c.status);
    if (c.message !== undefined) {
      expect(JSON.parse(res.text)).toEqual({
        message: c.message,
        request_id: res.headers.get('x-kong-request-id'),
      });
      expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(res.headers.get('server')).toMatch(/^kong\/3\.9\./);
    }
    if (c.page !== undefined) {
      expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
      expect(res.text).toBe(`${c.page}\nrequest_id: ${res.headers.get('x-kong-request-id')}\n`);
    }
    if (c.reaches) {
      const got = lastReceived(c.reaches.addr);
      expect(standIns.get(c.reaches.addr)!.received.length).toBe(before + 1);
      expect(got?.url).toBe(c.reaches.url);
      expect(res.headers.get('x-stand-in')).toBe(standIns.get(c.reaches.addr)!.name);
      expect(res.headers.get('via')).toMatch(/kong\/3\.9\./);
    }
  });

  it('when a key-auth route is passed, then the upstream sees the consumer, the forwarded headers and the service host', async () => {
    await send('/rest/v1/todos', acme.anonKey.reveal(), { headers: { 'x-forwarded-proto': 'https' } });
    const got = lastReceived('10.100.0.2:3000')!;
    expect(got.headers['x-consumer-username']).toBe('acme-anon');
    expect(got.headers.host).toBe('10.100.0.2:3000');
    expect(got.headers['x-forwarded-host']).toBe('acme.example.test');
    expect(got.headers['x-forwarded-proto']).toBe('https');
    expect(got.headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(got.headers['x-consumer-groups']).toBeUndefined();
  });

  it('when a request has a 1 MiB body, then it is streamed to the upstream unchanged', async () => {
    const body = randomBytes(1024 * 1024);
    const res = await send('/rest/v1/todos', acme.anonKey.reveal(), {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/octet-stream' },
    });
    expect(res.status).toBe(200);
    const got = lastReceived('10.100.0.2:3000')!;
    expect(got.method).toBe('POST');
    expect(got.bodyBytes).toBe(body.length);
    expect(got.bodySha).toBe(createHash('sha256').update(body).digest('hex'));
  });

  it('when a browser preflight reaches the proxy, then it answers without calling the upstream', async () => {
    const before = standIns.get('10.100.0.2:3000')!.received.length;
    const res = await send('/rest/v1/todos', null, {
      method: 'OPTIONS',
      headers: { origin: 'https://acme.app.test', 'access-control-request-method': 'POST' },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('https://acme.app.test');
    expect(standIns.get('10.100.0.2:3000')!.received.length).toBe(before);
  });

  const upgrade = async (
    path: string,
    key: string,
  ): Promise<{ status: number; echo?: string; body?: string }> => {
    const { request } = await import('node:http');
    const url = new URL(kong.proxyUrl!);
    return new Promise((resolve, reject) => {
      const req = request({
        host: url.hostname,
        port: url.port,
        path: `${path}?apikey=${encodeURIComponent(key)}&vsn=1.0.0`,
        headers: { host: 'acme.example.test', connection: 'Upgrade', upgrade: 'websocket' },
      });
      req.once('upgrade', (res, socket) => {
        socket.once('data', (d: Buffer) => {
          socket.destroy();
          resolve({ status: res.statusCode ?? 0, echo: d.toString('utf8') });
        });
        socket.write('hello realtime');
      });
      req.once('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
      });
      req.once('error', reject);
      req.end();
    });
  };

  it("when Realtime's WebSocket is opened with acme's key in the query, then the upgrade reaches /socket/websocket with x-api-key and bytes flow both ways", async () => {
    const res = await upgrade('/realtime/v1/websocket', acme.anonKey.reveal());
    expect(res).toEqual({ status: 101, echo: 'hello realtime' });
    const got = lastReceived('10.100.0.2:4000')!;
    expect(got.url.startsWith('/socket/websocket?apikey=')).toBe(true);
    expect(got.headers['x-api-key']).toBe(acme.anonKey.reveal());
    expect(got.headers['x-consumer-username']).toBe('acme-anon');
    // request-transformer `replace` sets the tenant Host (request-transformer/access.lua:198)
    expect(got.headers.host).toBe('realtime-dev.supabase-realtime');
  });

  it("when the WebSocket is opened with blog's key, then the proxy refuses the upgrade with 403", async () => {
    const res = await upgrade('/realtime/v1/websocket', blog.anonKey.reveal());
    expect(res.status).toBe(403);
    expect(JSON.parse(res.body!)).toMatchObject({ message: 'You cannot consume this service' });
  });

  it('when all of the above ran, then no key appears in the proxy log, and failures name only a code', async () => {
    const secrets = secretsOf([acme, blog]);
    // a key in the query string must not reach the log either
    await send(`/rest/v1/todos?apikey=${encodeURIComponent(acme.anonKey.reveal())}`, null);
    await send(`/functions/v1/x?apikey=${encodeURIComponent(blog.anonKey.reveal())}`, null);
    expect(logs.length).toBeGreaterThanOrEqual(cases.length);
    const text = JSON.stringify(logs);
    for (const s of secrets) {
      expect(text).not.toContain(s);
      expect(text).not.toContain(encodeURIComponent(s));
    }
    expect(logs.filter((l) => l.error !== null).map((l) => l.error)).toEqual(
      expect.arrayContaining(['ECONNREFUSED', 'timeout']),
    );
    expect(logs.find((l) => l.status === 403)).toMatchObject({ route: 'acme-rest', consumer: 'blog-anon' });
  });

  it('when the Admin API changes the entities, then the proxy follows the new state within the state delay', async () => {
    const client = createKongAdminClient({ baseUrl: kong.url });
    const preflight = async (): Promise<string | undefined> =>
      (
        await send('/rest/v1/todos', null, {
          method: 'OPTIONS',
          headers: { origin: 'https://new.app.test', 'access-control-request-method': 'GET' },
        })
      ).headers.get('access-control-allow-origin') ?? undefined;
    // one configured origin is echoed whatever the request's (cors/handler.lua:77-89)
    expect(await preflight()).toBe('https://acme.app.test');
    await reconcileProject(client, { ...acme, corsOrigins: ['https://new.app.test'] });
    expect(await pollUntil(preflight, (o) => o === 'https://new.app.test')).toBe('https://new.app.test');

    const blogHost = { host: 'blog.example.test' };
    expect((await send('/rest/v1/posts', blog.anonKey.reveal(), blogHost)).status).toBe(200);
    await removeProject(client, 'blog');
    const gone = await pollUntil(
      () => send('/rest/v1/posts', blog.anonKey.reveal(), blogHost),
      (r) => r.status === 404,
    );
    expect(gone.status).toBe(404);
  });
});
