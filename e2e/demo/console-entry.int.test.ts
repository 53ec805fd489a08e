/**
 * The demo's console entry in front of a real Caddy (internal CA, loopback) whose admin host
 * proxies to an echo server that stands in for the master and answers with what it received.
 * The gate itself is checked against the master's Caddyfile in e2e/console.e2e.test.ts; here:
 * the one-time code, the session, and what the entry sends on; and the Studio hosts
 * (`studio-<name>.localhost`), which reach `studio-<name>.<admin zone>` on the same Caddy.
 */
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caddySkipReason, startCaddy, type StartedCaddy } from '../../test/support/caddy.ts';
import {
  SESSION_COOKIE,
  startConsoleEntry,
  STUDIO_SESSION_COOKIE,
  type ConsoleEntry,
} from './console-entry.ts';

const skip = caddySkipReason();
if (skip) console.log(`skipping the console entry tests: ${skip}`);

const ADMIN_HOST = 'fleet.admin.entry.test';
const ADMIN_DOMAIN = 'admin.entry.test';
const TOKEN = `sft_0123456789abcdef_${'t'.repeat(43)}`;
const GATE = { user: 'admin', password: 'gate-password-for-this-test' };

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One request to the entry (no redirects followed), bounded by 10 s. */
function get(url: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers, timeout: 10_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`${url}: no answer in 10 s`)));
    req.on('error', reject);
    req.end();
  });
}

