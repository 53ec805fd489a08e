import type { HttpClient } from '../http-client.ts';
import type { Redactor } from '../redactor.ts';

/** An HTTP probe: GET `url`; healthy when the status is expected. `${VAR}` in headers comes from the bundle's .env. */
export interface HttpProbe {
  readonly service: string;
  readonly type: 'http';
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Expected statuses; default any 2xx. `"below-500"` accepts anything the server answers without failing. */
  readonly expect?: readonly number[] | 'below-500';
}

/** A Postgres probe: connect and `SELECT 1`. The password is read from the .env variable `password_env`. */
export interface PostgresProbe {
  readonly service: string;
  readonly type: 'postgres';
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly database: string;
  readonly password_env?: string;
}

export type Probe = HttpProbe | PostgresProbe;

/** What a probe found. `detail` never carries a secret. */
export interface ProbeResult {
  readonly service: string;
  readonly ok: boolean;
  readonly detail?: string;
  readonly latencyMs: number;
}

/** Connects, runs `SELECT 1`, disconnects; rejects on failure. The real one uses pg. */
export type PostgresPing = (target: {
  host: string;
  port: number;
  user: string;
  database: string;
  password: string | undefined;
  timeoutMs: number;
}) => Promise<void>;

/**
 * Probes for a Supabase stack when the bundle has no probes.json: one per
 * known compose service, at the address it is published on (the worker's wg
 * address; the agent runs on the host network), else by service name on the
 * stack's network.
 */
const KNOWN: Readonly<Record<string, { port: number; probe: (service: string, base: string) => Probe }>> = {
  auth: { port: 9999, probe: (service, base) => ({ service, type: 'http', url: `${base}/health` }) },
  rest: { port: 3000, probe: (service, base) => ({ service, type: 'http', url: `${base}/` }) },
  storage: { port: 5000, probe: (service, base) => ({ service, type: 'http', url: `${base}/status` }) },
  realtime: {
    port: 4000,
    probe: (service, base) => ({
      service,
      type: 'http',
      url: `${base}/api/tenants/realtime-dev/health`,
      headers: { Authorization: 'Bearer ${ANON_KEY}' },
    }),
  },
  meta: { port: 8080, probe: (service, base) => ({ service, type: 'http', url: `${base}/health` }) },
  functions: {
    port: 9000,
    probe: (service, base) => ({ service, type: 'http', url: `${base}/`, expect: 'below-500' }),
  },
};

/** Where a container port is published (`host:hostPort:containerPort`), as host and port. */
function published(ports: unknown, containerPort: number): { host: string; port: number } | undefined {
  for (const entry of Array.isArray(ports) ? (ports as unknown[]) : []) {
    if (typeof entry !== 'string') continue;
    const m = /^(?:\[?([0-9A-Fa-f.:]+?)\]?:)?(\d+):(\d+)(?:\/tcp)?$/.exec(entry);
    if (m && Number(m[3]) === containerPort) {
      const host = m[1] && m[1] !== '0.0.0.0' ? m[1] : '127.0.0.1';
      return { host, port: Number(m[2]) };
    }
  }
  return undefined;
}

/** Probes from probes.json (`{"probes": [...]}`), checked; errors name the entry. */
export function parseProbes(text: string): Probe[] {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new Error('probes.json is not JSON; expected {"probes": [{service, type, ...}]}');
  }
  const list = (raw as { probes?: unknown } | null)?.probes;
  if (!Array.isArray(list)) throw new Error('probes.json has no "probes" array');
  return list.map((p: unknown, i) => {
    const o = p as Record<string, unknown> | null;
    if (typeof o?.['service'] !== 'string') throw new Error(`probes.json /probes/${i}: missing "service"`);
    if (o['type'] === 'http') {
      if (typeof o['url'] !== 'string' || !/^https?:\/\//.test(o['url'])) {
        throw new Error(`probes.json /probes/${i}: "url" must be an http(s) URL`);
      }
      return o as unknown as HttpProbe;
    }
    if (o['type'] === 'postgres') {
      if (typeof o['host'] !== 'string' || !Number.isInteger(o['port']) || typeof o['user'] !== 'string') {
        throw new Error(`probes.json /probes/${i}: postgres needs host, port, user, database`);
      }
      return {
        ...o,
        database: typeof o['database'] === 'string' ? o['database'] : 'postgres',
      } as unknown as PostgresProbe;
    }
    throw new Error(`probes.json /probes/${i}: type "${String(o['type'])}"; expected http or postgres`);
  });
}

/** Default probes for the known services of a compose file (yaml is loaded only when needed). */
export async function probesFromCompose(composeText: string): Promise<Probe[]> {
  const { parse } = await import('yaml');
  const doc = parse(composeText, { maxAliasCount: 100 }) as {
    services?: Record<string, { ports?: unknown } | null>;
  } | null;
  const services = doc?.services ?? {};
  const out: Probe[] = [];
  for (const name of Object.keys(services).sort()) {
    const at = (port: number): { host: string; port: number } =>
      published(services[name]?.ports, port) ?? { host: name, port };
    if (name === 'db') {
      const { host, port } = at(5432);
      out.push({
        service: name,
        type: 'postgres',
        host,
        port,
        user: 'postgres',
        database: 'postgres',
        password_env: 'POSTGRES_PASSWORD',
      });
      continue;
    }
    const known = KNOWN[name];
    if (!known) continue;
    const { host, port } = at(known.port);
    out.push(known.probe(name, `http://${host.includes(':') ? `[${host}]` : host}:${port}`));
  }
  return out;
}

export interface ProbeDeps {
  readonly http: HttpClient;
  readonly pg: PostgresPing;
  readonly env: ReadonlyMap<string, string>;
  readonly redactor: Redactor;
  readonly now: () => number;
  readonly timeoutMs: number;
}

/** Runs every probe at once, each bounded by the timeout. */
export function runProbes(probes: readonly Probe[], deps: ProbeDeps): Promise<ProbeResult[]> {
  return Promise.all(probes.map((p) => runProbe(p, deps)));
}

async function runProbe(p: Probe, deps: ProbeDeps): Promise<ProbeResult> {
  const started = deps.now();
  const done = (ok: boolean, detail?: string): ProbeResult => ({
    service: p.service,
    ok,
    ...(detail ? { detail: deps.redactor.scrub(detail).slice(0, 300) } : {}),
    latencyMs: Math.max(0, deps.now() - started),
  });
  try {
    if (p.type === 'postgres') {
      const password = p.password_env ? deps.env.get(p.password_env) : undefined;
      await deps.pg({
        host: p.host,
        port: p.port,
        user: p.user,
        database: p.database,
        password,
        timeoutMs: deps.timeoutMs,
      });
      return done(true);
    }
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(p.headers ?? {})) {
      headers[k] = v.replace(
        /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g,
        (_m, name: string) => deps.env.get(name) ?? '',
      );
    }
    const res = await deps.http({ method: 'GET', url: p.url, headers, timeoutMs: deps.timeoutMs });
    const ok =
      p.expect === 'below-500'
        ? res.status < 500
        : p.expect
          ? p.expect.includes(res.status)
          : res.status >= 200 && res.status < 300;
    return ok ? done(true) : done(false, `probe GET ${new URL(p.url).pathname} answered ${res.status}`);
  } catch (err) {
    const message = (err as Error).message;
    return done(
      false,
      p.type === 'postgres' ? `probe SELECT 1 on ${p.host}:${p.port} failed: ${message}` : message,
    );
  }
}
