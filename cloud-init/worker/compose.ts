/**
 * The worker's docker-compose.yml. Secrets come from `.env` as `${NAME}`; spec values
 * are YAML scalars with `$` doubled so Compose never interpolates them. Every
 * published port is bound to the worker's wg address: Docker-published ports
 * bypass UFW, so nothing is published on a public interface.
 */
import { images } from '../versions.ts';
import { composeLiteral } from '../shared/env-file.ts';
import { memoryLimits, sharedBuffers } from '../shared/memory.ts';
import { toYaml } from '../shared/yaml.ts';
import { masterWgAddress } from '../shared/checks.ts';
import { dockerLogsProxy } from '../shared/docker-api.ts';
import { openedValue, publicUrl, type WorkerBundleInput } from './input.ts';

/** Service → port the master's Kong (and Supavisor, for db) reaches over wg. */
export const WORKER_PORTS = {
  auth: 9999,
  db: 5432,
  functions: 9000,
  meta: 8080,
  realtime: 4000,
  rest: 3000,
  storage: 5000,
} as const;

const WEIGHTS = {
  agent: 3,
  'socket-proxy': 1,
  auth: 5,
  db: 35,
  functions: 12,
  imgproxy: 6,
  meta: 4,
  realtime: 10,
  rest: 6,
  storage: 8,
  vector: 4,
} as const;

type Env = Record<string, string>;

const lit = composeLiteral;

function healthcheck(test: string[], interval = '10s', retries = 5): object {
  return { test, interval, timeout: '5s', retries, start_period: '20s' };
}

function wget(url: string): string[] {
  return ['CMD', 'wget', '--no-verbose', '--tries=1', '--spider', url];
}

function dbUrl(user: string, passwordVar: string): string {
  return `postgres://${user}:\${${passwordVar}}@db:5432/postgres`;
}

function authEnv(input: WorkerBundleInput): Env {
  const { project } = input;
  const env: Env = {
    API_EXTERNAL_URL: lit(publicUrl(input)),
    GOTRUE_API_HOST: '0.0.0.0',
    GOTRUE_API_PORT: '9999',
    GOTRUE_DB_DATABASE_URL: dbUrl('supabase_auth_admin', 'AUTH_ADMIN_PASSWORD'),
    GOTRUE_DB_DRIVER: 'postgres',
    GOTRUE_DISABLE_SIGNUP: String(!project.auth.signup.enabled),
    GOTRUE_EXTERNAL_EMAIL_ENABLED: 'true',
    GOTRUE_JWT_ADMIN_ROLES: 'service_role',
    GOTRUE_JWT_AUD: 'authenticated',
    GOTRUE_JWT_DEFAULT_GROUP_NAME: 'authenticated',
    GOTRUE_JWT_EXP: '3600',
    GOTRUE_JWT_SECRET: '${JWT_SECRET}',
    GOTRUE_MAILER_AUTOCONFIRM: String(project.auth.signup.email_autoconfirm),
    // Links in auth e-mails go through the master's Kong to GoTrue's verify endpoint.
    GOTRUE_MAILER_URLPATHS_CONFIRMATION: '/auth/v1/verify',
    GOTRUE_MAILER_URLPATHS_EMAIL_CHANGE: '/auth/v1/verify',
    GOTRUE_MAILER_URLPATHS_INVITE: '/auth/v1/verify',
    GOTRUE_MAILER_URLPATHS_RECOVERY: '/auth/v1/verify',
    GOTRUE_SITE_URL: lit(project.auth.site_url ?? publicUrl(input)),
    GOTRUE_URI_ALLOW_LIST: lit(project.auth.redirect_urls.join(',')),
  };
  const smtp = project.auth.smtp;
  if (smtp) {
    openedValue(input, 'auth.smtp.pass');
    Object.assign(env, {
      GOTRUE_SMTP_ADMIN_EMAIL: lit(smtp.sender),
      GOTRUE_SMTP_HOST: lit(smtp.host),
      GOTRUE_SMTP_PASS: '${SMTP_PASS}',
      GOTRUE_SMTP_PORT: String(smtp.port),
      GOTRUE_SMTP_SENDER_NAME: lit(smtp.sender_name ?? ''),
      GOTRUE_SMTP_USER: lit(smtp.user),
    });
  }
  for (const provider of Object.keys(project.auth.external).sort()) {
    const p = project.auth.external[provider]!;
    const key = provider.toUpperCase();
    openedValue(input, `auth.external.${provider}.secret`);
    env[`GOTRUE_EXTERNAL_${key}_ENABLED`] = 'true';
    env[`GOTRUE_EXTERNAL_${key}_CLIENT_ID`] = lit(p.client_id);
    env[`GOTRUE_EXTERNAL_${key}_SECRET`] = `\${EXTERNAL_${key}_SECRET}`;
    env[`GOTRUE_EXTERNAL_${key}_REDIRECT_URI`] = lit(`${publicUrl(input)}/auth/v1/callback`);
    if (p.url !== undefined) env[`GOTRUE_EXTERNAL_${key}_URL`] = lit(p.url);
  }
  return env;
}

