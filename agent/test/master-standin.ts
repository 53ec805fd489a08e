import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { sealBytes } from '../../core/seal/index.ts';
import heartbeatSchema from '../../schemas/api/heartbeat.schema.json' with { type: 'json' };
import resultSchema from '../../schemas/api/command-result.schema.json' with { type: 'json' };
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describeErrors } from '../src/schema.ts';

const ajv = new Ajv2020({ allErrors: true, strict: false });
const validHeartbeat = ajv.compile(heartbeatSchema);
const validResult = ajv.compile(resultSchema);

/** A heartbeat as received, for assertions. */
export interface ReceivedHeartbeat {
  readonly apply: { state: string; revision: number; running_revision?: number; error?: string };
  readonly services: { name: string; state: string; detail?: string }[];
  readonly backup: { success?: boolean; snapshot_id?: string | null; error?: string | null } | null;
  readonly [k: string]: unknown;
}

/**
 * The master's agent listener, reduced to what the agent uses, on loopback:
 * serves sealed bundles, records heartbeats and command results (each checked
 * against its JSON Schema), and can go away and come back on the same port.
 */
export class MasterStandin {
  readonly heartbeats: ReceivedHeartbeat[] = [];
  readonly results: Record<string, unknown>[] = [];
  /** Everything that failed a schema or the token check; tests expect it empty. */
  readonly violations: string[] = [];
  /** Raw text of every request body, for secret searches. */
  readonly bodies: string[] = [];
  desired = 1;
  /** Bundle requests still to answer 503, as a master whose bundle store is failing would. */
  failBundle = 0;
  /** Bundle requests received (answered or failed). */
  bundleRequests = 0;
  #bundles = new Map<number, object>();
  #server: Server | undefined;
  #sockets = new Set<Socket>();
  #port = 0;

  constructor(
    private readonly project: string,
    private readonly token: string,
    private readonly workerPublicKey: string,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  /** Seals `files` as revision `revision` to the worker's key and makes it the desired one. */
  async publish(revision: number, files: Record<string, string>): Promise<void> {
    const plain = JSON.stringify({ files });
    this.#bundles.set(revision, {
      project: this.project,
      revision,
      sha256: createHash('sha256').update(plain).digest('hex'),
      sealed: await sealBytes(plain, this.workerPublicKey),
    });
    this.desired = revision;
  }

  async start(): Promise<void> {
    const server = createServer((req, res) => void this.#handle(req, res));
    server.on('connection', (s) => {
      this.#sockets.add(s);
      s.on('close', () => this.#sockets.delete(s));
    });
    await new Promise<void>((resolve) => server.listen(this.#port, '127.0.0.1', resolve));
    this.#port = (server.address() as AddressInfo).port;
    this.#server = server;
  }

  /** Stops listening and drops open connections: the master is unreachable. */
  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (!server) return;
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    this.bodies.push(text);
    const send = (status: number, body: object): void => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.headers.authorization !== `Bearer ${this.token}`) {
      this.violations.push(`${req.method} ${req.url}: wrong or missing bearer token`);
      return send(401, { error: { code: 'unauthorized', message: 'bad token' } });
    }
    if (req.method === 'GET' && req.url === '/v1/agent/bundle') {
      this.bundleRequests++;
      if (this.failBundle > 0) {
        this.failBundle--;
        return send(503, { error: { code: 'unavailable', message: 'bundle store unavailable' } });
      }
      const b = this.#bundles.get(this.desired);
      return b ? send(200, b) : send(404, { error: { code: 'not_found', message: 'no bundle' } });
    }
    if (req.method === 'POST' && req.url === '/v1/agent/heartbeat') {
      const body = JSON.parse(text) as ReceivedHeartbeat;
      if (!validHeartbeat(body)) {
        this.violations.push(`heartbeat: ${describeErrors(validHeartbeat.errors).join('; ')}`);
      }
      if (this.heartbeats.length < 10_000) this.heartbeats.push(body);
      return send(200, { desired_revision: this.desired });
    }
    const m = /^\/v1\/agent\/commands\/([^/]+)\/result$/.exec(req.url ?? '');
    if (req.method === 'POST' && m) {
      const body = JSON.parse(text) as Record<string, unknown>;
      if (!validResult(body))
        this.violations.push(`result: ${describeErrors(validResult.errors).join('; ')}`);
      if (body['id'] !== decodeURIComponent(m[1]!)) this.violations.push('result id differs from the path');
      this.results.push(body);
      return send(204, {});
    }
    send(404, { error: { code: 'not_found', message: 'no such route' } });
  }
}

/** Polls `check` until it returns a value (bounded in count and time). */
export async function waitFor<T>(
  what: string,
  check: () => T | undefined | false,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let i = 0; i < 10_000; i++) {
    const v = check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}
