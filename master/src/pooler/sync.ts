import { SupavisorApiError, type SupavisorClient } from './client.ts';
import { desiredTenant, tenantMatches } from './tenant.ts';
import type { PoolerPorts, PoolerTenants } from './types.ts';

/**
 * The master's Supavisor tenants, one per project, external_id = project name. A sync reads the
 * tenant first and writes only when it differs, because every update stops the tenant's pools
 * and drops its clients (Supavisor.terminate_global, tenant_controller.ex:177 at v2.7.4).
 */
export function createPoolerTenants(client: SupavisorClient, ports: PoolerPorts): PoolerTenants {
  return {
    ports,
    async sync(p) {
      const want = desiredTenant(p);
      const secret = p.pgbouncerPassword.reveal();
      try {
        const actual = await client.getTenant(p.name);
        if (actual && tenantMatches(actual, want)) return 'unchanged';
        const { created } = await client.putTenant(p.name, want);
        return created ? 'created' : 'updated';
      } catch (err) {
        // Supavisor's error text may quote what it was sent; the password never leaves here
        if (err instanceof SupavisorApiError && secret !== '' && err.message.includes(secret)) {
          throw new SupavisorApiError(err.message.split(secret).join('[redacted]'), err, {
            cause: undefined,
          });
        }
        throw err;
      }
    },
    async remove(name) {
      return client.deleteTenant(name);
    },
  };
}
