import type { SupavisorTenant, SupavisorTenantParams } from './client.ts';
import type { PoolerProjectInput } from './types.ts';

/**
 * Pool settings, as upstream self-hosted Supabase sets them for its one tenant
 * (supabase/supabase `docker/.env.example`: POOLER_DEFAULT_POOL_SIZE=20,
 * POOLER_MAX_CLIENT_CONN=100, POOLER_POOL_MODE=transaction, read by
 * `docker/volumes/pooler/pooler.exs` @4cb34460:21-28).
 */
export const POOL = { size: 20, maxClients: 100, mode: 'transaction' } as const;

/**
 * The auth query of upstream's tenant (pooler.exs @4cb34460:19). `pgbouncer.get_auth` comes with
 * the supabase/postgres image (ansible/files/pgbouncer_config/pgbouncer_auth_schema.sql, installed
 * as init-scripts/00-schema.sql); the worker's roles.sql sets the `pgbouncer` role's password.
 */
export const AUTH_QUERY = 'SELECT * FROM pgbouncer.get_auth($1)';

/** The worker's Postgres: the supabase/postgres image on 5432, database `postgres`. */
export const WORKER_DB = { port: 5432, database: 'postgres' } as const;

/**
 * The tenant a project gets, shaped like upstream's (pooler.exs @4cb34460:13-30): no fixed users
 * (`require_user: false`), client passwords checked through `auth_query` by the one manager user
 * `pgbouncer`, so any database role connects as `<role>.<project>` with its own password.
 */
export function desiredTenant(p: PoolerProjectInput): SupavisorTenantParams {
  return {
    db_host: p.wgIp,
    db_port: WORKER_DB.port,
    db_database: WORKER_DB.database,
    require_user: false,
    auth_query: AUTH_QUERY,
    default_pool_size: POOL.size,
    default_max_clients: POOL.maxClients,
    users: [
      {
        db_user: 'pgbouncer',
        db_password: p.pgbouncerPassword.reveal(),
        mode_type: POOL.mode,
        pool_size: POOL.size,
        is_manager: true,
      },
    ],
  };
}

/** Whether Supavisor's tenant already is the desired one (every field supafleet sets). */
export function tenantMatches(actual: SupavisorTenant, want: SupavisorTenantParams): boolean {
  const scalar =
    actual.db_host === want.db_host &&
    actual.db_port === want.db_port &&
    actual.db_database === want.db_database &&
    actual.require_user === want.require_user &&
    actual.auth_query === want.auth_query &&
    actual.default_pool_size === want.default_pool_size &&
    actual.default_max_clients === want.default_max_clients;
  if (!scalar || actual.users.length !== want.users.length) return false;
  return want.users.every((w, i) => {
    const a = actual.users[i]!;
    return (
      a.db_user === w.db_user &&
      a.db_user_alias === w.db_user &&
      a.db_password === w.db_password &&
      a.mode_type === w.mode_type &&
      a.pool_size === w.pool_size &&
      a.is_manager === w.is_manager
    );
  });
}
