/**
 * Where `supafleet smoke` gets a project's URL and keys: from the master's
 * credentials endpoint (an admin token; the call is audit-logged), or from the
 * environment when the master is not reachable from where the smoke runs.
 */
import type { MasterApi } from '../master-client/types.ts';
import type { SmokeTarget } from './types.ts';

/** The environment variables of the keys when they do not come from the master. */
export const SMOKE_KEY_ENV = {
  anon: 'SUPAFLEET_SMOKE_ANON_KEY',
  serviceRole: 'SUPAFLEET_SMOKE_SERVICE_ROLE_KEY',
} as const;

export async function smokeTarget(
  project: string,
  source:
    | { readonly kind: 'master'; readonly master: MasterApi }
    | {
        readonly kind: 'env';
        readonly url: string;
        readonly env: Readonly<Record<string, string | undefined>>;
      },
): Promise<SmokeTarget> {
  if (source.kind === 'master') {
    const c = await source.master.credentials(project);
    return { url: c.url, anonKey: c.anon_key, serviceRoleKey: c.service_role_key };
  }
  const anonKey = source.env[SMOKE_KEY_ENV.anon] ?? '';
  const serviceRoleKey = source.env[SMOKE_KEY_ENV.serviceRole] ?? '';
  const missing = [
    ...(anonKey ? [] : [SMOKE_KEY_ENV.anon]),
    ...(serviceRoleKey ? [] : [SMOKE_KEY_ENV.serviceRole]),
  ];
  if (missing.length > 0) {
    throw new Error(
      `${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not set; --url needs the project's keys in the environment`,
    );
  }
  return { url: source.url, anonKey, serviceRoleKey };
}