/** The compose document as a plain object (rendered to YAML by `renderWorkerCompose`). */
export function workerComposeDocument(input: WorkerBundleInput): Record<string, unknown> {
  const { project, wgAddress } = input;
  const mem = memoryLimits(project.server.type, WEIGHTS);
  const publish = (svc: keyof typeof WORKER_PORTS) => [
    `${wgAddress}:${WORKER_PORTS[svc]}:${WORKER_PORTS[svc]}`,
  ];
  const common = { restart: 'unless-stopped' };
  const dbHealthy = { db: { condition: 'service_healthy' } };

  const services: Record<string, Record<string, unknown>> = {
    db: {
      ...common,
      image: images.postgres,
      command: [
        'postgres',
        '-c',
        'config_file=/etc/postgresql/postgresql.conf',
        '-c',
        `shared_buffers=${sharedBuffers(mem.db)}`,
        '-c',
        'log_min_messages=fatal',
      ],
      environment: {
        AUTHENTICATOR_PASSWORD: '${AUTHENTICATOR_PASSWORD}',
        AUTH_ADMIN_PASSWORD: '${AUTH_ADMIN_PASSWORD}',
        FUNCTIONS_ADMIN_PASSWORD: '${FUNCTIONS_ADMIN_PASSWORD}',
        JWT_EXP: '3600',
        JWT_SECRET: '${JWT_SECRET}',
        PGBOUNCER_PASSWORD: '${PGBOUNCER_PASSWORD}',
        PGDATABASE: 'postgres',
        PGPORT: '5432',
        POSTGRES_DB: 'postgres',
        POSTGRES_HOST: '/var/run/postgresql',
        POSTGRES_PASSWORD: '${POSTGRES_PASSWORD}',
        POSTGRES_PORT: '5432',
        STORAGE_ADMIN_PASSWORD: '${STORAGE_ADMIN_PASSWORD}',
      },
      healthcheck: healthcheck(['CMD', 'pg_isready', '-U', 'postgres', '-h', 'localhost']),
      mem_limit: mem.db,
      ports: publish('db'),
      shm_size: '256m',
      // The image's migrate.sh runs init-scripts/*.sql as postgres, then migrations/*.sql as
      // supabase_admin, each in byte order after the image's own files; the names are upstream's
      // (supabase/supabase docker/docker-compose.yml:471-485 at the pinned release).
      volumes: [
        './db/init/webhooks.sql:/docker-entrypoint-initdb.d/init-scripts/98-webhooks.sql:ro',
        './db/init/roles.sql:/docker-entrypoint-initdb.d/init-scripts/99-roles.sql:ro',
        './db/init/jwt.sql:/docker-entrypoint-initdb.d/init-scripts/99-jwt.sql:ro',
        './db/init/realtime.sql:/docker-entrypoint-initdb.d/migrations/99-realtime.sql:ro',
        // supafleet's own: the schema PostgREST exposes for supafleet smoke (PGRST_DB_SCHEMAS)
        './db/init/supafleet.sql:/docker-entrypoint-initdb.d/migrations/99-supafleet.sql:ro',
        'db-data:/var/lib/postgresql/data',
        'db-config:/etc/postgresql-custom',
      ],
    },
    auth: {
      ...common,
      image: images.auth,
      depends_on: dbHealthy,
      environment: authEnv(input),
      healthcheck: healthcheck(wget('http://localhost:9999/health')),
      mem_limit: mem.auth,
      ports: publish('auth'),
    },
    rest: {
      ...common,
      image: images.rest,
      command: ['postgrest'],
      depends_on: dbHealthy,
      environment: {
        PGRST_ADMIN_SERVER_PORT: '3001',
        PGRST_APP_SETTINGS_JWT_EXP: '3600',
        PGRST_APP_SETTINGS_JWT_SECRET: '${JWT_SECRET}',
        PGRST_DB_ANON_ROLE: 'anon',
        PGRST_DB_EXTRA_SEARCH_PATH: 'public',
        PGRST_DB_MAX_ROWS: '1000',
        // upstream's three, plus `supafleet` (granted to service_role only) where `supafleet smoke` keeps its table
        PGRST_DB_SCHEMAS: 'public,storage,graphql_public,supafleet',
        PGRST_DB_URI: dbUrl('authenticator', 'AUTHENTICATOR_PASSWORD'),
        PGRST_DB_USE_LEGACY_GUCS: 'false',
        PGRST_JWT_SECRET: '${JWT_SECRET}',
      },
      healthcheck: healthcheck(['CMD', 'postgrest', '--ready']),
      mem_limit: mem.rest,
      ports: publish('rest'),
    },
    realtime: {
      ...common,
      image: images.realtime,
      depends_on: dbHealthy,
      environment: {
        ANON_KEY: '${ANON_KEY}',
        API_JWT_SECRET: '${JWT_SECRET}',
        APP_NAME: 'realtime',
        DB_AFTER_CONNECT_QUERY: 'SET search_path TO _realtime',
        DB_ENC_KEY: '${REALTIME_DB_ENC_KEY}',
        DB_HOST: 'db',
        DB_NAME: 'postgres',
        DB_PASSWORD: '${POSTGRES_PASSWORD}',
        DB_PORT: '5432',
        DB_USER: 'supabase_admin',
        DISABLE_HEALTHCHECK_LOGGING: 'true',
        DNS_NODES: "''",
        ERL_AFLAGS: '-proto_dist inet_tcp',
        METRICS_JWT_SECRET: '${JWT_SECRET}',
        PORT: '4000',
        RLIMIT_NOFILE: '10000',
        RUN_JANITOR: 'true',
        SECRET_KEY_BASE: '${SECRET_KEY_BASE}',
        SEED_SELF_HOST: 'true',
      },
      healthcheck: healthcheck(
        [
          'CMD-SHELL',
          'curl -sSfL --head -o /dev/null -H "Authorization: Bearer $$ANON_KEY" http://localhost:4000/api/tenants/realtime-dev/health',
        ],
        '30s',
        3,
      ),
      mem_limit: mem.realtime,
      ports: publish('realtime'),
    },
    storage: {
      ...common,
      image: images.storage,
      depends_on: {
        ...dbHealthy,
        imgproxy: { condition: 'service_started' },
        rest: { condition: 'service_started' },
      },
      environment: {
        ANON_KEY: '${ANON_KEY}',
        DATABASE_URL: dbUrl('supabase_storage_admin', 'STORAGE_ADMIN_PASSWORD'),
        ENABLE_IMAGE_TRANSFORMATION: 'true',
        FILE_SIZE_LIMIT: String(project.storage.file_size_limit_mb * 1024 * 1024),
        FILE_STORAGE_BACKEND_PATH: '/var/lib/storage',
        GLOBAL_S3_BUCKET: 'stub',
        IMGPROXY_URL: 'http://imgproxy:5001',
        PGRST_JWT_SECRET: '${JWT_SECRET}',
        POSTGREST_URL: 'http://rest:3000',
        REGION: 'local',
        REQUEST_ALLOW_X_FORWARDED_PATH: 'true',
        // Static credentials of the S3-compatible endpoint, per project (upstream docker-compose.yml:345-346).
        S3_PROTOCOL_ACCESS_KEY_ID: '${S3_PROTOCOL_ACCESS_KEY_ID}',
        S3_PROTOCOL_ACCESS_KEY_SECRET: '${S3_PROTOCOL_ACCESS_KEY_SECRET}',
        SERVICE_KEY: '${SERVICE_ROLE_KEY}',
        STORAGE_BACKEND: 'file',
        STORAGE_PUBLIC_URL: lit(publicUrl(input)),
        TENANT_ID: 'stub',
      },
      // By service name, as upstream (docker-compose.yml:314).
      healthcheck: healthcheck(wget('http://storage:5000/status')),
      mem_limit: mem.storage,
      ports: publish('storage'),
      // A named volume, not a path in the bundle: the bundle directory changes with every revision.
      volumes: ['storage-data:/var/lib/storage'],
    },
    imgproxy: {
      ...common,
      image: images.imgproxy,
      environment: {
        IMGPROXY_BIND: ':5001',
        IMGPROXY_ENABLE_WEBP_DETECTION: 'true',
        IMGPROXY_LOCAL_FILESYSTEM_ROOT: '/',
        IMGPROXY_MAX_SRC_RESOLUTION: '16.8',
        IMGPROXY_USE_ETAG: 'true',
      },
      healthcheck: healthcheck(['CMD', 'imgproxy', 'health']),
      mem_limit: mem.imgproxy,
      volumes: ['storage-data:/var/lib/storage:ro'],
    },
    meta: {
      ...common,
      image: images.meta,
      depends_on: dbHealthy,
      environment: {
        CRYPTO_KEY: '${PG_META_CRYPTO_KEY}',
        PG_META_DB_HOST: 'db',
        PG_META_DB_NAME: 'postgres',
        PG_META_DB_PASSWORD: '${POSTGRES_PASSWORD}',
        PG_META_DB_PORT: '5432',
        PG_META_DB_USER: 'supabase_admin',
        PG_META_PORT: '8080',
      },
      healthcheck: healthcheck([
        'CMD',
        'node',
        '-e',
        "fetch('http://localhost:8080/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))",
      ]),
      mem_limit: mem.meta,
      ports: publish('meta'),
    },
    functions: {
      ...common,
      image: images.functions,
      command: ['start', '--main-service', '/home/deno/functions/main'],
      depends_on: dbHealthy,
      environment: {
        JWT_SECRET: '${JWT_SECRET}',
        SUPABASE_ANON_KEY: '${ANON_KEY}',
        // As upstream (docker-compose.yml:408): the postgres role, which owns the app's schemas.
        SUPABASE_DB_URL: 'postgresql://postgres:${POSTGRES_PASSWORD}@db:5432/postgres',
        SUPABASE_PUBLIC_URL: lit(publicUrl(input)),
        SUPABASE_SERVICE_ROLE_KEY: '${SERVICE_ROLE_KEY}',
        SUPABASE_URL: lit(publicUrl(input)),
        VERIFY_JWT: String(project.functions.verify_jwt),
      },
      // The image is debian:bookworm-slim with neither curl nor wget (supabase/edge-runtime
      // v1.70.3 Dockerfile:32-40), and its /bin/sh is dash, which has no /dev/tcp: bash has.
      healthcheck: healthcheck(['CMD', 'bash', '-c', 'exec 3<>/dev/tcp/127.0.0.1/9000']),
      mem_limit: mem.functions,
      ports: publish('functions'),
      volumes: [
        './functions:/home/deno/functions:ro',
        './function-secrets.json:/run/supafleet/function-secrets.json:ro',
        'deno-cache:/root/.cache/deno',
      ],
    },
    vector: {
      ...common,
      image: images.vector,
      command: ['--config', '/etc/vector/vector.yml'],
      depends_on: { 'docker-logs': { condition: 'service_started' } },
      environment: {
        // Container logs through the read-only proxy, never the Docker socket.
        DOCKER_HOST: 'tcp://docker-logs:2375',
        LOGFLARE_API_KEY: '${LOGFLARE_API_KEY}',
        SUPAFLEET_MASTER: masterWgAddress(input.fleet.network.cidr),
        SUPAFLEET_PROJECT: project.name,
      },
      healthcheck: healthcheck(wget('http://vector:9001/health')),
      mem_limit: mem.vector,
      networks: ['default', 'docker-logs'],
      volumes: ['./vector/vector.yml:/etc/vector/vector.yml:ro'],
    },
    'docker-logs': dockerLogsProxy(images.socketProxy, mem['socket-proxy']),
    ...agentServices(project.server.type),
  };
  return {
    services,
    volumes: { 'db-config': {}, 'db-data': {}, 'deno-cache': {}, ...AGENT_VOLUMES },
    networks: { default: {}, 'docker-logs': {}, ...AGENT_NETWORKS },
  };
}

