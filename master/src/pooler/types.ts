import type { Secret } from '../../../core/seal/index.ts';

/** What a project's Supavisor tenant is built from. */
export interface PoolerProjectInput {
  /** The project name: the tenant's external_id, so clients connect as `<user>.<name>`. */
  readonly name: string;
  /** The worker's WireGuard address, where its Postgres listens on 5432. */
  readonly wgIp: string;
  /** The worker's `pgbouncer` role password: the tenant's manager user runs `pgbouncer.get_auth` with it. */
  readonly pgbouncerPassword: Secret;
}

/** What a sync did to the project's tenant. */
export type PoolerAction = 'created' | 'updated' | 'unchanged';

/** What the master API reports of a sync (the client's own type). */
export type { PoolerReport } from '../../../core/master-client/types.ts';

/** The public ports clients reach Supavisor on (the master compose publishes them). */
export interface PoolerPorts {
  /** Transaction mode (Supavisor's PROXY_PORT_TRANSACTION, 6543). */
  readonly transaction: number;
  /** Session mode (Supavisor's PROXY_PORT_SESSION, 5432 in the container). */
  readonly session: number;
}

/** One Supavisor tenant per project: create or update it to the desired state, or delete it. */
export interface PoolerTenants {
  readonly ports: PoolerPorts;
  /** Idempotent: an unchanged tenant is left alone (an update stops its pools in Supavisor). */
  sync(p: PoolerProjectInput): Promise<PoolerAction>;
  /** Deletes the tenant; one that is already gone is fine. True when one was deleted. */
  remove(name: string): Promise<boolean>;
}
