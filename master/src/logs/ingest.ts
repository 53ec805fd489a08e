/**
 * `POST /v1/agent/logs?source_name=<source>` on the agent listener: a worker's Vector
 * ships a batch of its stack's log events; the master authenticates the project,
 * stamps it into every event, and forwards the batch to Logflare on loopback.
 *
 * Authentication is the agent listener's model: the request must come from a
 * project's wg address (WireGuard only delivers packets from a peer's own
 * AllowedIPs) and carry that project's log key (`Authorization: Bearer`), the
 * per-project `logflare_api_key` secret the worker's bundle gives its Vector. The key
 * can write logs and nothing else; the agent token stays with the agent.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { normalizeAddress } from '../auth/agent.ts';
import {
  ApiError,
  BadRequestError,
  ForbiddenError,
  RateLimitedError,
  toHttp,
  UnauthorizedError,
  UpstreamError,
} from '../errors.ts';
import type { Metrics } from '../metrics.ts';
import { createLogBudget, type LogBudgetLimits } from './budget.ts';
import type { LogflareClient } from './logflare-client.ts';
import { isWorkerSource, stampEvent, WORKER_SOURCES, type WorkerSource } from './sources.ts';

export const AGENT_LOGS_PATH = '/v1/agent/logs';

export interface LogIngestLimits extends LogBudgetLimits {
  /** Largest request body accepted (the worker's Vector batches well below it). */
  readonly maxBodyBytes: number;
  /** Most events in one request. */
  readonly maxEvents: number;
  /** Batches forwarded to Logflare at once, all projects together; past it, 503 and Vector retries. */
  readonly maxInFlight: number;
}

export const DEFAULT_LOG_LIMITS: LogIngestLimits = {
  maxBodyBytes: 1024 * 1024,
  maxEvents: 5000,
  maxInFlight: 16,
  bytesPerMinute: 32 * 1024 * 1024,
  requestsPerMinute: 600,
};

/** Where the ingest finds the project at a wg address and the SHA-256 of that project's log key. */
export interface LogKeyLookup {
  logKeyByIp(ip: string): Promise<{ project: string; keyHash: Buffer } | undefined>;
}

export interface LogIngest {
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
}

export interface LogIngestOptions {
  readonly lookup: LogKeyLookup;
  readonly logflare: LogflareClient;
  readonly log: Logger;
  readonly metrics?: Pick<Metrics, 'requests' | 'duration'>;
  readonly limits?: Partial<LogIngestLimits>;
  /** How long a wg address → project lookup is reused (ms). */
  readonly cacheMs?: number;
  readonly now?: () => number;
}

/** Log shipping cannot take the batch now (not configured, or too many in flight): 503. */
class UnavailableError extends ApiError {
  constructor(
    message: string,
    readonly retryAfterS: number,
  ) {
    super('unavailable', message);
  }
}

