/**
 * A model of Logflare v1.31.2's ingest API in single-tenant Supabase mode, as the
 * master's log forwarder and Studio's log views depend on it. Each behaviour is
 * backed by Logflare's source in CONFORMANCE.md (file:line at tag v1.31.2); the
 * fake does nothing that file does not list.
 */
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The sources single-tenant Supabase mode creates at boot (single_tenant.ex:47-57). */
export const SUPABASE_MODE_SOURCES = [
  'cloudflare.logs.prod',
  'postgres.logs',
  'deno-relay-logs',
  'deno-subhosting-events',
  'gotrue.logs.prod',
  'realtime.logs.prod',
  'storage.logs.prod.2',
  'postgREST.logs.prod',
  'pgbouncer.logs.prod',
] as const;

/** Plug.Parsers `length:` of the `:api` pipeline (router.ex:73). */
export const MAX_BODY_BYTES = 12_000_000;

/** Ingest paths: the `create` action under each of router.ex:508's scopes. */
const INGEST_PATHS = new Set(['/logs', '/api/logs', '/api/events']);

/** One stored event, as LogEvent.make builds its body (log_event.ex:94-129). */
export interface StoredEvent {
  readonly source: string;
  readonly body: Record<string, unknown>;
}

export interface FakeLogflareOptions {
  /** LOGFLARE_PUBLIC_ACCESS_TOKEN: becomes the user's api_key and a `public`-scope token. */
  readonly publicToken: string;
  /** LOGFLARE_PRIVATE_ACCESS_TOKEN: a `private`-scope token. */
  readonly privateToken: string;
}

export interface FakeLogflare {
  readonly url: string;
  /** Events accepted, in order. */
  readonly events: StoredEvent[];
  /** Every request seen (method, path with query, status answered), for tests that count calls. */
  readonly requests: { method: string; url: string; status: number }[];
  /** Events stored in one source. */
  eventsIn(source: string): StoredEvent[];
  close(): Promise<void>;
}

interface Answer {
  readonly status: number;
  readonly body: unknown;
}

const UNAUTHORIZED: Answer = { status: 401, body: { error: 'Unauthorized' } };

/** verify_api_access.ex:102-124: a Bearer header wins over x-api-key, which wins over ?api_key=. */
function extractToken(req: IncomingMessage, query: URLSearchParams): string | undefined {
  const auth = req.headers.authorization;
  if (typeof auth === 'string' && auth.startsWith('Bearer ')) return auth.slice('Bearer '.length);
  const header = req.headers['x-api-key'];
  if (typeof header === 'string') return header;
  return query.get('api_key') ?? undefined;
}

/** log_event.ex:284-313: `id` kept or generated; `timestamp` an ISO 8601 string or integer, else now (µs). */
function timestampOf(params: Record<string, unknown>): number {
  const t = params.timestamp;
  if (typeof t === 'string') {
    const ms = Date.parse(t);
    return Number.isNaN(ms) || !/^\d{4}-\d{2}-\d{2}T/.test(t) ? Date.now() * 1000 : ms * 1000;
  }
  if (typeof t === 'number' && Number.isFinite(t)) return Math.round(t);
  return Date.now() * 1000;
}

const DROPPED = Symbol('dropped');

/** cleaner.ex (MetadataCleaner.deep_reject_nil_and_empty): nil, "" and empty containers go, deeply. */
function clean(v: unknown): unknown {
  if (v === null || v === undefined || v === '') return DROPPED;
  if (Array.isArray(v)) {
    const out = v.map(clean).filter((x) => x !== DROPPED);
    return out.length === 0 ? DROPPED : out;
  }
  if (typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      const c = clean(x);
      if (c !== DROPPED) out[k] = c;
    }
    return Object.keys(out).length === 0 ? DROPPED : out;
  }
  return v;
}

