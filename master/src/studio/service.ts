/**
 * The master's Studio front, put together: the project's settings from the registry (its
 * subdomain and decrypted secrets), the Docker runtime, the on-demand pool with its idle sweep,
 * and the router listening on loopback for Caddy. Started by `server.ts` when the master has a
 * Studio Docker API (SUPAFLEET_STUDIO_DOCKER_URL).
 */
import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import type { Logger } from 'pino';
import { Secret } from '../../../core/seal/secret.ts';
import { defaultAdminDomain } from '../../../core/spec/rules/admin-zone.ts';
import { AUTHELIA_COOKIE } from '../../../cloud-init/master/authelia.ts';
import type { Deps } from '../deps.ts';
import { projectSecrets } from '../projects.ts';
import { createDockerStudioRuntime } from './docker.ts';
import { createStudioPool, type StudioPool } from './pool.ts';
import { createStudioRouter } from './router.ts';
import type { StudioRuntime } from './runtime.ts';
import { studioSettings, type StudioSettings } from './settings.ts';

export interface StudioConfig {
  /** Docker's API (the master stack's container-only proxy), e.g. http://172.31.254.2:2375. */
  readonly dockerUrl: string;
  /** Where the front listens for Caddy. */
  readonly listen: { readonly host: string; readonly port: number };
  readonly network: string;
  /** Studios running at once. */
  readonly max: number;
  /** One Studio's memory limit, MiB. */
  readonly memoryMb: number;
  readonly idleMinutes: number;
  /** Studio n is published on 127.0.0.1:(portBase + n). */
  readonly portBase: number;
}

/** The settings of a registered project's Studio, from the registry; throws when it is not active. */
export async function registeredStudioSettings(
  deps: Pick<Deps, 'registry' | 'secretBox' | 'fleet'>,
  project: string,
): Promise<StudioSettings> {
  const state = await deps.registry.getProject(project);
  if (!state || state.status !== 'active') throw new Error(`project "${project}" is not registered`);
  const s = await projectSecrets(deps, deps.registry, project);
  return studioSettings(
    { name: deps.fleet.name, domain: deps.fleet.domain },
    {
      name: project,
      subdomain: state.subdomain,
      postgresPassword: new Secret(s.postgres_password),
      pgMetaCryptoKey: new Secret(s.pg_meta_crypto_key),
      anonKey: new Secret(s.anon_key),
      serviceRoleKey: new Secret(s.service_role_key),
      jwtSecret: new Secret(s.jwt_secret),
    },
  );
}

/** Studio's own health check (upstream's compose healthcheck): GET /api/platform/profile answers 200. */
async function studioAnswers(port: number): Promise<boolean> {
  const res = await fetch(`http://127.0.0.1:${port}/api/platform/profile`, {
    signal: AbortSignal.timeout(3000),
  });
  await res.body?.cancel();
  return res.ok;
}

export interface RunningStudioFront {
  readonly address: string;
  readonly pool: StudioPool;
  close(): Promise<void>;
}

export async function startStudioFront(
  deps: Pick<Deps, 'registry' | 'secretBox' | 'fleet' | 'studios'>,
  config: StudioConfig,
  log: Logger,
  runtime: StudioRuntime = createDockerStudioRuntime({ baseUrl: config.dockerUrl, network: config.network }),
): Promise<RunningStudioFront> {
  const pool = createStudioPool({
    runtime,
    settingsFor: (p) => registeredStudioSettings(deps, p),
    ready: studioAnswers,
    max: config.max,
    memoryMb: config.memoryMb,
    portBase: config.portBase,
    idleMs: config.idleMinutes * 60_000,
    log: (event, fields) => log.info(fields, event),
  });
  await pool.adopt().catch((err: Error) => log.warn({ err: err.message }, 'studio.adopt_failed'));
  // a short memory of which projects exist: a page load asks for dozens of assets
  const known = new Map<string, { ok: boolean; at: number }>();
  const exists = async (p: string): Promise<boolean> => {
    const hit = known.get(p);
    if (hit && Date.now() - hit.at < 10_000) return hit.ok;
    const state = await deps.registry.getProject(p);
    const ok = state?.status === 'active';
    if (known.size > 1000) known.clear();
    known.set(p, { ok, at: Date.now() });
    return ok;
  };
  const router = createStudioRouter({
    adminDomain: deps.fleet.admin_domain ?? defaultAdminDomain(deps.fleet.domain),
    pool,
    exists,
    dropCookies: [AUTHELIA_COOKIE],
  });
  const server: Server = createServer((req, res) => router.handle(req, res));
  server.on('upgrade', (req, socket, head: Buffer) => router.upgrade(req, socket, head));
  server.listen(config.listen.port, config.listen.host);
  await once(server, 'listening');
  const a = server.address();
  const address = typeof a === 'object' && a ? `${a.address}:${a.port}` : String(a);
  // a deleted project's Studio stops with the delete, not at the next idle sweep
  const detach = deps.studios.attach(async (p) => {
    known.delete(p);
    await pool.remove(p, 'project deleted');
  });
  const sweep = setInterval(() => void pool.sweep(), 60_000);
  sweep.unref();
  log.info({ studio: address, max: config.max, memory_mb: config.memoryMb }, 'studio front listening');
  return {
    address,
    pool,
    async close() {
      clearInterval(sweep);
      detach();
      const closed = new Promise<void>((r) => server.close(() => r()));
      server.closeAllConnections();
      await closed;
      await pool.close();
    },
  };
}
