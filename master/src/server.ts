import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { Logger } from 'pino';
import { publicKeyOf, Secret } from '../../core/seal/index.ts';
import { generateProjectSecrets } from '../../core/secrets/generate.ts';
import { validateProjectObject } from '../../core/spec/index.ts';
import { createActiveHosts } from './active-hosts.ts';
import { createAgentCommander } from './agent-client.ts';
import { createAgentServer } from './agent-listener.ts';
import { createApp } from './app.ts';
import { createProjectSmokes } from './smoke.ts';
import { DEFAULT_CONSOLE_OPTIONS } from './console/routes.ts';
import { kongProbe } from './console/probes.ts';
import { createAgentAuthenticator } from './auth/agent.ts';
import { createOidcVerifier } from './auth/oidc.ts';
import { defaultBundleRenderer } from './bundle.ts';
import type { Config } from './config.ts';
import type { Deps } from './deps.ts';
import { createKongAdminClient } from './kong/client.ts';
import { reconcileProject, removeProject } from './kong/reconcile.ts';
import { createHeartbeatWriter } from './heartbeat-writer.ts';
import { logIngestFor } from './logs/index.ts';
import { createMetrics } from './metrics.ts';
import { disabledPeerManager } from './peers-disabled.ts';
import { createSupavisorClient } from './pooler/client.ts';
import { createPoolerReconciler } from './pooler/reconcile.ts';
import { createPoolerTenants } from './pooler/sync.ts';
import { projectSecrets } from './projects.ts';
import type { KongRoutes, PeerManager } from './ports.ts';
import { createPool, Registry } from './registry/registry.ts';
import { createSecretBox } from './registry/secret-box.ts';
import { createPeerLock } from './wireguard/peer-lock.ts';
import { createWgPeerManager } from './wireguard/peers.ts';
import { createPeerReconciler } from './wireguard/reconcile.ts';
import { tlsAskLabels } from './studio/hosts.ts';
import { createProjectStudios } from './studio/project-studios.ts';
import { startStudioFront } from './studio/service.ts';

/** The master's public key when WireGuard is not managed (development): 32 zero bytes. */
export const DEV_WG_PUBLIC_KEY = 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';

export interface Overrides {
  readonly peers?: PeerManager;
  readonly kong?: KongRoutes;
  readonly now?: () => Date;
}

async function realPeerManager(config: Config): Promise<PeerManager> {
  const peers = createWgPeerManager({ iface: config.wgInterface, configPath: config.wgConfigPath });
  // apply the persisted peers (wg syncconf) before any worker calls, so a restart keeps them
  await peers.start();
  return peers;
}

/**
 * Builds the real collaborators from the configuration, and starts the WireGuard peer
 * reconciler: one run once the persisted peers are applied (so workers the file missed are back
 * before anyone calls), then every `wgReconcileIntervalS` seconds until `peerReconciler.stop()`.
 */
export async function buildDeps(config: Config, log: Logger, overrides: Overrides = {}): Promise<Deps> {
  const registry = new Registry(createPool(config.databaseUrl.reveal(), config.dbPoolSize));
  const kongClient = createKongAdminClient({ baseUrl: config.kongAdminUrl });
  const peers =
    overrides.peers ??
    (config.wgInterface ? await realPeerManager(config) : disabledPeerManager(DEV_WG_PUBLIC_KEY));
  const metrics = createMetrics({ defaults: true });
  const peerLock = createPeerLock();
  const peerReconciler = createPeerReconciler({
    peers,
    enrolled: () => registry.enrolledPeers(),
    lock: peerLock,
    log,
    metrics,
  });
  await peerReconciler.run();
  peerReconciler.start(config.wgReconcileIntervalS);
  return {
    registry,
    fleet: config.fleet,
    cidr: config.cidr,
    secretBox: createSecretBox(config.secretsKey),
    peers,
    peerLock,
    peerReconciler,
    kong: overrides.kong ?? {
      reconcile: (p) => reconcileProject(kongClient, p),
      remove: (name) => removeProject(kongClient, name),
    },
    commander: createAgentCommander({ port: config.agentCommandPort }),
    renderBundle: defaultBundleRenderer,
    validateProject: validateProjectObject,
    fleetKeys: { publicKey: await publicKeyOf(config.sealPrivateKey), privateKey: config.sealPrivateKey },
    oidc: createOidcVerifier({
      issuer: config.oidc.issuer,
      audience: config.oidc.audience,
      jwksUrl: config.oidc.jwksUrl,
      repositoryId: config.fleet.github.repository_id,
      ownerId: config.fleet.github.owner_id,
      environment: config.oidc.environment,
    }),
    agentAuth: createAgentAuthenticator(registry),
    heartbeats: createHeartbeatWriter(registry, { historySize: config.heartbeatHistory }),
    hosts: createActiveHosts(() => tlsAskLabels(registry)),
    studios: createProjectStudios(),
    logIngest: logIngestFor(
      config.logflare,
      { registry, secretBox: createSecretBox(config.secretsKey), metrics },
      log,
    ),
    ...(config.supavisor
      ? {
          pooler: createPoolerTenants(
            createSupavisorClient({ baseUrl: config.supavisor.url, jwtSecret: config.supavisor.jwtSecret }),
            config.supavisor.ports,
          ),
        }
      : {}),
    generateSecrets: () => generateProjectSecrets(),
    log,
    metrics,
    now: overrides.now ?? (() => new Date()),
    settings: {
      wgEndpoint: config.wgEndpoint,
      wgKeepalive: config.wgKeepalive,
      agentUrl: config.agentUrl,
      agentCommandPort: config.agentCommandPort,
      heartbeatHistory: config.heartbeatHistory,
      publicRateLimitPerMinute: config.publicRateLimitPerMinute,
      enrollmentTtlMs: 60 * 60 * 1000,
      publicBadges: config.publicBadges,
    },
  };
}