/** Logflare refused the events themselves: 422, which Vector does not retry. */
class RejectedError extends ApiError {
  constructor(message: string) {
    super('logflare_rejected', message);
  }
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Strings made safe for Logflare's Postgres backend: lone surrogates and NUL (which
 * jsonb refuses, failing a whole insert with other projects' events) become U+FFFD.
 */
function sanitize(v: unknown, depth: number): unknown {
  if (typeof v === 'string') return v.replace(LONE_SURROGATE, '\uFFFD').replaceAll('\u0000', '\uFFFD');
  if (typeof v !== 'object' || v === null) return v;
  if (depth > 32) throw new BadRequestError('a log event is nested more than 32 levels deep');
  if (Array.isArray(v)) return v.map((x) => sanitize(x, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[sanitize(k, depth) as string] = sanitize(x, depth + 1);
  return out;
}

function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (c: Buffer) => {
      if (failed) return;
      size += c.length;
      if (size > max) {
        failed = true;
        chunks.length = 0;
        reject(Object.assign(new Error('body too large'), { type: 'entity.too.large' }));
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

/** The path of a request URL, or undefined when it is not one. */
function pathOf(url: string | undefined): string | undefined {
  const q = (url ?? '').indexOf('?');
  return q === -1 ? url : url!.slice(0, q);
}

/** True for requests the log ingest answers (any method: others than POST get 405). */
export function isAgentLogsRequest(req: IncomingMessage): boolean {
  return pathOf(req.url) === AGENT_LOGS_PATH;
}

/** Answers a log request; `ingest` is undefined on a master without Logflare settings (503). */
export function serveAgentLogs(
  ingest: LogIngest | undefined,
  req: IncomingMessage,
  res: ServerResponse,
): void {
  if (ingest) {
    void ingest.handle(req, res);
    return;
  }
  req.resume();
  send(
    res,
    503,
    {
      error: {
        code: 'unavailable',
        message: 'log shipping is not configured on this master (SUPAFLEET_LOGFLARE_TOKEN is not set)',
      },
    },
    { 'retry-after': '60' },
  );
}

export function createLogIngest(opts: LogIngestOptions): LogIngest {
  const limits: LogIngestLimits = { ...DEFAULT_LOG_LIMITS, ...opts.limits };
  const now = opts.now ?? Date.now;
  const cacheMs = opts.cacheMs ?? 5000;
  const budget = createLogBudget(limits, now);
  const cache = new Map<string, { project: string; keyHash: Buffer; until: number }>();
  let inFlight = 0;

  async function authenticate(req: IncomingMessage): Promise<string> {
    const m = /^Bearer ([A-Za-z0-9_-]{16,200})$/.exec(req.headers.authorization ?? '');
    if (!m) throw new UnauthorizedError('missing log key; expected Authorization: Bearer <project log key>');
    const ip = normalizeAddress(req.socket.remoteAddress);
    let entry = cache.get(ip);
    if (!entry || entry.until <= now()) {
      const row = await opts.lookup.logKeyByIp(ip);
      if (!row) {
        cache.delete(ip);
        throw new ForbiddenError(`source address ${ip} is not the wg address of any project`);
      }
      if (cache.size >= 10_000) cache.clear();
      entry = { ...row, until: now() + cacheMs };
      cache.set(ip, entry);
    }
    if (!timingSafeEqual(sha256(m[1]!), entry.keyHash)) {
      throw new ForbiddenError(
        `the log key is not the one of project ${entry.project}, whose address this is`,
      );
    }
    return entry.project;
  }

  function parseEvents(raw: Buffer): Record<string, unknown>[] {
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      throw Object.assign(new Error('bad json'), { type: 'entity.parse.failed' });
    }
    if (!Array.isArray(body) || body.length === 0) {
      throw new BadRequestError('expected a JSON array of log events (what Vector’s http sink sends)');
    }
    if (body.length > limits.maxEvents) {
      throw new BadRequestError(`${body.length} events in one request; at most ${limits.maxEvents}`);
    }
    return body.map((e, i) => {
      if (typeof e !== 'object' || e === null || Array.isArray(e)) {
        throw new BadRequestError(`event ${i} is not a JSON object`);
      }
      return sanitize(e, 0) as Record<string, unknown>;
    });
  }

  async function forward(project: string, source: WorkerSource, events: object[]): Promise<void> {
    if (inFlight >= limits.maxInFlight) {
      throw new UnavailableError('the master is forwarding too many log batches; retry shortly', 1);
    }
    inFlight++;
    let answer;
    try {
      answer = await opts.logflare.ingest(source, events);
    } catch (err) {
      opts.log.warn({ project, source, err: (err as Error).name }, 'Logflare could not be reached');
      throw new UpstreamError(`Logflare could not be reached to store ${project}'s ${source} events`);
    } finally {
      inFlight--;
    }
    if (answer.status >= 200 && answer.status < 300) return;
    if (answer.status === 429) throw new RateLimitedError(5);
    if (answer.status === 401 || answer.status === 403 || answer.status >= 500) {
      opts.log.error(
        { project, source, logflare_status: answer.status, logflare_body: answer.body },
        'Logflare refused a log batch',
      );
      throw new UpstreamError(`Logflare answered HTTP ${answer.status} for source ${source}`);
    }
    opts.log.warn(
      { project, source, logflare_status: answer.status, logflare_body: answer.body },
      'Logflare rejected a log batch',
    );
    throw new RejectedError(`Logflare rejected the batch (HTTP ${answer.status}); it is dropped`);
  }

  return {
    async handle(req, res) {
      const start = process.hrtime.bigint();
      let status = 200;
      let project: string | undefined;
      try {
        if (req.method !== 'POST') {
          req.resume();
          status = 405;
          send(res, 405, { error: { code: 'method_not_allowed', message: 'use POST' } }, { allow: 'POST' });
          return;
        }
        project = await authenticate(req);
        const source = new URL(req.url ?? '/', 'http://master').searchParams.get('source_name') ?? '';
        if (!isWorkerSource(source)) {
          throw new BadRequestError(
            `source_name "${source.slice(0, 64)}" is not a worker log source; expected one of ${WORKER_SOURCES.join(', ')}`,
          );
        }
        if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) {
          throw new BadRequestError('expected Content-Type: application/json');
        }
        const encoding = req.headers['content-encoding'];
        if (encoding !== undefined && encoding !== 'identity') {
          throw Object.assign(new Error('encoding'), { type: 'encoding.unsupported' });
        }
        const declared = Number(req.headers['content-length'] ?? 0);
        if (declared > limits.maxBodyBytes) {
          throw Object.assign(new Error('body too large'), { type: 'entity.too.large' });
        }
        const raw = await readBody(req, limits.maxBodyBytes);
        const verdict = budget.take(project, raw.length);
        if (!verdict.ok) throw new RateLimitedError(verdict.retryAfterS);
        const events = parseEvents(raw).map((e) => stampEvent(source, e, project!));
        await forward(project, source, events);
        send(res, 200, { accepted: events.length });
      } catch (err) {
        req.resume();
        let http: { status: number; code: string; message: string };
        const headers: Record<string, string> = {};
        if (err instanceof UnavailableError) {
          http = { status: 503, code: err.code, message: err.message };
          headers['retry-after'] = String(err.retryAfterS);
        } else if (err instanceof RejectedError) {
          http = { status: 422, code: err.code, message: err.message };
        } else {
          http = toHttp(err);
          if (err instanceof RateLimitedError) headers['retry-after'] = String(err.retryAfterS);
        }
        status = http.status;
        if (status === 500) {
          const e = err as Error;
          opts.log.error(
            { err: { name: e?.name, message: e?.message }, path: AGENT_LOGS_PATH },
            'request failed',
          );
        } else if (status < 500) {
          opts.log.info(
            {
              surface: 'agent',
              method: req.method,
              path: AGENT_LOGS_PATH,
              status,
              ...(project ? { project } : {}),
            },
            'request',
          );
        }
        if (status === 413) headers.connection = 'close';
        send(res, status, { error: { code: http.code, message: http.message } }, headers);
      } finally {
        const seconds = Number(process.hrtime.bigint() - start) / 1e9;
        opts.metrics?.requests.inc({
          surface: 'agent',
          method: req.method ?? '',
          route: AGENT_LOGS_PATH,
          status: String(status),
        });
        opts.metrics?.duration.observe({ surface: 'agent', route: AGENT_LOGS_PATH }, seconds);
      }
    },
  };
}
