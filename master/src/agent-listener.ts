import {
  createServer,
  type IncomingMessage,
  type RequestListener,
  type Server,
  type ServerResponse,
} from 'node:http';
import { recordHeartbeat } from './agents.ts';
import { createApp } from './app.ts';
import type { Deps } from './deps.ts';
import { BadRequestError, toHttp } from './errors.ts';
import { isAgentLogsRequest, serveAgentLogs } from './logs/index.ts';
import { validateHeartbeat } from './validation.ts';

/** Largest heartbeat body accepted (the schema bounds its arrays; 256 KiB is far above a real report). */
export const MAX_HEARTBEAT_BYTES = 256 * 1024;
export const HEARTBEAT_PATH = '/v1/agent/heartbeat';

/**
 * The agent listener's request handler. Heartbeats, the one high-rate call, take a
 * lean path without Express (the same authentication, schema, writer and error
 * mapping as the Express route); everything else goes to the agent app.
 */
export function agentRequestListener(deps: Deps): RequestListener {
  const app = createApp(deps, 'agent');
  return (req, res) => {
    if (req.method === 'POST' && req.url === HEARTBEAT_PATH) void heartbeat(deps, req, res);
    else if (isAgentLogsRequest(req)) serveAgentLogs(deps.logIngest, req, res);
    else app(req, res);
  };
}

/** An HTTP server for the agent listener (not yet listening). */
export function createAgentServer(deps: Deps): Server {
  const server = createServer(agentRequestListener(deps));
  server.keepAliveTimeout = 65_000;
  return server;
}

function readBody(req: IncomingMessage, max: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > max) {
        // stop keeping it; the rest is read and dropped, and the connection closed after the answer
        chunks.length = 0;
        reject(Object.assign(new Error('body too large'), { type: 'entity.too.large' }));
      } else {
        chunks.push(c);
      }
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

async function heartbeat(deps: Deps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const start = process.hrtime.bigint();
  let status = 200;
  try {
    const agent = await deps.agentAuth.authenticate(req.socket.remoteAddress, req.headers.authorization);
    if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) {
      req.resume();
      throw new BadRequestError('expected Content-Type: application/json');
    }
    let body: unknown;
    const text = await readBody(req, MAX_HEARTBEAT_BYTES);
    try {
      body = JSON.parse(text);
    } catch {
      throw Object.assign(new Error('bad json'), { type: 'entity.parse.failed' });
    }
    send(res, 200, await recordHeartbeat(deps, agent.project, validateHeartbeat(body), text));
  } catch (err) {
    req.resume();
    const http = toHttp(err);
    status = http.status;
    if (status >= 500) {
      const e = err as Error;
      deps.log.error(
        { err: { name: e?.name, message: e?.message, stack: e?.stack }, path: HEARTBEAT_PATH },
        'request failed',
      );
    } else {
      deps.log.info({ surface: 'agent', method: 'POST', path: HEARTBEAT_PATH, status }, 'request');
    }
    if (status === 413) res.setHeader('connection', 'close');
    send(res, status, {
      error: { code: http.code, message: http.message, ...(http.details ? { details: http.details } : {}) },
    });
  } finally {
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    deps.metrics.requests.inc({
      surface: 'agent',
      method: 'POST',
      route: HEARTBEAT_PATH,
      status: String(status),
    });
    deps.metrics.duration.observe({ surface: 'agent', route: HEARTBEAT_PATH }, seconds);
  }
}
