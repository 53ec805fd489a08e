import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { readAnswer, type HttpAnswer } from './http-on-loopback.ts';
import { freePort } from './postgres.ts';

/**
 * A real Caddy (Debian's `caddy`) for tests and the demo: a generated Caddyfile with test-safe
 * global options (admin, HTTP and HTTPS on free loopback ports, `default_bind 127.0.0.1`, the
 * internal CA, no trust-store install, storage and HOME/XDG in a private temp dir), started with
 * `caddy run`, stopped by PID, its temp dir removed.
 */

export const CADDY_BIN = process.env.SUPAFLEET_CADDY_BIN ?? 'caddy';

/** One site: `hosts` (e.g. `*.demo.test`) served with `tls internal`, reverse-proxied to `upstream`. */
export interface CaddySite {
  hosts: readonly string[];
  /** `host:port` of the backend, e.g. the Kong fake's proxy port. */
  upstream: string;
}

export interface CaddyfileSettings {
  adminPort: number;
  httpPort: number;
  httpsPort: number;
  /** Caddy's storage directory (certificates, the internal CA). */
  storage: string;
  sites: readonly CaddySite[];
}

export interface StartedCaddy {
  readonly pid: number;
  readonly httpsPort: number;
  readonly httpPort: number;
  readonly adminPort: number;
  /** The internal CA's root certificate (PEM): trust it to verify Caddy's certificates. */
  readonly rootCa: string;
  /** The temp dir holding the Caddyfile, storage, HOME and XDG dirs (removed by stop). */
  readonly dir: string;
  /** What Caddy printed so far (bounded). */
  output(): string;
  /** Stops Caddy (SIGTERM, then SIGKILL after 5 s) and removes its temp dir. Safe to call twice. */
  stop(): Promise<void>;
}

/** Why Caddy tests cannot run here, or undefined when they can. In CI a missing Caddy is not a reason. */
export function caddySkipReason(): string | undefined {
  if (process.env.CI === 'true') return undefined;
  const r = spawnSync(CADDY_BIN, ['version'], { encoding: 'utf8', timeout: 10_000 });
  if (r.error || r.status !== 0) {
    return `caddy not found or not runnable as "${CADDY_BIN}" (install the Debian package caddy or set SUPAFLEET_CADDY_BIN)`;
  }
  return undefined;
}

