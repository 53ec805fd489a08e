import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { isIP, type AddressInfo } from 'node:net';
import { MemoryNonceStore, verifyCommand, type NonceStore } from '../../core/command/sign.ts';
import type { Agent } from './agent.ts';
import type { Clock } from './clock.ts';
import type { AgentConfig } from './config.ts';
import type { Logger } from './logger.ts';
import type { MasterClient } from './master-client.ts';
import type { Redactor } from './redactor.ts';
import { describeErrors, validators, type Validator } from './schema.ts';

/** A command from the master (schemas/api/command.schema.json). */
interface Command {
  readonly id: string;
  readonly type: 'backup' | 'restart' | 'refetch';
  readonly service?: string;
}

const COMMAND_PATH = '/v1/commands';
const MAX_BODY = 64 * 1024;
const validate = validators.command as Validator<Command>;

export interface ListenerDeps {
  readonly agent: Agent;
  readonly config: AgentConfig;
  readonly master: MasterClient;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly redactor: Redactor;
  readonly nonces?: NonceStore;
  /** Attempts to deliver a backup result to the master. */
  readonly resultAttempts?: number;
  readonly resultRetryMs?: number;
}

/**
 * The agent's command listener, bound to the wg address from the config:
 * `POST /v1/commands`, signed by the master. Requests from any address but
 * the master's get 403; unsigned, malformed, badly signed, stale and
 * replayed commands get 401; each refusal is logged.
 */
export async function startListener(deps: ListenerDeps): Promise<{ server: Server; port: number }> {
  const nonces = deps.nonces ?? new MemoryNonceStore();
  const master = masterAddress(deps.config.masterUrl);
  const server = createServer((req, res) => {
    handle(req, res, deps, nonces, master).catch((err: unknown) => {
      deps.logger.error({ error: deps.redactor.scrub((err as Error).message) }, 'command handler failed');
      if (!res.headersSent)
        send(res, 500, { error: { code: 'internal', message: 'command handling failed' } });
    });
  });
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;
  const { host, port } = deps.config.listen;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      const hint = err.code === 'EADDRNOTAVAIL' ? ' (is the WireGuard interface up with this address?)' : '';
      reject(
        new Error(`cannot listen for commands on ${host}:${port}: ${err.code ?? err.message}${hint}`, {
          cause: err,
        }),
      );
    });
    server.listen(port, host, () => resolve());
  });
  return { server, port: (server.address() as AddressInfo).port };
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  deps: ListenerDeps,
  nonces: NonceStore,
  master: string | undefined,
): Promise<void> {
  const { logger } = deps;
  const source = normaliseIp(req.socket.remoteAddress ?? '');
  if (master !== undefined && source !== master) {
    logger.warn({ reason: 'source', remote: source }, 'command refused');
    return send(res, 403, {
      error: { code: 'forbidden_source', message: 'commands are accepted from the master only' },
    });
  }
  const path = (req.url ?? '').split('?')[0];
  if (req.method !== 'POST' || path !== COMMAND_PATH) {
    return send(res, 404, { error: { code: 'not_found', message: 'only POST /v1/commands is served here' } });
  }
  const body = await readBody(req);
  if (body === undefined) {
    return send(res, 413, {
      error: { code: 'too_large', message: `a command body is at most ${MAX_BODY} bytes` },
    });
  }
  const verdict = verifyCommand({
    method: 'POST',
    path: COMMAND_PATH,
    body,
    key: deps.config.commandKey.reveal(),
    headers: req.headers,
    nowMs: deps.clock.now(),
    nonces,
  });
  if (!verdict.ok) {
    logger.warn({ reason: verdict.reason, remote: req.socket.remoteAddress }, 'command refused');
    return send(res, 401, { error: { code: verdict.reason, message: `command refused: ${verdict.reason}` } });
  }
  let cmd: unknown;
  try {
    cmd = JSON.parse(body);
  } catch {
    return send(res, 400, { error: { code: 'invalid', message: 'the command body is not JSON' } });
  }
  if (!validate(cmd)) {
    const message = `the command is invalid: ${describeErrors(validate.errors).join('; ')}`;
    return send(res, 400, { error: { code: 'invalid', message } });
  }
  logger.info({ id: cmd.id, type: cmd.type, service: cmd.service }, 'command accepted');
  const started = deps.clock.now();
  const took = (): number => Math.round((deps.clock.now() - started) / 100) / 10;
  const scrub = (err: unknown): string =>
    deps.redactor.scrub((err as Error).message ?? String(err)).slice(0, 2000);
  switch (cmd.type) {
    case 'backup': {
      const outcome = deps.agent.startBackup();
      if (!outcome) {
        return send(res, 409, {
          error: { code: 'busy', message: 'a backup is already running; try again later' },
        });
      }
      send(res, 202, { id: cmd.id, state: 'running' });
      void outcome.then((o) => deliver(deps, cmd.id, { id: cmd.id, ...o }));
      return;
    }
    case 'restart':
      try {
        await deps.agent.restart(cmd.service);
        return send(res, 200, { id: cmd.id, state: 'succeeded', duration_s: took() });
      } catch (err) {
        return send(res, 200, { id: cmd.id, state: 'failed', duration_s: took(), error: scrub(err) });
      }
    case 'refetch':
      try {
        const a = await deps.agent.converge({ force: true });
        return a.state === 'applied'
          ? send(res, 200, { id: cmd.id, state: 'succeeded', duration_s: took() })
          : send(res, 200, { id: cmd.id, state: 'failed', duration_s: took(), error: a.error ?? a.state });
      } catch (err) {
        return send(res, 200, { id: cmd.id, state: 'failed', duration_s: took(), error: scrub(err) });
      }
  }
}

/** Posts a backup result to the master, retrying a few times; then gives up (the heartbeat carries the status file). */
async function deliver(deps: ListenerDeps, id: string, result: object): Promise<void> {
  const attempts = deps.resultAttempts ?? 5;
  for (let i = 1; i <= attempts; i++) {
    try {
      await deps.master.postResult(id, result);
      return;
    } catch (err) {
      deps.logger.warn(
        { id, attempt: i, error: (err as Error).message },
        'could not deliver the backup result',
      );
      if (i < attempts) await deps.clock.sleep((deps.resultRetryMs ?? 5_000) * 2 ** (i - 1));
    }
  }
}

/** The master's address when master_url names an IP literal (it does on wg); commands must come from it. */
export function masterAddress(masterUrl: string): string | undefined {
  const host = new URL(masterUrl).hostname.replace(/^\[|\]$/g, '');
  return isIP(host) ? normaliseIp(host) : undefined;
}

function normaliseIp(ip: string): string {
  return ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip;
}

function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) over = true;
      else chunks.push(c);
    });
    req.on('end', () => resolve(over ? undefined : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: object): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
