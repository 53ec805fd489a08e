/**
 * The master's Studio front: Caddy sends every `studio-<project>.<admin_domain>` request here
 * once the admin gate has let it through. The host names the project; the pool gives its
 * Studio's port, starting it when needed (a page that refreshes itself says so meanwhile); the
 * request then goes to that Studio and no other. Authelia's session cookie is dropped on the
 * way: Studio forwards the browser's cookies to the project's API (`constructHeaders` keeps
 * `cookie`), and an operator's session has no business there.
 */
import type { IncomingMessage, ServerResponse, OutgoingHttpHeaders } from 'node:http';
import { request } from 'node:http';
import { connect } from 'node:net';
import type { Duplex } from 'node:stream';
import { projectOfStudioHost } from './hosts.ts';
import type { StudioPool } from './pool.ts';

export interface StudioRouterOptions {
  readonly adminDomain: string;
  readonly pool: Pick<StudioPool, 'open'>;
  /** True when the project is registered and active. */
  readonly exists: (project: string) => Promise<boolean>;
  /** Cookies never passed to Studio (Authelia's session). */
  readonly dropCookies: readonly string[];
  /** Where the Studio containers are published (loopback). */
  readonly upstreamHost?: string;
}

export interface StudioRouter {
  handle(req: IncomingMessage, res: ServerResponse): void;
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
}

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(res: ServerResponse, status: number, title: string, text: string, refreshS?: number): void {
  const body = [
    '<!doctype html><html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    refreshS ? `<meta http-equiv="refresh" content="${refreshS}">` : '',
    `<title>${escapeHtml(title)}</title></head><body><main><h1>${escapeHtml(title)}</h1>`,
    `<p role="status">${escapeHtml(text)}</p></main></body></html>`,
  ].join('');
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    ...(refreshS ? { 'retry-after': String(refreshS) } : {}),
  });
  res.end(body);
}

/** The Cookie header without the dropped cookies; undefined when nothing is left. */
export function keptCookies(header: string | undefined, drop: readonly string[]): string | undefined {
  if (header === undefined) return undefined;
  const kept = header
    .split(';')
    .map((c) => c.trim())
    .filter(
      (c) => c !== '' && !drop.includes(c.slice(0, c.indexOf('=') < 0 ? c.length : c.indexOf('=')).trim()),
    );
  return kept.length > 0 ? kept.join('; ') : undefined;
}

function forwardHeaders(req: IncomingMessage, drop: readonly string[]): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (v === undefined || HOP_BY_HOP.has(k) || k === 'cookie') continue;
    out[k] = v;
  }
  const cookie = keptCookies(req.headers.cookie, drop);
  if (cookie !== undefined) out.cookie = cookie;
  out['x-forwarded-host'] = req.headers.host ?? '';
  out['x-forwarded-proto'] = 'https';
  return out;
}

export function createStudioRouter(o: StudioRouterOptions): StudioRouter {
  const upstreamHost = o.upstreamHost ?? '127.0.0.1';

  /** The Studio port for this request, or an answer already sent. */
  const route = async (
    req: IncomingMessage,
    res: ServerResponse | undefined,
  ): Promise<number | undefined> => {
    const host = String(req.headers.host ?? '');
    const project = projectOfStudioHost(host, o.adminDomain);
    if (project === undefined) {
      if (res) page(res, 404, 'No Studio here', `${host.slice(0, 253)} is not a project Studio host.`);
      return undefined;
    }
    if (!(await o.exists(project))) {
      if (res) page(res, 404, 'No such project', `There is no registered project named ${project}.`);
      return undefined;
    }
    const s = o.pool.open(project);
    if (s.state === 'ready') return s.port;
    if (!res) return undefined;
    if (s.state === 'starting') {
      page(
        res,
        503,
        `Starting Studio for ${project}`,
        `Starting Studio for ${project}… ${Math.floor(s.sinceMs / 1000)} s. This page reloads by itself.`,
        2,
      );
    } else {
      page(res, 502, `Studio for ${project} did not start`, s.reason);
    }
    return undefined;
  };

  return {
    handle(req, res) {
      route(req, res).then(
        (port) => {
          if (port === undefined) return;
          const up = request(
            {
              host: upstreamHost,
              port,
              method: req.method,
              path: req.url,
              headers: forwardHeaders(req, o.dropCookies),
            },
            (answer) => {
              const headers: OutgoingHttpHeaders = {};
              for (const [k, v] of Object.entries(answer.headers)) {
                if (v !== undefined && !HOP_BY_HOP.has(k)) headers[k] = v;
              }
              res.writeHead(answer.statusCode ?? 502, headers);
              answer.pipe(res);
            },
          );
          up.on('error', () => {
            if (!res.headersSent)
              page(res, 502, 'Studio did not answer', 'Studio closed the connection; try again.');
            else res.destroy();
          });
          req.pipe(up);
        },
        () => {
          if (!res.headersSent)
            page(res, 500, 'Studio routing failed', 'The master could not look the project up.');
        },
      );
    },
    upgrade(req, socket, head) {
      socket.on('error', () => socket.destroy());
      route(req, undefined).then(
        (port) => {
          if (port === undefined) {
            socket.end('HTTP/1.1 404 Not Found\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
            return;
          }
          const up = connect(port, upstreamHost, () => {
            const headers = forwardHeaders(req, o.dropCookies);
            const lines = [
              `${req.method} ${req.url} HTTP/1.1`,
              'connection: Upgrade',
              `upgrade: ${req.headers.upgrade}`,
            ];
            for (const [k, v] of Object.entries(headers)) {
              for (const one of Array.isArray(v) ? v : [String(v)]) lines.push(`${k}: ${one}`);
            }
            up.write(`${lines.join('\r\n')}\r\n\r\n`);
            if (head.length > 0) up.write(head);
            up.pipe(socket);
            socket.pipe(up);
          });
          up.on('error', () => socket.destroy());
          socket.on('close', () => up.destroy());
        },
        () => socket.destroy(),
      );
    },
  };
}
