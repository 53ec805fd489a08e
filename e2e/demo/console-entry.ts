/**
 * The demo's console entry: a plain HTTP server on the host's loopback that a browser on this
 * machine opens without trusting Caddy's internal CA or resolving the admin host. It stands where
 * a person stands in front of a master, and does what they would do:
 *
 * - `GET /login/<code>` is the one-time login link the demo prints. The first use starts a
 *   session (an HttpOnly, SameSite=Strict cookie) and redirects to `/console/#token=sft_…`: the
 *   console takes its API token from the fragment, which browsers never send to a server (the
 *   token is never in a query string, a log or the demo's output). A second use is refused with
 *   a page that says so.
 * - Every other request needs the session and is forwarded over HTTPS to the real Caddy, to the
 *   console's host in the admin zone, verified against Caddy's internal CA. Like a person at the
 *   gate, the entry answers the basic gate (Authelia is off in the demo) as a browser does: on
 *   every request without an `Authorization` of its own. The console's API calls carry their
 *   `Authorization: Bearer`, which Caddy passes to the master (`/console/api/…`) as on a master.
 *
 * - Studio (when `studioAdminDomain` is given): each project's Studio is at
 *   `http://studio-<name>.localhost:<port>` (browsers resolve `*.localhost` to loopback, so one
 *   origin per project as on a master, with no DNS and no certificate to trust). The entry
 *   forwards those requests to the real Caddy with Host `studio-<name>.<admin_domain>` and the
 *   gate's credentials, so they take the master's path: Caddy's gate, the master's Studio front,
 *   the project's Studio. Cookies are per host, so the console session does not reach a Studio
 *   host: the entry rewrites the `studio_url` of the console's project answers
 *   (`/console/api/projects/<name>`) to `http://studio-<name>.localhost:<port>/login/<ticket>`,
 *   a ticket the entry made for that console session and project. Opening it starts a session
 *   on that Studio host (HttpOnly, SameSite=Lax: it is set by a navigation from the console's
 *   origin, and must go with the redirect that follows) and redirects to `/project/default`.
 *   A ticket opens only its own project's Studio host, and only while its console session lives.
 *
 * Demo-only: the master has no such entry, and its console links to
 * `https://studio-<name>.<admin_domain>/project/default`.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';

export const SESSION_COOKIE = 'supafleet_demo_session';
export const STUDIO_SESSION_COOKIE = 'supafleet_demo_studio';

export interface ConsoleEntryOptions {
  /** Caddy's HTTPS port on 127.0.0.1 and its internal CA's root certificate. */
  readonly caddy: { readonly httpsPort: number; readonly rootCa: string };
  /** The console's host in the admin zone, e.g. `fleet.admin.example.com`. */
  readonly adminHost: string;
  /** The basic gate's credentials. */
  readonly gate: { readonly user: string; readonly password: string };
  /** The API token the console gets (in the redirect's fragment). */
  readonly token: string;
  /** The admin zone, e.g. `admin.example.com`: routes `studio-<name>.localhost` to its Studio hosts. */
  readonly studioAdminDomain?: string;
}

export interface ConsoleEntry {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** A new one-time login link: `<url>/login/<code>`. */
  loginLink(): string;
  /** Closes the server and every connection it holds (event streams included). */
  stop(): Promise<void>;
}

/** Request headers that belong to one hop only, or that the entry sets itself. */
const HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'te',
  'trailer',
  'host',
  'cookie',
  'authorization',
]);
/**
 * Response headers not passed on: hop-by-hop ones, HSTS (it means nothing over plain HTTP) and
 * Caddy's HTTP/3 offer (for its own port, not the entry's).
 */
const HOP_RESPONSE = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'trailer',
  'upgrade',
  'strict-transport-security',
  'alt-svc',
]);

const same = (a: string, b: string): boolean => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

