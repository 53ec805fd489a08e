import { Agent, createServer, request as httpRequest, STATUS_CODES } from 'node:http';
import type {
  ClientRequest,
  IncomingHttpHeaders,
  IncomingMessage,
  OutgoingHttpHeaders,
  ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { KongServiceEntity } from '../../master/src/kong/types.ts';
import { errorPage, newRequestId, pdkError } from './errors.ts';
import { runPlugins } from './proxy-plugins.ts';
import { hostWithoutPort, matchRoute } from './proxy-route.ts';
import type { FakeKongState, FakeKongStore } from './store.ts';
import { escapePath, normalizePath } from './uri.ts';

/**
 * The fake Kong's proxy port (Kong's 8000 beside the Admin API's 8001): it routes a request by
 * host and path over the fake's current state, runs the route's plugins (cors, key-auth, acl,
 * request-transformer, request-termination) and streams it to the service's `http://host:port`,
 * as Kong does for the layout supafleet writes. Keys are never logged: log lines carry the path
 * without its query string and the consumer's username only.
 */

/** Kong's version as the fake reports it. */
const KONG_VERSION = '3.9.1';
const SERVER = `kong/${KONG_VERSION}`;
const VIA = `1.1 ${SERVER}`;

/** Headers that belong to one connection and are never forwarded (RFC 9110 §7.6.1). */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** What the proxy knows about an incoming request. Header names are lowercase. */
export interface ProxyRequest {
  method: string;
  /** The request target as received: `/path?query` (or an absolute URL). */
  url: string;
  headers: Record<string, string[]>;
  /** The peer's address. */
  clientIp: string;
  /** The port the proxy listens on (for X-Forwarded-Port). */
  listenPort: number;
  /** nginx's `$request_id`; a new random one when not given. */
  requestId?: string;
}

/** How the proxy treats `X-Forwarded-*` from its clients. */
export interface ProxyDecisionOptions {
  /** Keep X-Forwarded-Proto/Host/Port/Path/Prefix and X-Real-IP sent by a loopback peer (Caddy in front). */
  trustForwarded: boolean;
}

/** The proxy answers by itself (no route, a plugin refused or terminated, a preflight). */
export interface ProxyAnswer {
  kind: 'answer';
  status: number;
  headers: Record<string, string>;
  body: string;
  route: string | null;
  consumer: string | null;
  path: string;
}

/** The proxy sends the request to a service. */
export interface ProxyForward {
  kind: 'forward';
  route: string | null;
  consumer: string | null;
  service: KongServiceEntity;
  method: string;
  /** Normalised request path, without the query. */
  path: string;
  /** Upstream path (escaped as Kong sends it) and query. */
  target: string;
  headers: Record<string, string[]>;
  responseHeaders: Record<string, string>;
  /** What Kong's error page needs if the upstream fails (kong/error_handlers.lua:50-57). */
  failure: { accept: string | undefined; contentType: string | undefined; requestId: string };
}

export type ProxyDecision = ProxyAnswer | ProxyForward;

/**
 * The path of a request target as Kong's router sees it, and the raw query: the query is cut at
 * the first `?` (kong/router/utils.lua:57-63) and the path normalised with slashes merged
 * (kong/tools/uri.lua:78-167).
 */
export function splitTarget(url: string): { path: string; query: string } {
  let target = url;
  const abs = /^https?:\/\/[^/?#]*/i.exec(target);
  if (abs) target = target.slice(abs[0].length) || '/';
  const q = target.indexOf('?', 1);
  const rawPath = q < 0 ? target : target.slice(0, q);
  const query = q < 0 ? '' : target.slice(q + 1);
  return { path: normalizePath(rawPath.startsWith('/') ? rawPath : `/${rawPath}`), query };
}

/** The request target's path as sent (no normalisation), without the query. */
function rawRequestPath(url: string): string {
  const abs = /^https?:\/\/[^/?#]*/i.exec(url);
  const target = abs ? url.slice(abs[0].length) || '/' : url;
  const q = target.indexOf('?', 1);
  return q < 0 ? target : target.slice(0, q);
}

const isLoopback = (ip: string): boolean =>
  ip.startsWith('127.') || ip === '::1' || ip.startsWith('::ffff:127.');

/**
 * What Kong does with one request given its current entities: pure, no I/O. Unmatched requests
 * get Kong's 404; plugins may answer; otherwise the request is forwarded with Kong's headers.
 */
export function decideProxy(
  state: FakeKongState,
  req: ProxyRequest,
  options: ProxyDecisionOptions = { trustForwarded: true },
): ProxyDecision {
  const { path, query } = splitTarget(req.url);
  const host = req.headers.host?.[0] ?? '';
  const requestId = req.requestId ?? newRequestId();
  const accept = req.headers.accept?.join(',');
  const match = matchRoute(state, { method: req.method, host, path, headers: req.headers });
  if (match === null) {
    // kong/runloop/handler.lua:1197
    return {
      kind: 'answer',
      ...pdkError(404, 'no Route matched with those values', { accept, requestId }),
      route: null,
      consumer: null,
      path,
    };
  }
  const routeName = match.route.name ?? match.route.id;
  const outcome = runPlugins(state, match.route, {
    method: req.method,
    query,
    headers: req.headers,
    requestId,
  });
  const consumerName = outcome.consumer ? (outcome.consumer.username ?? outcome.consumer.id) : null;
  if (outcome.kind === 'answer') {
    return { ...outcome, route: routeName, consumer: consumerName, path };
  }

  const headers = outcome.headers;
  const named = (headers.connection ?? []).flatMap((v) => v.split(',').map((x) => x.trim().toLowerCase()));
  for (const h of [...HOP_BY_HOP, ...named]) delete headers[h];
  const trusted = options.trustForwarded && isLoopback(req.clientIp);
  const keep = (name: string, value: string | null): void => {
    if (trusted && headers[name] !== undefined) return;
    if (value === null) delete headers[name];
    else headers[name] = [value];
  };
  const svc = match.service;
  const defaultPort = svc.protocol === 'https' ? 443 : 80;
  // A Host set by a plugin wins over preserve_host, which wins over the service address
  // (kong/runloop/handler.lua:1325-1327,1406-1408; kong/runloop/balancer/init.lua:440-466).
  headers.host = [
    outcome.upstreamHost ??
      (match.route.preserve_host && host !== ''
        ? host
        : svc.port === defaultPort
          ? svc.host
          : `${svc.host}:${svc.port}`),
  ];
  headers['x-kong-request-id'] = [requestId];
  headers['x-forwarded-for'] = [[...(headers['x-forwarded-for'] ?? []), req.clientIp].join(', ')];
  keep('x-real-ip', req.clientIp);
  keep('x-forwarded-proto', 'http');
  keep('x-forwarded-host', hostWithoutPort(host));
  keep('x-forwarded-port', String(req.listenPort));
  // the request path as sent, without the query (kong/runloop/handler.lua:1248-1254)
  keep('x-forwarded-path', rawRequestPath(req.url));
  keep('x-forwarded-prefix', match.route.strip_path ? match.matchedPath : null);
  headers.via = [[...(headers.via ?? []), VIA].join(', ')];

  const q = outcome.query ?? query;
  return {
    kind: 'forward',
    route: routeName,
    consumer: consumerName,
    service: svc,
    method: outcome.method,
    path,
    target: q === '' ? escapePath(match.upstreamPath) : `${escapePath(match.upstreamPath)}?${q}`,
    headers,
    responseHeaders: { ...outcome.responseHeaders, 'x-kong-request-id': requestId },
    failure: { accept, contentType: req.headers['content-type']?.[0], requestId },
  };
}

/**
 * Kong's `worker_state_update_frequency` default, in ms (kong/templates/kong_defaults.lua:187):
 * with `worker_consistency = eventual` (:186) a worker rebuilds its router and plugins on a timer,
 * so an Admin API write reaches the proxy within this time, not on the next request
 * (kong/runloop/handler.lua:991-1064).
 */
export const KONG_WORKER_STATE_UPDATE_MS = 5_000;

/**
 * The store's state as the proxy sees it: a copy taken when the proxy starts and again once an
 * Admin API write (any call other than GET or HEAD) is `delayMs` old, like Kong's rebuild timer.
 * Until then the proxy keeps routing by the old copy. The copy taken then holds every write made
 * so far, as a rebuild does. `delayMs` must be positive.
 */
export function storeState(
  store: FakeKongStore,
  delayMs: number = KONG_WORKER_STATE_UPDATE_MS,
  now: () => number = Date.now,
): () => FakeKongState {
  if (!(delayMs > 0)) {
    throw new Error(
      `the proxy's state delay is ${delayMs} ms; expected more than 0 (Kong applies writes later)`,
    );
  }
  let current = store.snapshot();
  let dirtySince: number | null = null;
  const handle = store.handle.bind(store);
  store.handle = (req) => {
    const method = req.method.toUpperCase();
    if (method !== 'GET' && method !== 'HEAD') dirtySince ??= now();
    return handle(req);
  };
  return () => {
    if (dirtySince !== null && now() - dirtySince >= delayMs) {
      dirtySince = null;
      current = store.snapshot();
    }
    return current;
  };
}

/** One line of the proxy's access log: no query string, no header values, no key. */
export interface ProxyLogEntry {
  method: string;
  host: string;
  /** Request path without the query string. */
  path: string;
  status: number;
  route: string | null;
  /** The authenticated consumer's username. */
  consumer: string | null;
  /** `host:port` the request was sent to, when it was forwarded. */
  upstream: string | null;
  /** Why the upstream failed (a system error code such as ECONNREFUSED, or "timeout"). */
  error: string | null;
}

export interface KongProxyOptions {
  /** The entities to route by, read per request (e.g. `() => store.snapshot()`). */
  state: () => FakeKongState;
  host?: '127.0.0.1' | '::1';
  /** A random free port unless given. */
  port?: number;
  /** Where to connect for a service's host and port; by default the service's own address. */
  dial?: (service: { host: string; port: number }) => { host: string; port: number };
  /** Upper bound on every service's connect, read and write timeouts, in ms. */
  maxTimeoutMs?: number;
  /** See ProxyDecisionOptions; default true. */
  trustForwarded?: boolean;
  log?: (entry: ProxyLogEntry) => void;
}

export interface StartedKongProxy {
  /** Base URL, e.g. `http://127.0.0.1:40124`. */
  url: string;
  port: number;
  close(): Promise<void>;
}

function toHeaderLists(h: IncomingMessage['headersDistinct']): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k] = [...v];
  return out;
}

function outgoing(h: Record<string, string[]>): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [k, v] of Object.entries(h)) out[k] = v.length === 1 ? v[0] : v;
  return out;
}

