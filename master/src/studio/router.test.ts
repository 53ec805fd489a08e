import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpOnLoopback } from '../../../test/support/http-on-loopback.ts';
import type { StudioState } from './pool.ts';
import { createStudioRouter, keptCookies } from './router.ts';

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A loopback server standing in for one project's Studio: it names itself and echoes what it got. */
async function studioStandIn(name: string): Promise<{ port: number; seen: Seen[]; server: Server }> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
      });
      res.writeHead(200, { 'content-type': 'text/plain', 'x-studio': name });
      res.end(`studio of ${name}`);
    });
  });
  server.on('upgrade', (_req, socket, head: Buffer) => {
    socket.write(
      `HTTP/1.1 101 Switching Protocols\r\nconnection: Upgrade\r\nupgrade: websocket\r\nx-studio: ${name}\r\n\r\n`,
    );
    socket.write(head); // an echo: what came with the upgrade, then everything after
    socket.pipe(socket);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as AddressInfo).port, seen, server };
}

describe('the Studio front, by host', () => {
  const states = new Map<string, StudioState>();
  const opened: string[] = [];
  let front: Server;
  let acme: Awaited<ReturnType<typeof studioStandIn>>;
  let blog: Awaited<ReturnType<typeof studioStandIn>>;

  beforeAll(async () => {
    acme = await studioStandIn('acme');
    blog = await studioStandIn('blog');
    states.set('acme', { state: 'ready', port: acme.port });
    states.set('blog', { state: 'ready', port: blog.port });
    states.set('shop', { state: 'starting', sinceMs: 12_400 });
    states.set('down', {
      state: 'failed',
      reason: 'Docker did not create supafleet-studio-down: <no image>',
    });
    const router = createStudioRouter({
      adminDomain: 'admin.example.com',
      pool: {
        open: (p) => {
          opened.push(p);
          return states.get(p)!;
        },
      },
      exists: async (p) => states.has(p),
      dropCookies: ['authelia_session'],
    });
    front = createServer((req, res) => router.handle(req, res));
    front.on('upgrade', (req, socket, head) => {
      upgraded.push(socket);
      router.upgrade(req, socket, head);
    });
    await new Promise<void>((r) => front.listen(0, '127.0.0.1', r));
  });

  const upgraded: Duplex[] = [];
  afterAll(async () => {
    for (const u of upgraded) u.destroy();
    for (const s of [front, acme.server, blog.server]) {
      s.closeAllConnections();
      await new Promise<void>((r) => s.close(() => r()));
    }
  });

  const send = (
    host: string,
    path: string,
    init: { method?: string; headers?: Record<string, string>; body?: string } = {},
  ) => httpOnLoopback({ host, port: (front.address() as AddressInfo).port, path, ...init });

  it.each(['acme', 'blog'])(
    "when studio-%s is asked, then that project's Studio answers, with method, path and body",
    async (p) => {
      const r = await send(`studio-${p}.admin.example.com`, '/api/platform/pg-meta/default/query?x=1', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"query":"select 1"}',
      });
      expect(r.status).toBe(200);
      expect(r.text).toBe(`studio of ${p}`);
      const seen = (p === 'acme' ? acme : blog).seen.at(-1)!;
      expect(seen).toMatchObject({
        method: 'POST',
        url: '/api/platform/pg-meta/default/query?x=1',
        body: '{"query":"select 1"}',
      });
      expect(seen.headers['x-forwarded-host']).toBe(`studio-${p}.admin.example.com`);
    },
  );

  it("when the browser sends Authelia's session cookie, then Studio never sees it, and gets the other cookies", async () => {
    await send('studio-acme.admin.example.com', '/', {
      headers: { cookie: 'theme=dark; authelia_session=s3cr3t-session; ph=1' },
    });
    expect(acme.seen.at(-1)!.headers.cookie).toBe('theme=dark; ph=1');
    await send('studio-acme.admin.example.com', '/', {
      headers: { cookie: 'authelia_session=s3cr3t-session' },
    });
    expect(acme.seen.at(-1)!.headers.cookie).toBeUndefined();
  });

  it('when the host names no registered project, or is no Studio host, then 404 and no Studio is started', async () => {
    opened.length = 0;
    for (const host of [
      'studio-nope.admin.example.com',
      'studio.admin.example.com',
      'studio-acme.example.com',
    ]) {
      const r = await send(host, '/');
      expect(r.status, host).toBe(404);
    }
    expect(opened).toEqual([]);
  });

  it("when the project's Studio is starting, then a page says so, how long it has been, and reloads itself", async () => {
    const r = await send('studio-shop.admin.example.com', '/project/default');
    expect(r.status).toBe(503);
    expect(r.headers['retry-after']).toBe('2');
    expect(r.headers['cache-control']).toBe('no-store');
    expect(r.text).toContain('<meta http-equiv="refresh" content="2">');
    expect(r.text).toContain('Starting Studio for shop… 12 s');
  });

  it('when Studio could not start, then the page gives the reason, escaped', async () => {
    const r = await send('studio-down.admin.example.com', '/');
    expect(r.status).toBe(502);
    expect(r.text).toContain('&#60;no image&#62;');
    expect(r.text).not.toContain('<no image>');
  });

  it("when a WebSocket is opened on studio-blog, then it is joined to blog's Studio", async () => {
    const { connect } = await import('node:net');
    const answer = await new Promise<string>((resolve, reject) => {
      const s = connect((front.address() as AddressInfo).port, '127.0.0.1', () => {
        s.write(
          'GET /ws HTTP/1.1\r\nhost: studio-blog.admin.example.com\r\nconnection: Upgrade\r\nupgrade: websocket\r\n\r\nping',
        );
      });
      let got = '';
      s.on('data', (c: Buffer) => {
        got += c.toString();
        if (got.includes('ping')) {
          s.destroy();
          resolve(got);
        }
      });
      s.on('error', reject);
      setTimeout(() => reject(new Error(`no echo in 5 s: ${got}`)), 5000).unref();
    });
    expect(answer).toContain('x-studio: blog');
    expect(answer).toContain('ping');
  });

  it('when cookies are filtered, then only the named ones go', () => {
    expect(keptCookies(undefined, ['a'])).toBeUndefined();
    expect(keptCookies('a=1;b=2; a = 3', ['a'])).toBe('b=2');
    expect(keptCookies('authelia_session_x=1', ['authelia_session'])).toBe('authelia_session_x=1');
  });
});