function page(res: ServerResponse, status: number, title: string, text: string): void {
  const esc = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  res.writeHead(status, {
    'Content-Type': 'text/html; charset=utf-8',
    'Cache-Control': 'no-store',
    'Content-Security-Policy': "default-src 'none'",
    'Referrer-Policy': 'no-referrer',
  });
  res.end(
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title></head>` +
      `<body><h1>${esc(title)}</h1><p>${esc(text)}</p></body></html>\n`,
  );
}

function sessionOf(req: IncomingMessage, cookie = SESSION_COOKIE): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === cookie) return v.join('=');
  }
  return undefined;
}

/** `studio-<name>.localhost[:port]` → the project's name. */
export function studioProjectOfEntryHost(host: string | undefined): string | undefined {
  const m = /^studio-([a-z][a-z0-9-]{1,31})\.localhost(?::\d+)?$/.exec((host ?? '').toLowerCase());
  return m?.[1];
}

/** The console's project answer, with `studio_url` pointing at the entry; other answers as they are. */
export function rewriteStudioUrl(body: string, studioUrl: string): string {
  const page = JSON.parse(body) as Record<string, unknown>;
  if (typeof page.studio_url !== 'string') return body;
  return JSON.stringify({ ...page, studio_url: studioUrl });
}

/** Starts the entry on a free port of 127.0.0.1. */
export async function startConsoleEntry(o: ConsoleEntryOptions): Promise<ConsoleEntry> {
  /** Login codes: unused (true) or used (false). */
  const codes = new Map<string, boolean>();
  const sessions = new Set<string>();
  const basic = `Basic ${Buffer.from(`${o.gate.user}:${o.gate.password}`).toString('base64')}`;

  const login = (code: string, res: ServerResponse): void => {
    const known = [...codes.keys()].find((c) => same(c, code));
    if (known === undefined) {
      page(
        res,
        404,
        'Unknown login link',
        'This is not a login link of this demo. Open the link npm run demo printed.',
      );
      return;
    }
    if (codes.get(known) === false) {
      page(
        res,
        410,
        'This login link was already used',
        'Each login link opens the console once; the browser that used it holds the session. ' +
          'Run npm run demo again for a new link.',
      );
      return;
    }
    codes.set(known, false);
    const session = randomBytes(32).toString('base64url');
    sessions.add(session);
    res.writeHead(303, {
      'Set-Cookie': `${SESSION_COOKIE}=${session}; Path=/; HttpOnly; SameSite=Strict`,
      // the fragment stays in the browser: the console reads the token from it and removes it
      Location: `/console/#token=${o.token}`,
      'Cache-Control': 'no-store',
      'Referrer-Policy': 'no-referrer',
    });
    res.end();
  };

  const studioTickets = new Map<string, { project: string; session: string }>();
  const studioSessions = new Map<string, { project: string; session: string }>();
  const studioTicket = (session: string, project: string): string => {
    for (const [t, v] of studioTickets) if (v.session === session && v.project === project) return t;
    const t = randomBytes(24).toString('base64url');
    studioTickets.set(t, { project, session });
    return t;
  };

  const forward = (
    req: IncomingMessage,
    res: ServerResponse,
    host: string = o.adminHost,
    rewrite?: (body: string) => string,
  ): void => {
    const path = req.url ?? '/';
    const headers: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined && !HOP.has(k)) headers[k] = v;
    headers.host = host;
    // a body the entry rewrites comes back uncompressed
    if (rewrite) delete headers['accept-encoding'];
    // as a browser that passed the basic gate: its credentials go with every request that does
    // not carry an Authorization of its own (the console's API calls carry their token)
    headers.authorization = req.headers.authorization ?? basic;
    const up = httpsRequest(
      {
        host: '127.0.0.1',
        port: o.caddy.httpsPort,
        servername: host,
        ca: o.caddy.rootCa,
        method: req.method,
        path,
        headers,
        agent: false,
      },
      (answer) => {
        const out: Record<string, string | string[]> = {};
        for (const [k, v] of Object.entries(answer.headers))
          if (v !== undefined && !HOP_RESPONSE.has(k)) out[k] = v;
        const json = String(answer.headers['content-type'] ?? '').startsWith('application/json');
        if (rewrite && answer.statusCode === 200 && json) {
          const chunks: Buffer[] = [];
          answer.on('data', (c: Buffer) => chunks.push(c));
          answer.on('end', () => {
            const body = Buffer.from(rewrite(Buffer.concat(chunks).toString('utf8')));
            out['content-length'] = String(body.length);
            res.writeHead(200, out);
            res.end(body);
          });
          return;
        }
        res.writeHead(answer.statusCode ?? 502, out);
        res.flushHeaders();
        answer.pipe(res);
      },
    );
    up.once('error', (err) => {
      if (res.headersSent) return void res.destroy();
      page(res, 502, 'The fleet is not reachable', `Caddy did not answer for ${host}: ${err.message}`);
    });
    res.once('close', () => up.destroy());
    req.pipe(up);
  };

  /** A request for `studio-<name>.localhost`: the ticket's login, or a forward with its session. */
  const studio = (req: IncomingMessage, res: ServerResponse, project: string, path: string): void => {
    const m = /^\/login\/([A-Za-z0-9_-]{1,100})$/.exec(path);
    if (m && req.method === 'GET') {
      const ticket = [...studioTickets.keys()].find((t) => same(t, m[1]!));
      const held = ticket === undefined ? undefined : studioTickets.get(ticket);
      if (!held || held.project !== project || !sessions.has(held.session)) {
        page(res, 404, 'Unknown Studio link', `Open ${project}'s Studio from its page in the console.`);
        return;
      }
      const id = randomBytes(32).toString('base64url');
      studioSessions.set(id, held);
      res.writeHead(303, {
        'Set-Cookie': `${STUDIO_SESSION_COOKIE}=${id}; Path=/; HttpOnly; SameSite=Lax`,
        Location: '/project/default',
        'Cache-Control': 'no-store',
        'Referrer-Policy': 'no-referrer',
      });
      return void res.end();
    }
    const id = sessionOf(req, STUDIO_SESSION_COOKIE);
    const known = id === undefined ? undefined : [...studioSessions.keys()].find((k) => same(k, id));
    const held = known === undefined ? undefined : studioSessions.get(known);
    if (!held || held.project !== project || !sessions.has(held.session)) {
      page(res, 401, 'Not logged in', `Open ${project}'s Studio from its page in the console.`);
      return;
    }
    forward(req, res, `studio-${project}.${o.studioAdminDomain}`);
  };

  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const studioProject = o.studioAdminDomain ? studioProjectOfEntryHost(req.headers.host) : undefined;
    if (studioProject) return studio(req, res, studioProject, path);
    const m = /^\/login\/([A-Za-z0-9_-]{1,100})$/.exec(path);
    if (m && req.method === 'GET') return login(m[1]!, res);
    const session = sessionOf(req);
    const known = session === undefined ? undefined : [...sessions].find((s) => same(s, session));
    if (known === undefined) {
      page(res, 401, 'Not logged in', 'Open the console link npm run demo printed (each link works once).');
      return;
    }
    if (path === '/') {
      res.writeHead(302, { Location: '/console/' });
      return void res.end();
    }
    const projectPage = /^\/console\/api\/projects\/([a-z][a-z0-9-]{1,31})$/.exec(path);
    if (o.studioAdminDomain && projectPage && req.method === 'GET') {
      const project = projectPage[1]!;
      const link = `http://studio-${project}.localhost:${port()}/login/${studioTicket(known, project)}`;
      return forward(req, res, o.adminHost, (body) => rewriteStudioUrl(body, link));
    }
    forward(req, res);
  });
  const port = (): number => (server.address() as AddressInfo).port;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    loginLink: () => {
      const code = randomBytes(24).toString('base64url');
      codes.set(code, true);
      return `${url}/login/${code}`;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
