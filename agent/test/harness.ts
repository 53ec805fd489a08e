import { randomBytes, randomInt } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signCommand } from '../../core/command/sign.ts';
import { generateSealKeypair, Secret } from '../../core/seal/index.ts';
import { systemClock, type Clock } from '../src/clock.ts';
import type { BackoffPolicy } from '../src/backoff.ts';
import type { AgentConfig } from '../src/config.ts';
import { nodeHttpClient, type HttpClient } from '../src/http-client.ts';
import { createLogger } from '../src/logger.ts';
import { start, type AgentHandle } from '../src/run.ts';
import { execFileExec } from '../src/runtime/exec.ts';
import { ProcessRuntime } from '../src/runtime/process-runtime.ts';
import { STANDIN_SCRIPT } from '../src/runtime/standin-source.ts';
import { MasterStandin } from './master-standin.ts';

/**
 * A free loopback port for a stand-in, picked below the kernel's ephemeral
 * range (32768+), so no listener bound to port 0 (the master stand-in, the
 * agent's command listener) can take it between the pick and the stand-in's start.
 */
export async function freePort(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const port = 20_000 + randomInt(12_000);
    const free = await new Promise<boolean>((resolve) => {
      const s = createServer();
      s.once('error', () => resolve(false));
      s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error('no free loopback port found in 20000-31999 after 50 tries');
}

/** One stand-in service of a test bundle. */
export interface TestService {
  readonly port: number;
  /** The program file (default the stand-in); a missing file makes the service fail to start. */
  readonly program?: string;
  readonly unhealthyFile?: string;
}

/** A test stack's files: stand-ins, probes for each, a .env with generated secrets, optional backup script. */
export function stackFiles(
  services: Record<string, TestService>,
  env: Record<string, string>,
  extra: Record<string, string> = {},
): Record<string, string> {
  const standins: Record<string, object> = {};
  const probes: object[] = [];
  for (const [name, s] of Object.entries(services)) {
    standins[name] = {
      command: ['node', s.program ?? 'standin.mjs'],
      port: s.port,
      env: { SERVICE: name, ...(s.unhealthyFile ? { UNHEALTHY_FILE: s.unhealthyFile } : {}) },
    };
    probes.push({
      service: name,
      type: 'http',
      url: `http://127.0.0.1:${s.port}/health`,
      headers: { Authorization: 'Bearer ${ANON_KEY}' },
    });
  }
  return {
    'standin.mjs': STANDIN_SCRIPT,
    'standins.json': JSON.stringify({ services: standins }),
    'probes.json': JSON.stringify({ probes }),
    'docker-compose.yml': `services:\n${Object.keys(services)
      .map(
        (n) => `  ${n}:\n    image: example/${n}:1\n    volumes: ['./config/${n}.conf:/etc/${n}.conf:ro']\n`,
      )
      .join('')}`,
    ...Object.fromEntries(Object.keys(services).map((n) => [`config/${n}.conf`, `${n} settings v1\n`])),
    ...(env['RESTIC_PASSWORD'] ? { 'backup/restic-password': `${env['RESTIC_PASSWORD']}\n` } : {}),
    '.env': Object.entries(env)
      .filter(([k]) => k !== 'RESTIC_PASSWORD')
      .map(([k, v]) => `${k}=${v}`)
      .join('\n'),
    ...extra,
  };
}

/** A running agent wired to a master stand-in, with captured logs and generated secrets. */
export interface World {
  readonly dir: string;
  readonly stateDir: string;
  readonly master: MasterStandin;
  readonly runtime: ProcessRuntime;
  readonly handle: AgentHandle;
  /** Stops the agent (and its stand-ins) and starts a new one on the same state directory. */
  restartAgent(): Promise<void>;
  readonly config: AgentConfig;
  readonly logs: string[];
  /** Requests the agent made to the master, by path, whether or not the master was up. */
  readonly attempts: Record<string, number>;
  /** Every wait the agent asked its clock for, in ms. */
  readonly sleeps: number[];
  /** Every secret value of this world: token, command key, seal private key, the .env values. */
  readonly secrets: string[];
  readonly env: Record<string, string>;
  /** Sends a command to the agent, signed unless `sign` is false. */
  command(body: object, opts?: { sign?: boolean; headers?: Record<string, string> }): Promise<Response>;
  close(): Promise<void>;
}

/** How a world's agent is timed; the defaults compress the agent's 30 s and 1-60 s into milliseconds. */
export interface WorldOptions {
  /** Regular heartbeat interval (default 40 ms). */
  readonly intervalMs?: number;
  /** Sets the config's `heartbeat_interval_s` and leaves the interval to it (instead of `intervalMs`). */
  readonly configIntervalS?: number;
  /** Backoff of failed heartbeats and bundle fetches (default 20 ms doubling to 160 ms). */
  readonly backoff?: BackoffPolicy;
  /** Random source for jitter and backoff (default Math.random). */
  readonly random?: () => number;
  /** Bundle requests the master answers 503 before it serves the bundle. */
  readonly failBundle?: number;
}

/** Builds a world: publishes `files(env)` as revision 1 (when given) before the agent starts. */
export async function world(
  files?: (env: Record<string, string>, dir: string) => Record<string, string>,
  options: WorldOptions = {},
): Promise<World> {
  const dir = await mkdtemp(join(tmpdir(), 'sf-agent-'));
  const stateDir = join(dir, 'state');
  const keys = await generateSealKeypair();
  const keyFile = join(dir, 'seal.key');
  await writeFile(keyFile, `${keys.privateKey.reveal()}\n`, { mode: 0o600 });
  const token = `sfa_${randomBytes(24).toString('hex')}`;
  const commandKey = randomBytes(32).toString('base64url');
  const env = {
    POSTGRES_PASSWORD: randomBytes(16).toString('hex'),
    JWT_SECRET: randomBytes(20).toString('hex'),
    ANON_KEY: `eyJ${randomBytes(30).toString('base64url')}`,
    RESTIC_PASSWORD: randomBytes(24).toString('hex'),
  };
  const master = new MasterStandin('acme', token, keys.publicKey);
  await master.start();
  if (files) await master.publish(1, files(env, dir));
  master.failBundle = options.failBundle ?? 0;
  const logs: string[] = [];
  const logger = createLogger('acme', { write: (s: string) => void logs.push(s) }, 'debug');
  const config: AgentConfig = {
    project: 'acme',
    masterUrl: master.url,
    token: new Secret(token),
    listen: { host: '127.0.0.1', port: 0 },
    sealPrivateKey: keys.privateKey,
    stateDir,
    wgInterface: 'wg0',
    commandKey: new Secret(commandKey),
    ...(options.configIntervalS !== undefined ? { heartbeatIntervalS: options.configIntervalS } : {}),
  };
  const attempts: Record<string, number> = {};
  const http: HttpClient = (req) => {
    const path = new URL(req.url).pathname;
    attempts[path] = (attempts[path] ?? 0) + 1;
    return nodeHttpClient(req);
  };
  const sleeps: number[] = [];
  const clock: Clock = {
    now: () => systemClock.now(),
    sleep: (ms, signal) => {
      if (sleeps.length < 100_000) sleeps.push(ms);
      return systemClock.sleep(ms, signal);
    },
  };
  const backoff = options.backoff ?? { baseMs: 20, capMs: 160 };
  const launch = async (): Promise<{ runtime: ProcessRuntime; handle: AgentHandle }> => {
    const runtime = new ProcessRuntime();
    const handle = await start({
      config,
      clock,
      http,
      runtime,
      exec: execFileExec,
      logger,
      handshakeAge: async () => 7,
      timing:
        options.configIntervalS !== undefined
          ? { backoff }
          : { intervalMs: options.intervalMs ?? 40, backoff },
      fetchBackoff: backoff,
      ...(options.random ? { random: options.random } : {}),
      probeTimeoutMs: 1_000,
      resultRetryMs: 20,
    });
    return { runtime, handle };
  };
  let agent = await launch();
  return {
    dir,
    stateDir,
    master,
    get runtime() {
      return agent.runtime;
    },
    get handle() {
      return agent.handle;
    },
    restartAgent: async () => {
      await agent.handle.stop();
      agent = await launch();
    },
    config,
    logs,
    attempts,
    sleeps,
    env,
    secrets: [token, commandKey, keys.privateKey.reveal(), ...Object.values(env)],
    command: (body, opts = {}) => {
      const text = JSON.stringify(body);
      const signed =
        opts.sign === false
          ? {}
          : signCommand({
              method: 'POST',
              path: '/v1/commands',
              body: text,
              key: commandKey,
              nowMs: Date.now(),
            });
      return fetch(`http://127.0.0.1:${agent.handle.port}/v1/commands`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...signed, ...opts.headers },
        body: text,
      });
    },
    close: async () => {
      await agent.handle.stop();
      await master.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