describe.skipIf(skip !== undefined)('the demo console entry', () => {
  let echo: Server;
  let caddy: StartedCaddy;
  let entry: ConsoleEntry;
  let session: string;

  beforeAll(async () => {
    echo = createServer((req, res) => {
      if (req.url === '/console/api/events') {
        // an event stream: the first event at once, the stream stays open
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write('event: fleet\ndata: {}\n\n');
        return;
      }
      res.setHeader('content-type', 'application/json');
      res.setHeader('strict-transport-security', 'max-age=31536000');
      const project = /^\/console\/api\/projects\/([a-z]+)$/.exec(req.url ?? '')?.[1];
      // the console's project answer carries the master's Studio link
      const studio = project
        ? { studio_url: `https://studio-${project}.${ADMIN_DOMAIN}/project/default` }
        : {};
      res.end(JSON.stringify({ url: req.url, host: req.headers.host, headers: req.headers, ...studio }));
    });
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', () => r()));
    caddy = await startCaddy({
      sites: [
        {
          hosts: [ADMIN_HOST, `studio-acme.${ADMIN_DOMAIN}`, `studio-shop.${ADMIN_DOMAIN}`],
          upstream: `127.0.0.1:${(echo.address() as AddressInfo).port}`,
        },
      ],
    });
    entry = await startConsoleEntry({
      caddy: { httpsPort: caddy.httpsPort, rootCa: caddy.rootCa },
      adminHost: ADMIN_HOST,
      gate: GATE,
      token: TOKEN,
      studioAdminDomain: ADMIN_DOMAIN,
    });
  }, 30_000);

  afterAll(async () => {
    await entry?.stop();
    await caddy?.stop();
    echo?.closeAllConnections();
    await new Promise<void>((r) => (echo ? echo.close(() => r()) : r()));
  });

  it('when a request has no session, then it gets 401 with a page that says how to log in, and nothing reaches the admin host', async () => {
    const r = await get(`${entry.url}/console/`);
    expect(r.status).toBe(401);
    expect(r.body).toContain('Not logged in');
    const forged = await get(`${entry.url}/console/`, { cookie: `${SESSION_COOKIE}=forged` });
    expect(forged.status).toBe(401);
  });

  it('when the login link is used, then it starts an HttpOnly SameSite=Strict session and redirects to the console with the token in the fragment only', async () => {
    const link = entry.loginLink();
    expect(link).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/login\/[A-Za-z0-9_-]{32}$/);
    expect(link).not.toContain(TOKEN);
    const r = await get(link);
    expect(r.status).toBe(303);
    expect(r.headers.location).toBe(`/console/#token=${TOKEN}`);
    expect(r.headers['cache-control']).toBe('no-store');
    const cookie = r.headers['set-cookie']![0]!;
    expect(cookie).toMatch(
      new RegExp(`^${SESSION_COOKIE}=[A-Za-z0-9_-]{43}; Path=/; HttpOnly; SameSite=Strict$`),
    );
    session = cookie.split(';')[0]!;

    const again = await get(link);
    expect(again.status).toBe(410);
    expect(again.body).toContain('This login link was already used');
    expect(again.headers['set-cookie']).toBeUndefined();
  });

  it('when a code is not one the entry made, then it gets 404 and no session', async () => {
    const r = await get(`${entry.url}/login/${'x'.repeat(32)}`);
    expect(r.status).toBe(404);
    expect(r.headers['set-cookie']).toBeUndefined();
  });

  it("when the session asks for the page, then the admin host gets the gate's basic credentials and never the session cookie, and HSTS is not passed back over plain HTTP", async () => {
    const r = await get(`${entry.url}/console/?x=1`, { cookie: session });
    expect(r.status).toBe(200);
    const seen = JSON.parse(r.body) as { url: string; host: string; headers: IncomingHttpHeaders };
    expect(seen.url).toBe('/console/?x=1');
    expect(seen.host).toBe(ADMIN_HOST);
    expect(seen.headers.authorization).toBe(
      `Basic ${Buffer.from(`${GATE.user}:${GATE.password}`).toString('base64')}`,
    );
    expect(seen.headers.cookie).toBeUndefined();
    expect(r.headers['strict-transport-security']).toBeUndefined();
  });

  it("when the session's request carries its own Authorization, then that one goes on instead of the gate's", async () => {
    const r = await get(`${entry.url}/console/api/fleet`, {
      cookie: session,
      authorization: `Bearer ${TOKEN}`,
    });
    const seen = JSON.parse(r.body) as { headers: IncomingHttpHeaders };
    expect(seen.headers.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it('when the session opens the event stream, then its first event arrives while the stream stays open', async () => {
    const first = await new Promise<string>((resolve, reject) => {
      const req = request(
        `${entry.url}/console/api/events`,
        { headers: { cookie: session, authorization: `Bearer ${TOKEN}` }, timeout: 10_000 },
        (res) => {
          res.setEncoding('utf8');
          let text = '';
          res.on('data', (c: string) => {
            text += c;
            if (text.includes('\n\n')) {
              req.destroy();
              resolve(text);
            }
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error('no event within 10 s')));
      req.on('error', (e) => (e.message.includes('no event') ? reject(e) : undefined));
      req.end();
    });
    expect(first).toBe('event: fleet\ndata: {}\n\n');
  });

  describe('Studio hosts', () => {
    const studioHost = (p: string) => `studio-${p}.localhost:${new URL(entry.url).port}`;
    let ticketPath: string;
    let studioSession: string;

    it("when the session asks for a project's page data, then its studio_url leads to the project's Studio host on the entry, with a ticket, and the rest is the master's answer", async () => {
      const r = await get(`${entry.url}/console/api/projects/acme`, {
        cookie: session,
        authorization: `Bearer ${TOKEN}`,
      });
      expect(r.status).toBe(200);
      const body = JSON.parse(r.body) as { studio_url: string; host: string; url: string };
      expect(body.host).toBe(ADMIN_HOST);
      expect(body.url).toBe('/console/api/projects/acme');
      const m = new RegExp(`^http://${studioHost('acme')}(/login/[A-Za-z0-9_-]{32})$`).exec(body.studio_url);
      expect(m, body.studio_url).not.toBeNull();
      ticketPath = m![1]!;
      expect(Number(r.headers['content-length'])).toBe(Buffer.byteLength(r.body));
      const again = await get(`${entry.url}/console/api/projects/acme`, {
        cookie: session,
        authorization: `Bearer ${TOKEN}`,
      });
      expect((JSON.parse(again.body) as { studio_url: string }).studio_url).toBe(body.studio_url);
    });

    it("when a Studio host is asked without its session, then it gets 401, and another project's ticket or a made-up one gets 404", async () => {
      expect((await get(`${entry.url}/project/default`, { host: studioHost('acme') })).status).toBe(401);
      // the console's session is not a Studio host's
      expect(
        (await get(`${entry.url}/project/default`, { host: studioHost('acme'), cookie: session })).status,
      ).toBe(401);
      expect((await get(`${entry.url}${ticketPath}`, { host: studioHost('shop') })).status).toBe(404);
      expect((await get(`${entry.url}/login/${'y'.repeat(32)}`, { host: studioHost('acme') })).status).toBe(
        404,
      );
    });

    it("when acme's ticket is opened on acme's Studio host, then it starts an HttpOnly SameSite=Lax session there and redirects to Studio's project page", async () => {
      const r = await get(`${entry.url}${ticketPath}`, { host: studioHost('acme') });
      expect(r.status).toBe(303);
      expect(r.headers.location).toBe('/project/default');
      const cookie = r.headers['set-cookie']![0]!;
      expect(cookie).toMatch(
        new RegExp(`^${STUDIO_SESSION_COOKIE}=[A-Za-z0-9_-]{43}; Path=/; HttpOnly; SameSite=Lax$`),
      );
      studioSession = cookie.split(';')[0]!;
    });

    it("when acme's Studio session asks for a page, then Caddy's acme Studio host gets it with the gate's credentials and no cookie of the entry's; shop's host refuses that session", async () => {
      const r = await get(`${entry.url}/project/default/editor`, {
        host: studioHost('acme'),
        cookie: studioSession,
      });
      expect(r.status).toBe(200);
      const seen = JSON.parse(r.body) as { url: string; host: string; headers: IncomingHttpHeaders };
      expect(seen.url).toBe('/project/default/editor');
      expect(seen.host).toBe(`studio-acme.${ADMIN_DOMAIN}`);
      expect(seen.headers.authorization).toBe(
        `Basic ${Buffer.from(`${GATE.user}:${GATE.password}`).toString('base64')}`,
      );
      expect(seen.headers.cookie).toBeUndefined();
      expect(
        (await get(`${entry.url}/project/default`, { host: studioHost('shop'), cookie: studioSession }))
          .status,
      ).toBe(401);
    });
  });
});
