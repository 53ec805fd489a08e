import { join } from 'node:path';
import { COMPOSE_FILE } from '../layout.ts';
import type { Exec } from './exec.ts';
import { SERVICE_NAME, type Runtime, type ServiceStatus } from './runtime.ts';

export interface ComposeRuntimeOptions {
  /** The compose project name (`-p`); on a worker COMPOSE_PROJECT from layout.ts. */
  readonly project: string;
  /** The directory the stack runs from (`<state_dir>/current`), used for ps and restart. */
  readonly dir: string;
  readonly exec: Exec;
  /** The docker binary; the daemon is reached through DOCKER_HOST (the socket proxy). */
  readonly docker?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly upTimeoutMs?: number;
}

/**
 * The real runtime: `docker compose up -d --remove-orphans`, so Compose
 * recreates only the services whose configuration changed and removes the
 * ones no longer defined.
 */
export class ComposeRuntime implements Runtime {
  readonly #o: ComposeRuntimeOptions;

  constructor(options: ComposeRuntimeOptions) {
    this.#o = options;
  }

  async up(dir: string): Promise<void> {
    await this.#run(dir, ['up', '-d', '--remove-orphans'], this.#o.upTimeoutMs ?? 15 * 60_000, 'up');
  }

  async ps(): Promise<ServiceStatus[]> {
    const out = await this.#run(this.#o.dir, ['ps', '--all', '--format', 'json'], 30_000, 'ps');
    return parseComposePs(out);
  }

  async restart(service?: string): Promise<void> {
    if (service !== undefined && !SERVICE_NAME.test(service)) {
      throw new Error(`"${service}" is not a service name; expected a compose service such as rest`);
    }
    await this.#run(this.#o.dir, ['restart', ...(service ? [service] : [])], 5 * 60_000, 'restart');
  }

  async close(): Promise<void> {}

  /** `docker compose -p <project> --project-directory <dir> -f <dir>/docker-compose.yml <args>`. */
  async #run(dir: string, args: readonly string[], timeoutMs: number, what: string): Promise<string> {
    const argv = [
      'compose',
      '-p',
      this.#o.project,
      '--project-directory',
      dir,
      '-f',
      join(dir, COMPOSE_FILE),
      ...args,
    ];
    const r = await this.#o.exec(this.#o.docker ?? 'docker', argv, { cwd: dir, env: this.#o.env, timeoutMs });
    if (r.code !== 0) {
      throw new Error(`docker compose ${what} exited with code ${r.code}: ${lastLines(r.stderr, 5)}`);
    }
    return r.stdout;
  }
}

/**
 * Parses `docker compose ps --format json`: a JSON array (older Compose) or
 * one JSON object per line (newer). Sorted by service name.
 */
export function parseComposePs(stdout: string): ServiceStatus[] {
  const text = stdout.trim();
  if (text === '') return [];
  let rows: unknown[];
  if (text.startsWith('[')) rows = JSON.parse(text) as unknown[];
  else
    rows = text
      .split(/\r?\n/)
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as unknown);
  const out: ServiceStatus[] = [];
  for (const row of rows) {
    const r = row as Record<string, unknown>;
    const name = typeof r['Service'] === 'string' ? r['Service'] : undefined;
    if (!name) continue;
    const state = typeof r['State'] === 'string' ? r['State'].toLowerCase() : 'unknown';
    const h = typeof r['Health'] === 'string' ? r['Health'].toLowerCase() : '';
    const health = h === 'healthy' || h === 'unhealthy' || h === 'starting' ? h : 'none';
    const exitCode = typeof r['ExitCode'] === 'number' ? r['ExitCode'] : undefined;
    out.push({ name, state, health, ...(exitCode !== undefined && state !== 'running' ? { exitCode } : {}) });
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function lastLines(text: string, n: number): string {
  const lines = text.trim().split(/\r?\n/);
  return lines.slice(-n).join(' | ').slice(0, 1000) || '(no output)';
}
