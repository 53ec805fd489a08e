import type { Secret } from '../../core/seal/index.ts';

/**
 * The systems the master drives, as the small interfaces its routes use. The
 * WireGuard peer manager (`wireguard/`) and the Kong reconciler (`kong/`) fit
 * them; tests pass in-memory fakes.
 */

/** One WireGuard peer as `wg show dump` lists it. */
export interface WgPeer {
  readonly publicKey: string;
  readonly allowedIps: readonly string[];
  readonly endpoint: string | null;
  /** Unix seconds of the last handshake; null when there was none. */
  readonly latestHandshake: number | null;
}

/** Live WireGuard peers of the master's interface. add and remove are idempotent. */
export interface PeerManager {
  /**
   * False when WireGuard is not managed (development): `list()` is then always empty and says
   * nothing about the workers, so health and the peer reconciler ignore it. Absent means managed.
   */
  readonly managed?: boolean;
  add(peer: { publicKey: string; allowedIp: string }): Promise<void>;
  remove(publicKey: string): Promise<void>;
  list(): Promise<WgPeer[]>;
  /** The master's own WireGuard public key. */
  publicKey(): Promise<string>;
}

/** What a project's Kong layout is built from. */
export interface KongProjectInput {
  name: string;
  subdomain: string;
  domain: string;
  upstreamHost: string;
  anonKey: Secret;
  serviceRoleKey: Secret;
  corsOrigins: readonly string[];
}

export interface ReconcileReport {
  created: number;
  updated: number;
  deleted: number;
  unchanged: number;
  calls: { list: number; mutate: number };
}

/** A project's Kong entities: reconcile to the desired layout, or remove them all. */
export interface KongRoutes {
  reconcile(p: KongProjectInput): Promise<ReconcileReport>;
  remove(name: string): Promise<ReconcileReport>;
}

/** A signed command to an agent, and its answer. */
export interface AgentCommand {
  readonly id: string;
  readonly type: 'backup' | 'restart' | 'refetch';
  readonly service?: string;
}
export interface AgentCommander {
  send(
    target: { ip: string; commandKey: Secret },
    command: AgentCommand,
  ): Promise<{ status: number; body: unknown }>;
}
