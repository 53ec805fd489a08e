import type { FleetSpec } from './fleet.gen.ts';
import type { ProjectSpec } from './project.gen.ts';
import { defaultAdminDomain } from './rules/admin-zone.ts';

/** The default WireGuard network when fleet.yaml sets none. */
export const DEFAULT_CIDR = '10.100.0.0/24';
/** The default backup schedule (daily at 03:00 UTC). */
export const DEFAULT_BACKUP_SCHEDULE = '0 3 * * *';

/** A project spec with every default filled in: what renderers and the planner work from. */
export interface ResolvedProject {
  readonly name: string;
  readonly subdomain: string;
  readonly server: { readonly type: string; readonly location: string };
  readonly protect: boolean;
  readonly auth: {
    readonly site_url?: string;
    readonly redirect_urls: readonly string[];
    readonly signup: { readonly enabled: boolean; readonly email_autoconfirm: boolean };
    readonly smtp?: NonNullable<NonNullable<ProjectSpec['auth']>['smtp']>;
    readonly external: Readonly<
      Record<string, { readonly client_id: string; readonly secret: string; readonly url?: string }>
    >;
  };
  readonly api: { readonly cors_origins: readonly string[] };
  readonly functions: { readonly verify_jwt: boolean; readonly secrets: Readonly<Record<string, string>> };
  readonly storage: { readonly file_size_limit_mb: number };
  readonly backup: {
    readonly schedule: string;
    readonly keep: { readonly daily: number; readonly weekly: number; readonly monthly: number };
    readonly healthcheck_url?: string;
  };
}

/** A fleet spec with every default filled in. */
export interface ResolvedFleet extends Omit<
  FleetSpec,
  'admin_domain' | 'network' | 'tls' | 'authelia' | 'ssh'
> {
  /** The admin zone (Authelia's cookie domain): `admin_domain`, or `admin.<domain>`. */
  readonly admin_domain: string;
  readonly network: { readonly cidr: string };
  readonly tls: {
    readonly mode: 'on_demand' | 'wildcard_dns';
    readonly email?: string;
    readonly dns_provider?: 'hetzner' | 'cloudflare';
  };
  readonly authelia: { readonly enabled: boolean };
  readonly ssh: {
    readonly user: string;
    readonly authorized_keys: readonly string[];
    readonly workers_public: boolean;
  };
}

/** Fills the schema defaults into a (valid) project spec. Pure; does not validate. */
export function resolveProject(spec: ProjectSpec): ResolvedProject {
  const auth = spec.auth ?? {};
  return {
    name: spec.name,
    subdomain: spec.subdomain ?? spec.name,
    server: { type: spec.server.type, location: spec.server.location },
    protect: spec.protect ?? false,
    auth: {
      ...(auth.site_url !== undefined ? { site_url: auth.site_url } : {}),
      redirect_urls: auth.redirect_urls ?? [],
      signup: {
        // Without SMTP no confirmation mail can be sent, so sign-up is off unless asked for.
        enabled: auth.signup?.enabled ?? auth.smtp !== undefined,
        email_autoconfirm: auth.signup?.email_autoconfirm ?? false,
      },
      ...(auth.smtp !== undefined ? { smtp: auth.smtp } : {}),
      external: auth.external ?? {},
    },
    api: { cors_origins: spec.api?.cors_origins ?? [] },
    functions: {
      verify_jwt: spec.functions?.verify_jwt ?? true,
      secrets: spec.functions?.secrets ?? {},
    },
    storage: { file_size_limit_mb: spec.storage?.file_size_limit_mb ?? 50 },
    backup: {
      schedule: spec.backup?.schedule ?? DEFAULT_BACKUP_SCHEDULE,
      keep: {
        daily: spec.backup?.keep?.daily ?? 7,
        weekly: spec.backup?.keep?.weekly ?? 4,
        monthly: spec.backup?.keep?.monthly ?? 6,
      },
      ...(spec.backup?.healthcheck_url !== undefined ? { healthcheck_url: spec.backup.healthcheck_url } : {}),
    },
  };
}

/** Fills the schema defaults into a (valid) fleet spec. Pure; does not validate. */
export function resolveFleet(spec: FleetSpec): ResolvedFleet {
  return {
    ...spec,
    admin_domain: spec.admin_domain ?? defaultAdminDomain(spec.domain),
    network: { cidr: spec.network?.cidr ?? DEFAULT_CIDR },
    tls: { ...spec.tls, mode: spec.tls?.mode ?? 'on_demand' },
    authelia: { enabled: spec.authelia?.enabled ?? true },
    ssh: {
      user: spec.ssh?.user ?? 'deploy',
      authorized_keys: spec.ssh?.authorized_keys ?? [],
      workers_public: spec.ssh?.workers_public ?? true,
    },
  };
}