export interface RunningMaster {
  readonly publicAddress: string;
  readonly agentAddress: string;
  close(): Promise<void>;
}

async function listen(server: Server, host: string, port: number): Promise<string> {
  server.listen(port, host);
  await once(server, 'listening');
  const a = server.address();
  return typeof a === 'object' && a ? `${a.address}:${a.port}` : String(a);
}

/** Starts the public and the agent listener. */
export async function startMaster(
  config: Config,
  log: Logger,
  overrides: Overrides = {},
): Promise<RunningMaster> {
  const deps = await buildDeps(config, log, overrides);
  // the console's master health checks the Kong this master configures (not a test's stand-in)
  const probes = overrides.kong ? [] : [kongProbe(config.kongAdminUrl)];
  const s1 = createServer(
    createApp(deps, 'public', {
      console: { ...DEFAULT_CONSOLE_OPTIONS, probes },
      smokes: createProjectSmokes(config.smoke),
    }),
  );
  s1.keepAliveTimeout = 65_000;
  const s2 = createAgentServer(deps);
  const publicAddress = await listen(s1, config.listen.host, config.listen.port);
  const agentAddress = await listen(s2, config.agentListen.host, config.agentListen.port);
  log.info(
    {
      public: publicAddress,
      agent: agentAddress,
      wg: config.wgInterface || 'disabled',
      wg_reconcile_s: deps.peers.managed === false ? 0 : config.wgReconcileIntervalS,
    },
    'master listening',
  );
  // secrets of deleted projects are kept for the retention period, then purged (hourly check)
  const purge = () =>
    deps.registry.purgeExpiredSecrets().then(
      (n) => n > 0 && log.info({ purged: n }, 'purged the secrets of long-deleted projects'),
      (err: Error) => log.warn({ err: err.message }, 'purging expired secrets failed'),
    );
  void purge();
  const purgeTimer = setInterval(() => void purge(), 60 * 60 * 1000);
  purgeTimer.unref();
  // tenants an upsert or routes call could not make (worker not up yet, Supavisor down or reset)
  const pooler = deps.pooler;
  const poolerReconciler = pooler
    ? createPoolerReconciler({
        pooler,
        enrolled: () => deps.registry.enrolledPeers(),
        pgbouncerPassword: async (p) =>
          new Secret((await projectSecrets(deps, deps.registry, p)).role_passwords.pgbouncer),
        log,
      })
    : undefined;
  if (poolerReconciler && config.supavisor) {
    void poolerReconciler.run();
    poolerReconciler.start(config.supavisor.reconcileIntervalS);
  }
  // one Studio per project, started on demand behind the admin gate (docs/studio.md)
  const studio = config.studio ? await startStudioFront(deps, config.studio, log) : undefined;
  return {
    publicAddress,
    agentAddress,
    async close() {
      clearInterval(purgeTimer);
      await studio?.close();
      await deps.peerReconciler.stop();
      await poolerReconciler?.stop();
      // stop accepting, let requests in flight finish (at most 5 s), then drop what is left
      const closed = Promise.all([s1, s2].map((s) => new Promise<void>((r) => s.close(() => r()))));
      for (const s of [s1, s2]) s.closeIdleConnections();
      const timer = setTimeout(() => {
        for (const s of [s1, s2]) s.closeAllConnections();
      }, 5000);
      await closed;
      clearTimeout(timer);
      await deps.registry.close();
    },
  };
}