/** log_event.ex:94-129: the stored body (cleaned, `message` folded into `event_message`). */
function makeBody(params: Record<string, unknown>): Record<string, unknown> {
  const eventMessage = params.message ?? params.event_message;
  const cleaned = clean(params);
  const body: Record<string, unknown> = cleaned === DROPPED ? {} : (cleaned as Record<string, unknown>);
  body.timestamp = timestampOf(params);
  body.id = typeof params.id === 'string' ? params.id : randomUUID();
  if (eventMessage !== undefined) body.event_message = eventMessage;
  if (body.message !== undefined && body.message === body.event_message) delete body.message;
  return body;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Starts the fake on 127.0.0.1 (an ephemeral port unless `port` is given). */
export async function startFakeLogflare(opts: FakeLogflareOptions, port = 0): Promise<FakeLogflare> {
  const events: StoredEvent[] = [];
  const requests: FakeLogflare['requests'] = [];
  // single_tenant.ex:118 (the user's api_key is the public token) and :134-170 (two access tokens)
  const tokens = new Map<string, 'public' | 'private'>([
    [opts.publicToken, 'public'],
    [opts.privateToken, 'private'],
  ]);

  const handle = (req: IncomingMessage, raw: Buffer | 'too_large'): Answer => {
    const url = new URL(req.url ?? '/', 'http://logflare');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    if (req.method !== 'POST' || !INGEST_PATHS.has(path)) {
      return { status: 404, body: { error: 'Not Found' } };
    }
    if (raw === 'too_large') return { status: 413, body: { error: 'Request Entity Too Large' } };
    // verify_api_access.ex:81-99 + auth.ex:196-222: any known token may ingest (public scope is
    // accepted for every `ingest` scope, private for everything); an unknown token falls back
    // to the legacy user api_key (= the public token), and otherwise passes on without a user.
    const token = extractToken(req, url.searchParams);
    const user = token !== undefined && tokens.has(token);
    // fetch_resource.ex:19-32: by name only for a known user; :35-51 by source UUID otherwise
    // (Supabase mode never hands out source UUIDs, so without a user no source is found).
    const name = url.searchParams.get('source_name') ?? url.searchParams.get('collection_name');
    const source = user && name !== null && (SUPABASE_MODE_SOURCES as readonly string[]).includes(name);
    // verify_resource_access.ex:21-37 and :66-68: no user or no source of that user → 401
    if (!user || !source) return UNAUTHORIZED;
    let parsed: unknown;
    try {
      parsed = raw.length === 0 ? {} : JSON.parse(raw.toString('utf8'));
    } catch {
      // Plug.Parsers.ParseError (plug_status 400)
      return { status: 400, body: { error: 'malformed request body' } };
    }
    // log_controller.ex:69-88: {"batch": [...]}, a JSON array (Plug puts it under "_json"), or one event
    let batch: unknown[];
    if (Array.isArray(parsed)) batch = parsed;
    else if (isObject(parsed) && Array.isArray(parsed.batch)) batch = parsed.batch;
    else if (isObject(parsed)) {
      const { timestamp: _t, id: _i, ...rest } = parsed;
      batch = [rest];
    } else batch = [parsed];
    for (const e of batch) {
      events.push({ source: name, body: makeBody(isObject(e) ? e : {}) });
    }
    // log_controller.ex:240-241 + log_view.ex:6-8
    return { status: 200, body: { message: 'Logged!' } };
  };

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) tooLarge = true;
      else chunks.push(c);
    });
    req.on('end', () => {
      const answer = handle(req, tooLarge ? 'too_large' : Buffer.concat(chunks));
      requests.push({ method: req.method ?? '', url: req.url ?? '', status: answer.status });
      const text = JSON.stringify(answer.body);
      res.writeHead(answer.status, {
        'content-type': 'application/json; charset=utf-8',
        'content-length': Buffer.byteLength(text),
      });
      res.end(text);
    });
  });
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${address.port}`,
    events,
    requests,
    eventsIn: (source) => events.filter((e) => e.source === source),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