function responseHeaders(h: IncomingHttpHeaders): OutgoingHttpHeaders {
  const named = String(h.connection ?? '')
    .split(',')
    .map((x) => x.trim().toLowerCase());
  const out: OutgoingHttpHeaders = {};
  for (const [k, v] of Object.entries(h)) {
    if (v === undefined || HOP_BY_HOP.has(k) || named.includes(k)) continue;
    out[k] = v;
  }
  return out;
}

function sendAnswer(
  res: ServerResponse,
  status: number,
  headers: Record<string, string>,
  body: string,
): void {
  res.writeHead(status, { ...headers, server: SERVER, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

class UpstreamTimeout extends Error {
  constructor() {
    super('timeout');
  }
}

/** A raw HTTP/1.1 response head (and body) for a socket taken over by an upgrade. */
function rawResponse(status: number, headers: OutgoingHttpHeaders, body = ''): string {
  const lines = [`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}`];
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined) continue;
    for (const x of Array.isArray(v) ? v : [v]) lines.push(`${k}: ${String(x)}`);
  }
  return `${lines.join('\r\n')}\r\n\r\n${body}`;
}

/** Starts the proxy on loopback. WebSocket upgrades are routed and proxied like other requests. */
export async function startKongProxy(options: KongProxyOptions): Promise<StartedKongProxy> {
  const host = options.host ?? '127.0.0.1';
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const cap = options.maxTimeoutMs ?? Number.POSITIVE_INFINITY;
  const upgraded = new Set<Duplex>();
  let listenPort = 0;

  const decide = (req: IncomingMessage): { decision: ProxyDecision; entry: ProxyLogEntry } => {
    const headers = toHeaderLists(req.headersDistinct);
    const method = (req.method ?? 'GET').toUpperCase();
    let decision: ProxyDecision;
    try {
      decision = decideProxy(
        options.state(),
        { method, url: req.url ?? '/', headers, clientIp: req.socket.remoteAddress ?? '', listenPort },
        { trustForwarded: options.trustForwarded ?? true },
      );
    } catch {
      decision = {
        kind: 'answer',
        ...pdkError(500, 'An unexpected error occurred', { accept: undefined, requestId: newRequestId() }),
        route: null,
        consumer: null,
        path: '',
      };
    }
    const entry: ProxyLogEntry = {
      method,
      host: headers.host?.[0] ?? '',
      path: decision.path,
      status: 0,
      route: decision.route,
      consumer: decision.consumer,
      upstream: null,
      error: null,
    };
    return { decision, entry };
  };

  const destination = (d: ProxyForward, entry: ProxyLogEntry): { host: string; port: number } => {
    entry.upstream = `${d.service.host}:${d.service.port}`;
    return options.dial
      ? options.dial({ host: d.service.host, port: d.service.port })
      : { host: d.service.host, port: d.service.port };
  };

  const timeouts = (d: ProxyForward): { connect: number; io: number } => ({
    connect: Math.min(d.service.connect_timeout, cap),
    io: Math.min(Math.max(d.service.read_timeout, d.service.write_timeout), cap),
  });

  /** Clears the connect timer once the upstream socket is connected, then arms the idle timeout. */
  const armTimeouts = (up: ClientRequest, d: ProxyForward, io: boolean): void => {
    const t = timeouts(d);
    const connectTimer = setTimeout(() => up.destroy(new UpstreamTimeout()), t.connect);
    const connected = (): void => {
      clearTimeout(connectTimer);
      if (io) up.setTimeout(t.io, () => up.destroy(new UpstreamTimeout()));
    };
    up.once('socket', (s) => {
      if (s.connecting) s.once('connect', connected);
      else connected();
    });
    up.once('close', () => clearTimeout(connectTimer));
  };

  /** 504 on a timeout, 502 otherwise (kong/error_handlers.lua:25,27). */
  const upstreamFailure = (err: Error): { status: number; error: string } =>
    err instanceof UpstreamTimeout
      ? { status: 504, error: 'timeout' }
      : { status: 502, error: (err as NodeJS.ErrnoException).code ?? 'error' };

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const started = Date.now();
    const { decision, entry } = decide(req);
    res.once('close', () => {
      entry.status = res.statusCode;
      options.log?.(entry);
    });
    if (decision.kind === 'answer') {
      req.resume();
      sendAnswer(res, decision.status, decision.headers, decision.body);
      return;
    }
    forward(req, res, decision, entry, started);
  };

  const forward = (
    req: IncomingMessage,
    res: ServerResponse,
    d: ProxyForward,
    entry: ProxyLogEntry,
    started: number,
  ): void => {
    const dest = destination(d, entry);
    const fail = (f: { status: number; error: string }): void => {
      entry.error = f.error;
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const m = errorPage(f.status, d.failure);
      sendAnswer(res, m.status, { ...d.responseHeaders, ...m.headers }, m.body);
    };
    if (d.service.protocol !== 'http') {
      req.resume();
      fail({ ...upstreamFailure(new Error()), error: `protocol ${d.service.protocol}` });
      return;
    }
    const up = httpRequest({
      host: dest.host,
      port: dest.port,
      method: d.method,
      path: d.target,
      headers: outgoing(d.headers),
      agent,
      setHost: false,
    });
    armTimeouts(up, d, true);
    up.once('response', (ures) => {
      const latency = Date.now() - started;
      res.writeHead(ures.statusCode ?? 502, {
        ...responseHeaders(ures.headers),
        ...d.responseHeaders,
        via: VIA,
        'x-kong-upstream-latency': String(latency),
        'x-kong-proxy-latency': '0',
      });
      ures.pipe(res);
      ures.once('error', () => res.destroy());
    });
    up.once('error', (err) => fail(upstreamFailure(err)));
    res.once('close', () => {
      if (!res.writableFinished) up.destroy();
    });
    req.pipe(up);
  };

  const handleUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const { decision, entry } = decide(req);
    socket.on('error', () => socket.destroy());
    const done = (status: number): void => {
      entry.status = status;
      options.log?.(entry);
    };
    const answer = (status: number, headers: Record<string, string>, body: string): void => {
      socket.end(
        rawResponse(
          status,
          { ...headers, server: SERVER, 'content-length': Buffer.byteLength(body), connection: 'close' },
          body,
        ),
      );
      done(status);
    };
    if (decision.kind === 'answer') {
      answer(decision.status, decision.headers, decision.body);
      return;
    }
    const d = decision;
    const dest = destination(d, entry);
    const fail = (f: { status: number; error: string }): void => {
      entry.error = f.error;
      const m = errorPage(f.status, d.failure);
      answer(m.status, { ...d.responseHeaders, ...m.headers }, m.body);
    };
    if (d.service.protocol !== 'http') {
      fail({ ...upstreamFailure(new Error()), error: `protocol ${d.service.protocol}` });
      return;
    }
    const up = httpRequest({
      host: dest.host,
      port: dest.port,
      method: d.method,
      path: d.target,
      headers: { ...outgoing(d.headers), connection: 'upgrade', upgrade: req.headers.upgrade ?? 'websocket' },
      agent: false,
      setHost: false,
    });
    armTimeouts(up, d, false);
    up.once('upgrade', (ures, usocket, uhead) => {
      socket.write(
        rawResponse(101, {
          ...responseHeaders(ures.headers),
          ...d.responseHeaders,
          connection: 'upgrade',
          upgrade: ures.headers.upgrade ?? 'websocket',
          via: VIA,
        }),
      );
      if (uhead.length > 0) socket.write(uhead);
      if (head.length > 0) usocket.write(head);
      upgraded.add(socket);
      upgraded.add(usocket);
      const teardown = (): void => {
        socket.destroy();
        usocket.destroy();
        upgraded.delete(socket);
        upgraded.delete(usocket);
      };
      usocket.on('error', teardown).on('close', teardown);
      socket.on('close', teardown);
      usocket.pipe(socket);
      socket.pipe(usocket);
      done(101);
    });
    up.once('response', (ures) => {
      socket.write(
        rawResponse(ures.statusCode ?? 502, {
          ...responseHeaders(ures.headers),
          ...d.responseHeaders,
          via: VIA,
          connection: 'close',
        }),
      );
      ures.pipe(socket);
      done(ures.statusCode ?? 502);
    });
    up.once('error', (err) => {
      if (!socket.destroyed) fail(upstreamFailure(err));
    });
    up.end();
  };

  const server = createServer(handle);
  server.on('upgrade', handleUpgrade);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  listenPort = (server.address() as AddressInfo).port;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${listenPort}`,
    port: listenPort,
    close: () =>
      new Promise<void>((resolve, reject) => {
        for (const s of upgraded) s.destroy();
        upgraded.clear();
        server.closeAllConnections();
        agent.destroy();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