/** The uid of the agent image's non-root user; the bootstrap gives it its config and state. */
export const AGENT_UID = 1000;
/** Where the agent container sees the storage volume (read-only, for backups). */
export const AGENT_STORAGE_MOUNT = '/var/lib/supafleet/storage';
/** Named volumes the agent's services use. */
export const AGENT_VOLUMES = { 'storage-data': {} } as const;
/**
 * The socket proxy's own network: no stack service joins it, so none can resolve or
 * reach the proxy (Docker isolates bridge networks from each other).
 */
export const AGENT_NETWORKS = { 'docker-api': {} } as const;

/**
 * The agent and the Docker socket proxy it talks to, exactly as the bootstrap
 * starts them before the first bundle, so the first `docker compose up` finds
 * them unchanged and leaves them running. The agent runs as a non-root user on
 * the host network (its command listener is on the wg address), without the
 * Docker socket: the proxy on loopback allows only what converging and backups
 * need. It sees the storage volume read-only, for backups. Converging arbitrary
 * compose is root on the worker by design, so the proxy must be out of the
 * stack's reach: it sits alone on its own network (`docker-api`), published on
 * 127.0.0.1 only, which no container can reach.
 */
export function agentServices(serverTypeName: string): Record<string, Record<string, unknown>> {
  const mem = memoryLimits(serverTypeName, WEIGHTS);
  return {
    agent: {
      depends_on: { 'socket-proxy': { condition: 'service_healthy' } },
      environment: {
        DOCKER_HOST: 'tcp://127.0.0.1:2375',
        SUPAFLEET_AGENT_CONFIG: '/etc/supafleet/agent.json',
      },
      image: images.agent,
      mem_limit: mem.agent,
      network_mode: 'host',
      restart: 'unless-stopped',
      volumes: [
        '/etc/supafleet:/etc/supafleet:ro',
        '/opt/supafleet:/opt/supafleet',
        `storage-data:${AGENT_STORAGE_MOUNT}:ro`,
      ],
    },
    'socket-proxy': {
      environment: {
        CONTAINERS: '1',
        EXEC: '1',
        IMAGES: '1',
        INFO: '1',
        NETWORKS: '1',
        POST: '1',
        VOLUMES: '1',
      },
      healthcheck: healthcheck(['CMD', 'wget', '-q', '--spider', 'http://127.0.0.1:2375/_ping']),
      image: images.socketProxy,
      mem_limit: mem['socket-proxy'],
      networks: ['docker-api'],
      // Loopback only: the agent on the host network is its one client.
      ports: ['127.0.0.1:2375:2375'],
      restart: 'unless-stopped',
      volumes: ['/var/run/docker.sock:/var/run/docker.sock:ro'],
    },
  };
}

export function renderWorkerCompose(input: WorkerBundleInput): string {
  return toYaml(workerComposeDocument(input));
}