const HOST_RE = /^(\*\.)?[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;
const UPSTREAM_RE = /^[a-z0-9.[\]:-]+:\d{1,5}$/i;

/**
 * The test-safe global options (admin, HTTP and HTTPS on the given loopback ports, the internal
 * CA, no trust-store install, storage in the given directory), one per line, unindented.
 */
export function testGlobals(s: Omit<CaddyfileSettings, 'sites'>): string[] {
  if (/[\s{}"]/.test(s.storage))
    throw new Error(`storage path "${s.storage}" must not contain spaces, braces or quotes`);
  return [
    `admin 127.0.0.1:${s.adminPort}`,
    'default_bind 127.0.0.1',
    'local_certs',
    'skip_install_trust',
    `http_port ${s.httpPort}`,
    `https_port ${s.httpsPort}`,
    'storage file_system {',
    `\troot ${s.storage}`,
    '}',
  ];
}

/** The Caddyfile for the given ports, storage and sites. Pure and deterministic. */
export function renderTestCaddyfile(s: CaddyfileSettings): string {
  const problems: string[] = [];
  for (const site of s.sites) {
    for (const h of site.hosts) {
      if (!HOST_RE.test(h))
        problems.push(`site host "${h}" is invalid: expected a lowercase DNS name or *.name`);
    }
    if (!UPSTREAM_RE.test(site.upstream)) {
      problems.push(`upstream "${site.upstream}" is invalid: expected host:port`);
    }
  }
  if (/[\s{}"]/.test(s.storage))
    problems.push(`storage path "${s.storage}" must not contain spaces, braces or quotes`);
  if (problems.length > 0) throw new Error(`test Caddyfile: ${problems.join('; ')}`);
  const lines = ['{', ...testGlobals(s).map((g) => `\t${g}`), '}'];
  for (const site of s.sites) {
    lines.push('', `${site.hosts.join(', ')} {`, '\ttls internal', `\treverse_proxy ${site.upstream}`, '}');
  }
  return `${lines.join('\n')}\n`;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** True once Caddy completes a TLS handshake for `servername` on the port. */
function handshakes(port: number, servername: string, ca: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, servername, ca, timeout: 2_000 }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/** A host name a site answers for, to probe its certificate (`*.x` becomes `probe.x`). */
function probeName(site: CaddySite): string {
  const h = site.hosts[0] ?? 'localhost';
  return h.startsWith('*.') ? `probe${h.slice(1)}` : h;
}

/**
 * Starts Caddy with the given sites and waits until each site completes a TLS handshake with the
 * internal CA. A free port taken by someone else between probing and binding is retried (3 tries).
 */
export async function startCaddy(options: {
  sites: readonly CaddySite[];
  /**
   * A Caddyfile of the caller's own in place of the `sites` one (e.g. the master's, rendered
   * with `globals` added to its global options); `sites` then only names the hosts to wait for.
   */
  caddyfile?: (globals: readonly string[]) => string;
  readyTimeoutMs?: number;
  /** Extra environment for the Caddy process (e.g. a run's marker). */
  env?: Readonly<Record<string, string>>;
  /** Where Caddy's temp dir is made (default: the system temp dir). */
  parentDir?: string;
}): Promise<StartedCaddy> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startCaddyOnce(options);
    } catch (err) {
      if (attempt >= 3 || !/address already in use/i.test(String(err))) throw err;
    }
  }
}

async function startCaddyOnce(options: {
  sites: readonly CaddySite[];
  caddyfile?: (globals: readonly string[]) => string;
  readyTimeoutMs?: number;
  /** Extra environment for the Caddy process (e.g. a run's marker). */
  env?: Readonly<Record<string, string>>;
  /** Where Caddy's temp dir is made (default: the system temp dir). */
  parentDir?: string;
}): Promise<StartedCaddy> {
  const dir = await mkdtemp(join(options.parentDir ?? tmpdir(), 'supafleet-caddy-'));
  const storage = join(dir, 'storage');
  const home = join(dir, 'home');
  let child: ChildProcess | null = null;
  let out = '';
  const remember = (c: Buffer): void => {
    out = (out + c.toString('utf8')).slice(-64 * 1024);
  };
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    const c = child;
    if (c && c.exitCode === null && c.signalCode === null && c.pid !== undefined) {
      const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
      process.kill(c.pid, 'SIGTERM');
      const timer = setTimeout(() => {
        if (c.exitCode === null && c.signalCode === null && c.pid !== undefined)
          process.kill(c.pid, 'SIGKILL');
      }, 5_000);
      await exited;
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true, maxRetries: 3 });
  };

  try {
    await mkdir(storage, { recursive: true });
    await mkdir(home, { recursive: true });
    const [adminPort, httpPort, httpsPort] = [await freePort(), await freePort(), await freePort()];
    const caddyfile = join(dir, 'Caddyfile');
    await writeFile(
      caddyfile,
      options.caddyfile
        ? options.caddyfile(testGlobals({ adminPort, httpPort, httpsPort, storage }))
        : renderTestCaddyfile({ adminPort, httpPort, httpsPort, storage, sites: options.sites }),
    );
    const spawned = spawn(CADDY_BIN, ['run', '--config', caddyfile, '--adapter', 'caddyfile'], {
      cwd: dir,
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: home,
        XDG_DATA_HOME: join(home, '.local', 'share'),
        XDG_CONFIG_HOME: join(home, '.config'),
        ...options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      // own process group: a Ctrl-C at the terminal reaches the caller, which stops Caddy
      detached: true,
    });
    child = spawned;
    spawned.stdout?.on('data', remember);
    spawned.stderr?.on('data', remember);
    const spawnError = new Promise<Error>((resolve) => spawned.once('error', resolve));
    if (spawned.pid === undefined)
      throw new Error(`could not start ${CADDY_BIN}: ${(await spawnError).message}`);

    const rootPath = join(storage, 'pki', 'authorities', 'local', 'root.crt');
    const deadline = Date.now() + (options.readyTimeoutMs ?? 15_000);
    let rootCa = '';
    const pending = new Set(options.sites.map(probeName));
    for (let i = 0; i < 300 && Date.now() < deadline; i++) {
      if (spawned.exitCode !== null || spawned.signalCode !== null) {
        throw new Error(
          `caddy exited (${spawned.exitCode ?? spawned.signalCode}) before it was ready: ${out.trim().slice(-2_000)}`,
        );
      }
      if (rootCa === '' && existsSync(rootPath)) rootCa = await readFile(rootPath, 'utf8');
      if (rootCa !== '') {
        for (const name of [...pending]) if (await handshakes(httpsPort, name, rootCa)) pending.delete(name);
        if (pending.size === 0) break;
      }
      await sleep(50);
    }
    if (rootCa === '' || pending.size > 0) {
      throw new Error(
        `caddy was not ready within ${options.readyTimeoutMs ?? 15_000} ms (root CA ${rootCa === '' ? 'missing' : 'present'}; no certificate yet for ${[...pending].join(', ')}): ${out.trim().slice(-2_000)}`,
      );
    }
    return {
      pid: spawned.pid,
      httpsPort,
      httpPort,
      adminPort,
      rootCa,
      dir,
      output: () => out,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** An answer over HTTPS: status, headers and the body as text. */
export type HttpsAnswer = HttpAnswer;

/**
 * An HTTPS request to `https://<host>:<port><path>` that connects to 127.0.0.1 whatever `host`
 * is (like `curl --resolve host:port:127.0.0.1`) and verifies the certificate against `ca`
 * (like `curl --cacert`).
 */
export function httpsOnLoopback(options: {
  host: string;
  port: number;
  path: string;
  ca: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  timeoutMs?: number;
}): Promise<HttpsAnswer> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host: '127.0.0.1',
        port: options.port,
        servername: options.host,
        ca: options.ca,
        method: options.method ?? 'GET',
        path: options.path,
        headers: { host: `${options.host}:${options.port}`, ...options.headers },
        agent: false,
        timeout: options.timeoutMs ?? 10_000,
      },
      (res) => readAnswer(res).then(resolve, reject),
    );
    req.once('timeout', () =>
      req.destroy(new Error(`https://${options.host}${options.path}: no answer in time`)),
    );
    req.once('error', reject);
    req.end(options.body);
  });
}
