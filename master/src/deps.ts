import type { Logger } from 'pino';
import type { Secret } from '../../core/seal/index.ts';
import type { ProjectSecrets } from '../../core/secrets/types.ts';
import type { FleetSpec } from '../../core/spec/types.ts';
import type { ActiveHosts } from './active-hosts.ts';
import type { AgentAuthenticator } from './auth/agent.ts';
import type { OidcVerifier } from './auth/oidc.ts';
import type { BundleRenderer } from './bundle.ts';
import type { HeartbeatWriter } from './heartbeat-writer.ts';
import type { LogIngest } from './logs/index.ts';
import type { Metrics } from './metrics.ts';
import type { PoolerTenants } from './pooler/types.ts';
import type { AgentCommander, KongRoutes, PeerManager } from './ports.ts';
import type { Registry } from './registry/registry.ts';
import type { SecretBox } from './registry/secret-box.ts';
import type { ProjectStudios } from './studio/project-studios.ts';
import type { ProjectValidator } from './validation.ts';
import type { Cidr } from './wg-ip.ts';
import type { PeerLock } from './wireguard/peer-lock.ts';
import type { PeerReconciler } from './wireguard/reconcile.ts';

/** Everything the master's routes use; `server.ts` builds the real ones, tests pass fakes. */
export interface Deps {
  readonly registry: Registry;
  readonly fleet: FleetSpec;
  readonly cidr: Cidr;
  readonly secretBox: SecretBox;
  readonly peers: PeerManager;
  /** Held by enrollment, deletion and the peer reconciler (each reads the registry and the peers together). */
  readonly peerLock: PeerLock;
  /** Puts enrolled workers' peers back when they drift; `server.ts` runs it at start and on a timer. */
  readonly peerReconciler: PeerReconciler;
  readonly kong: KongRoutes;
  readonly commander: AgentCommander;
  readonly renderBundle: BundleRenderer;
  readonly validateProject: ProjectValidator;
  readonly fleetKeys: { readonly publicKey: string; readonly privateKey: Secret };
  readonly oidc: OidcVerifier;
  readonly agentAuth: AgentAuthenticator;
  readonly heartbeats: HeartbeatWriter;
  /** Active projects' subdomains, in memory, for the TLS ask; project writes invalidate it. */
  readonly hosts: ActiveHosts;
  /** Stops a deleted project's Studio at once; the Studio front attaches its pool (docs/studio.md). */
  readonly studios: ProjectStudios;
  /** Worker log shipping (`POST /v1/agent/logs`); absent when the master has no Logflare settings. */
  readonly logIngest?: LogIngest;
  /** One Supavisor tenant per project (`pooler/`); absent when the master has no Supavisor settings. */
  readonly pooler?: PoolerTenants;
  readonly generateSecrets: () => Promise<ProjectSecrets>;
  readonly log: Logger;
  readonly metrics: Metrics;
  readonly now: () => Date;
  readonly settings: Settings;
}

export interface Settings {
  /** host:port where workers reach the master's WireGuard. */
  readonly wgEndpoint: string;
  readonly wgKeepalive: number;
  /** Base URL of the agent listener, as agents reach it over wg. */
  readonly agentUrl: string;
  /** Port of each agent's command listener on its wg address. */
  readonly agentCommandPort: number;
  readonly heartbeatHistory: number;
  /** Requests per minute per client address on each public endpoint. */
  readonly publicRateLimitPerMinute: number;
  readonly enrollmentTtlMs: number;
  /** Projects whose health badge is public (`/badges/<name>.json`); every other name gets 404. */
  readonly publicBadges: readonly string[];
}

export const DEFAULT_SETTINGS: Settings = {
  wgEndpoint: '127.0.0.1:51820',
  wgKeepalive: 25,
  agentUrl: 'http://127.0.0.1:8081',
  agentCommandPort: 8082,
  heartbeatHistory: 100,
  publicRateLimitPerMinute: 120,
  enrollmentTtlMs: 60 * 60 * 1000,
  publicBadges: [],
};
