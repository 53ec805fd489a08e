import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { STANDINS_FILE } from '../layout.ts';
import { SERVICE_NAME, type Runtime, type ServiceStatus } from './runtime.ts';

/** One stand-in: a command run in the revision directory that listens on `port` (127.0.0.1). */
export interface StandinDefinition {
  readonly command: readonly string[];
  readonly port: number;
  readonly env?: Readonly<Record<string, string>>;
}

/** `standins.json` in the bundle: service name → stand-in. */
export interface StandinManifest {
  readonly services: Readonly<Record<string, StandinDefinition>>;
}

interface Running {
  readonly def: StandinDefinition;
  readonly fingerprint: string;
  readonly dir: string;
  readonly child: ChildProcess;
  exitCode: number | null;
  exited: boolean;
}

export interface ProcessRuntimeOptions {
  /**
   * How long a stand-in may take to listen on its port (default 30 s: a lab boots three workers'
   * stand-ins at once, and a busy two-core machine takes seconds to load each).
   */
  readonly readyTimeoutMs?: number;
  /** How long a stand-in gets after SIGTERM before SIGKILL. */
  readonly stopTimeoutMs?: number;
}

/**
 * A runtime for tests and the demo: each service of `standins.json` runs as
 * a child process (a tiny HTTP server answering the health probes). Like
 * Compose, `up` restarts only services whose definition or program changed
 * and stops services no longer listed. Children are stopped by PID.
 */
export class ProcessRuntime implements Runtime {
  readonly #services = new Map<string, Running>();
  readonly #readyTimeoutMs: number;
  readonly #stopTimeoutMs: number;

  constructor(options: ProcessRuntimeOptions = {}) {
    this.#readyTimeoutMs = options.readyTimeoutMs ?? 30_000;
    this.#stopTimeoutMs = options.stopTimeoutMs ?? 3_000;
  }

  async up(dir: string): Promise<void> {
    const manifest = await readManifest(dir);
    for (const [name, running] of [...this.#services]) {
      if (!(name in manifest.services)) {
        await this.#stop(running);
        this.#services.delete(name);
      }
    }
    for (const [name, def] of Object.entries(manifest.services).sort(([a], [b]) => (a < b ? -1 : 1))) {
      const fingerprint = await fingerprintOf(dir, def);
      const running = this.#services.get(name);
      if (running && !running.exited && running.fingerprint === fingerprint) continue;
      if (running) await this.#stop(running);
      await this.#start(name, def, fingerprint, dir);
    }
  }

  async ps(): Promise<ServiceStatus[]> {
    return [...this.#services]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([name, r]) =>
        r.exited
          ? {
              name,
              state: 'exited',
              health: 'none' as const,
              ...(r.exitCode !== null ? { exitCode: r.exitCode } : {}),
            }
          : { name, state: 'running', health: 'none' as const },
      );
  }

  async restart(service?: string): Promise<void> {
    if (service !== undefined && !this.#services.has(service)) {
      throw new Error(
        `no service "${service}"; expected one of ${[...this.#services.keys()].join(', ') || '(none)'}`,
      );
    }
    const names = service ? [service] : [...this.#services.keys()].sort();
    for (const name of names) {
      const r = this.#services.get(name)!;
      await this.#stop(r);
      await this.#start(name, r.def, r.fingerprint, r.dir);
    }
  }

  async close(): Promise<void> {
    for (const r of this.#services.values()) await this.#stop(r);
    this.#services.clear();
  }

  /** PIDs of the running stand-ins (tests use them to simulate a crash). */
  pids(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [name, r] of this.#services) if (!r.exited && r.child.pid) out[name] = r.child.pid;
    return out;
  }

  async #start(name: string, def: StandinDefinition, fingerprint: string, dir: string): Promise<void> {
    const [cmd, ...args] = def.command;
    const child = spawn(cmd === 'node' ? process.execPath : cmd!, args, {
      cwd: dir,
      env: {
        PATH: process.env['PATH'] ?? '/usr/bin:/bin',
        ...def.env,
        PORT: String(def.port),
        HOST: '127.0.0.1',
      },
      stdio: 'ignore',
    });
    const running: Running = { def, fingerprint, dir, child, exitCode: null, exited: false };
    this.#services.set(name, running);
    const exited = new Promise<void>((resolve) => {
      child.once('exit', (code) => {
        running.exited = true;
        running.exitCode = code;
        resolve();
      });
      child.once('error', () => {
        running.exited = true;
        resolve();
      });
    });
    const deadline = Date.now() + this.#readyTimeoutMs;
    for (let i = 0; i < 10_000 && Date.now() < deadline; i++) {
      if (running.exited) break;
      if (await canConnect(def.port)) return;
      await Promise.race([exited, delay(25)]);
    }
    if (running.exited) {
      throw new Error(
        `service ${name} exited${running.exitCode !== null ? ` with code ${running.exitCode}` : ''} before listening on port ${def.port}`,
      );
    }
    await this.#stop(running);
    throw new Error(`service ${name} did not listen on port ${def.port} within ${this.#readyTimeoutMs} ms`);
  }

  async #stop(r: Running): Promise<void> {
    if (r.exited || r.child.pid === undefined) return;
    const gone = new Promise<void>((resolve) => r.child.once('exit', () => resolve()));
    r.child.kill('SIGTERM');
    const t = delay(this.#stopTimeoutMs).then(() => 'timeout' as const);
    if ((await Promise.race([gone.then(() => 'gone' as const), t])) === 'timeout') {
      r.child.kill('SIGKILL');
      await Promise.race([gone, delay(this.#stopTimeoutMs)]);
    }
  }
}

/** Reads and checks `standins.json`; errors name the file and the bad entry. */
export async function readManifest(dir: string): Promise<StandinManifest> {
  const path = join(dir, STANDINS_FILE);
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new Error(`cannot read ${STANDINS_FILE} in the bundle: ${(err as Error).message}`, { cause: err });
  }
  const services = (raw as { services?: unknown } | null)?.services;
  if (typeof services !== 'object' || services === null) {
    throw new Error(
      `${STANDINS_FILE} has no "services" object; expected {"services": {"<name>": {command, port}}}`,
    );
  }
  for (const [name, d] of Object.entries(services as Record<string, unknown>)) {
    const def = d as Partial<StandinDefinition> | null;
    if (!SERVICE_NAME.test(name)) throw new Error(`${STANDINS_FILE}: "${name}" is not a service name`);
    if (
      !Array.isArray(def?.command) ||
      def.command.length === 0 ||
      def.command.some((c) => typeof c !== 'string')
    ) {
      throw new Error(`${STANDINS_FILE}: service ${name} needs "command", a non-empty array of strings`);
    }
    if (!Number.isInteger(def.port) || def.port! < 1 || def.port! > 65535) {
      throw new Error(`${STANDINS_FILE}: service ${name} has port ${String(def.port)}; expected 1-65535`);
    }
  }
  return raw as StandinManifest;
}

/** Definition plus the content of every argument that names a file in the revision (the program itself). */
async function fingerprintOf(dir: string, def: StandinDefinition): Promise<string> {
  const h = createHash('sha256').update(JSON.stringify([def.command, def.port, def.env ?? {}]));
  for (const arg of def.command.slice(1)) {
    if (!/^[A-Za-z0-9_.][A-Za-z0-9_./-]*$/.test(arg) || arg.includes('..')) continue;
    const content = await readFile(join(dir, arg)).catch(() => undefined);
    if (content) h.update(arg).update(content);
  }
  return h.digest('hex');
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    const done = (ok: boolean): void => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(500, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
