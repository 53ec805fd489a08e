/**
 * One project's Studio: the environment of the Studio container the master starts for it.
 *
 * Studio 2026.02 self-hosted serves exactly one project (`ref: 'default'`), and everything it
 * knows about that project comes from its environment: the database it asks pg-meta to open
 * (POSTGRES_*, encrypted with PG_META_CRYPTO_KEY into `x-connection-encrypted`), the pg-meta
 * URL (STUDIO_PG_META_URL), the API it calls for auth users and storage (SUPABASE_URL with
 * SUPABASE_SERVICE_KEY as `apiKey`). So each project gets a Studio of its own, configured with
 * upstream's full list of settings (supabase/supabase docker/docker-compose.yml, `studio`
 * service) filled in with that project's values, and nothing of any other project.
 *
 * Where a value differs from upstream's, the reason is next to it; settings withheld on
 * purpose are listed in STUDIO_WITHHELD.
 */
import { Secret } from '../../../core/seal/secret.ts';
import { images } from '../../../cloud-init/versions.ts';

/** The worker settings Studio mirrors (cloud-init/worker/compose.ts, the `rest` and `meta` services). */
export const WORKER_DB = { host: 'db', port: '5432', name: 'postgres' } as const;
export const WORKER_PGRST = {
  schemas: 'public,storage,graphql_public,supafleet',
  maxRows: '1000',
  extraSearchPath: 'public',
} as const;

/** The port Studio's Next.js server listens on inside its container. */
export const STUDIO_PORT = 3000;

/** What one project's Studio is built from. */
export interface StudioProjectInput {
  /** Project name: the container's name and Studio's DEFAULT_PROJECT_NAME. */
  readonly name: string;
  /** Host label: the project's API is `https://<subdomain>.<domain>`. */
  readonly subdomain: string;
  readonly postgresPassword: Secret;
  readonly pgMetaCryptoKey: Secret;
  readonly anonKey: Secret;
  readonly serviceRoleKey: Secret;
  readonly jwtSecret: Secret;
}

export interface StudioFleetInput {
  /** Fleet name: Studio's DEFAULT_ORGANIZATION_NAME. */
  readonly name: string;
  /** Project hosts live under it. */
  readonly domain: string;
}

/** A setting's value: plain text, or a Secret that stays redacted until handed to Docker. */
export type StudioValue = string | Secret;

export interface StudioSettings {
  /** The project this Studio serves. */
  readonly project: string;
  /** Container name, `supafleet-studio-<project>`. */
  readonly container: string;
  readonly image: string;
  /** Upstream's variables with this project's values, sorted by name. */
  readonly env: Readonly<Record<string, StudioValue>>;
}

/**
 * Upstream settings a fleet Studio does not get, and why. Each is a deliberate difference, never
 * an omission: the unit test fails when an upstream variable is neither set nor listed here.
 */
export const STUDIO_WITHHELD: Readonly<Record<string, string>> = {
  // The fleet has one Logflare whose sources hold every project's logs, and Studio 2026.02 has no
  // per-project filter: giving a project's Studio the tokens would show it every project's logs.
  LOGFLARE_API_KEY: 'Logflare is shared by all projects; Studio would show every project’s logs',
  LOGFLARE_PUBLIC_ACCESS_TOKEN: 'Logflare is shared by all projects; Studio would show every project’s logs',
  LOGFLARE_PRIVATE_ACCESS_TOKEN: 'Logflare is shared by all projects; Studio would show every project’s logs',
  LOGFLARE_URL: 'Logflare is shared by all projects; Studio would show every project’s logs',
  // The management folders are bind mounts of the upstream host's own files; a fleet Studio keeps
  // no state on the master, so snippets live in the browser and functions in the repository.
  SNIPPETS_MANAGEMENT_FOLDER: 'no per-project state on the master; snippets stay in the browser',
  EDGE_FUNCTIONS_MANAGEMENT_FOLDER: 'functions are deployed from the repository, not from Studio',
};

/** `supafleet-studio-<name>`: the container (and Docker DNS name) of one project's Studio. */
export function studioContainerName(project: string): string {
  if (!/^[a-z][a-z0-9-]{1,31}$/.test(project)) {
    throw new Error(
      `project name: ${JSON.stringify(project)} is not a project name (a-z, 0-9, -; 2-32 chars)`,
    );
  }
  return `supafleet-studio-${project}`;
}

/** The settings of one project's Studio. Pure: the same input always renders the same settings. */
export function studioSettings(fleet: StudioFleetInput, p: StudioProjectInput): StudioSettings {
  const api = `https://${p.subdomain}.${fleet.domain}`;
  const env: Record<string, StudioValue> = {
    // The project's own values, through the project's own route.
    AUTH_JWT_SECRET: p.jwtSecret,
    DEFAULT_ORGANIZATION_NAME: fleet.name,
    DEFAULT_PROJECT_NAME: p.name,
    // Upstream binds "::"; kept.
    HOSTNAME: '::',
    NEXT_ANALYTICS_BACKEND_PROVIDER: 'postgres',
    // Off: the logs views would read the fleet-wide Logflare (see STUDIO_WITHHELD).
    NEXT_PUBLIC_ENABLE_LOGS: 'false',
    OPENAI_API_KEY: '',
    // The connection Studio encrypts for pg-meta is opened by the worker's pg-meta, so it names
    // the database as the worker's compose network does.
    PG_META_CRYPTO_KEY: p.pgMetaCryptoKey,
    PGRST_DB_EXTRA_SEARCH_PATH: WORKER_PGRST.extraSearchPath,
    PGRST_DB_MAX_ROWS: WORKER_PGRST.maxRows,
    PGRST_DB_SCHEMAS: WORKER_PGRST.schemas,
    POSTGRES_DB: WORKER_DB.name,
    POSTGRES_HOST: WORKER_DB.host,
    POSTGRES_PASSWORD: p.postgresPassword,
    POSTGRES_PORT: WORKER_DB.port,
    // Kong routes by Host, so the project's own host (upstream: http://meta:8080, one stack).
    // The /pg/ route admits only this project's service key, which Studio sends as `apiKey`.
    STUDIO_PG_META_URL: `${api}/pg`,
    SUPABASE_ANON_KEY: p.anonKey,
    SUPABASE_PUBLIC_URL: api,
    SUPABASE_SERVICE_KEY: p.serviceRoleKey,
    // Upstream: http://kong:8000, whose Host matches no project route here.
    SUPABASE_URL: api,
  };
  const sorted: Record<string, StudioValue> = {};
  for (const k of Object.keys(env).sort()) sorted[k] = env[k]!;
  return { project: p.name, container: studioContainerName(p.name), image: images.studio, env: sorted };
}

/** `KEY=value` lines for Docker's container create (the only place the secrets are revealed). */
export function studioEnvList(s: StudioSettings): string[] {
  return Object.entries(s.env).map(([k, v]) => `${k}=${v instanceof Secret ? v.reveal() : v}`);
}
