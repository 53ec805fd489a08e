/**
 * The master's docker-compose.yml. Caddy and the master API run on the host network
 * (Caddy terminates TLS for the public, the master API manages wg0); everything else
 * publishes on loopback only. Workers reach only the master API's agent listener (its
 * wg address); their logs go through it to Logflare, which listens on loopback alone.
 *
 * Least reach inside the host: Kong's Admin API listens only on its own network
 * (`kong-admin`), which no other container joins; the master API reaches it from the
 * host network at its fixed address. Vector reads container logs through a read-only
 * Docker API proxy on its own network, never the Docker socket. The master API gets
 * its encryption key as a file and `/etc/supafleet` read-only. There is no Docker API
 * for anything else.
 */
import type { ResolvedFleet } from '../../core/spec/defaults.ts';
import { images } from '../versions.ts';
import { memoryLimits } from '../shared/memory.ts';
import { toYaml } from '../shared/yaml.ts';
import { dockerLogsProxy, dockerStudioProxy } from '../shared/docker-api.ts';
import { MASTER_PEERS_DIR, MASTER_PEERS_FILE, masterLayout, STUDIO_FRONT_LISTEN, WG_PORT } from './layout.ts';

const WEIGHTS = {
  authelia: 2,
  caddy: 3,
  db: 20,
  kong: 8,
  logflare: 12,
  master: 6,
  redis: 2,
  'docker-logs': 1,
  studio: 8,
  supavisor: 6,
  vector: 3,
} as const;

/**
 * Project Studios (master/src/studio/): the master starts one per project on demand, on this
 * network (created by master-up.sh with inter-container traffic off, so no Studio reaches
 * another), through a Docker API proxy that allows containers and images only.
 */
export const STUDIO_NETWORK = 'supafleet-studio';
/**
 * The Studio Docker API proxy's network: a fixed, small subnet like Kong Admin's, so the master
 * API calls it at a fixed address, and wg0.conf's OUTPUT rule keeps it to the master API's user
 * (Caddy, on the host network and facing the internet, gets a reset).
 */
export const STUDIO_DOCKER_NETWORK = { subnet: '172.31.254.0/29', proxy: '172.31.254.2' } as const;
export const STUDIO_DOCKER_URL = `http://${STUDIO_DOCKER_NETWORK.proxy}:2375`;
/** A project Studio's memory limit, in MiB. */
export const STUDIO_INSTANCE_MB = 384;

/**
 * How many project Studios may run at once: the memory share the master gives Studio (its
 * weight above) divided by one Studio's limit, at least one. The least recently used Studio is
 * stopped to make room, and any Studio idle for 15 minutes.
 */
export function studioBudget(serverType: string): { max: number; memoryMb: number; shareMb: number } {
  const shareMb = Number.parseInt(memoryLimits(serverType, WEIGHTS).studio, 10);
  return {
    max: Math.max(1, Math.floor(shareMb / STUDIO_INSTANCE_MB)),
    memoryMb: STUDIO_INSTANCE_MB,
    shareMb,
  };
}

/** Kong's Admin API network: a fixed, small subnet so the master API has a fixed URL. */
export const KONG_ADMIN_NETWORK = { subnet: '172.31.255.0/29', kong: '172.31.255.2' } as const;
export const KONG_ADMIN_URL = `http://${KONG_ADMIN_NETWORK.kong}:8001`;
/** Supavisor's management API on the master's loopback (the master API runs on the host network). */
export const SUPAVISOR_API_PORT = 4100;
/**
 * Supavisor's proxy ports as published on every address of the master: transaction mode on
 * 6543 as upstream; session mode on 5433, since the host's 5432 carries the master database.
 */
export const POOLER_PUBLIC_PORTS = { session: 5433, transaction: 6543 } as const;
/** Where Supavisor keeps the certificate it offers clients (a named volume). */
export const POOLER_TLS_DIR = '/etc/supavisor/tls';

/**
 * Shell that makes Supavisor's client certificate once, in its own container (the image
 * installs openssl: supabase/supavisor Dockerfile@v2.7.4:67): self-signed, for `fleet.<domain>`
 * and every project host. Supavisor offers TLS only with a certificate and key
 * (GLOBAL_DOWNSTREAM_CERT_PATH and _KEY_PATH, config/runtime.exs:125-150,
 * lib/supavisor/client_handler.ex:163-201) and refuses to start when the files named do not
 * exist, so they are made before it starts. No `$` in it: compose would interpolate it.
 */
export function poolerTlsScript(domain: string, dir = POOLER_TLS_DIR): string {
  return (
    `[ -s ${dir}/cert.pem ] && [ -s ${dir}/key.pem ] || ` +
    `openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj '/CN=fleet.${domain}' ` +
    `-addext 'subjectAltName=DNS:fleet.${domain},DNS:*.${domain}' ` +
    `-keyout ${dir}/key.pem -out ${dir}/cert.pem`
  );
}
/** Where the master API container reads its encryption key (written by master-up.sh). */
export const SECRETS_KEY_FILE = '/run/secrets/supafleet-secrets-key';

function hc(test: string[], interval = '10s'): object {
  return { test, interval, timeout: '5s', retries: 5, start_period: '30s' };
}

export function masterComposeDocument(fleet: ResolvedFleet): Record<string, unknown> {
  const layout = masterLayout(fleet);
  const mem = memoryLimits(fleet.master.server.type, WEIGHTS);
  const studio = studioBudget(fleet.master.server.type);
  const common = { restart: 'unless-stopped' };
  const dbHealthy = { db: { condition: 'service_healthy' } };
  const kongDb = {
    KONG_DATABASE: 'postgres',
    KONG_PG_DATABASE: 'kong',
    KONG_PG_HOST: 'db',
    KONG_PG_PASSWORD: '${KONG_DB_PASSWORD}',
    KONG_PG_USER: 'kong',
  };
  const services: Record<string, Record<string, unknown>> = {
    caddy: {
      ...common,
      image: fleet.tls.mode === 'wildcard_dns' ? images.caddyDns : images.caddy,
      environment: {
        DASHBOARD_PASSWORD_HASH: '${DASHBOARD_PASSWORD_HASH:-}',
        DNS_API_TOKEN: '${DNS_API_TOKEN:-}',
      },
      healthcheck: hc([
        'CMD',
        'wget',
        '--no-verbose',
        '--tries=1',
        '--spider',
        'http://127.0.0.1:2019/config/',
      ]),
      mem_limit: mem.caddy,
      network_mode: 'host',
      // certificates live under caddy/, which the master's backup keeps (no mass reissue after a restore)
      volumes: ['./caddy/Caddyfile:/etc/caddy/Caddyfile:ro', './caddy/data:/data', 'caddy-config:/config'],
    },
    db: {
      ...common,
      image: images.postgres,
      environment: {
        KONG_DB_PASSWORD: '${KONG_DB_PASSWORD}',
        PGPORT: '5432',
        POSTGRES_DB: 'postgres',
        POSTGRES_HOST: '/var/run/postgresql',
        POSTGRES_PASSWORD: '${POSTGRES_PASSWORD}',
        POSTGRES_PORT: '5432',
        REGISTRY_DB_PASSWORD: '${REGISTRY_DB_PASSWORD}',
      },
      healthcheck: hc(['CMD', 'pg_isready', '-U', 'postgres', '-h', 'localhost']),
      mem_limit: mem.db,
      ports: ['127.0.0.1:5432:5432'],
      volumes: [
        './db/init.sql:/docker-entrypoint-initdb.d/init-scripts/99-supafleet.sql:ro',
        'db-data:/var/lib/postgresql/data',
        'db-config:/etc/postgresql-custom',
      ],
    },
    'kong-migrations': {
      image: images.kong,
      command: ['sh', '-c', 'kong migrations bootstrap && kong migrations up && kong migrations finish'],
      depends_on: dbHealthy,
      environment: kongDb,
      restart: 'on-failure',
    },
    kong: {
      ...common,
      image: images.kong,
      depends_on: { 'kong-migrations': { condition: 'service_completed_successfully' } },
      environment: {
        ...kongDb,
        // On the kong-admin network only: no other container can reach the Admin API.
        KONG_ADMIN_LISTEN: `${KONG_ADMIN_NETWORK.kong}:8001`,
        KONG_DNS_ORDER: 'LAST,A,CNAME',
        KONG_NGINX_PROXY_PROXY_BUFFERS: '64 160k',
        KONG_NGINX_PROXY_PROXY_BUFFER_SIZE: '160k',
        KONG_PLUGINS: 'request-transformer,cors,key-auth,acl,basic-auth,request-termination,ip-restriction',
        KONG_PROXY_LISTEN: '0.0.0.0:8000',
        KONG_TRUSTED_IPS: '0.0.0.0/0',
        KONG_REAL_IP_HEADER: 'X-Forwarded-For',
      },
      healthcheck: hc(['CMD', 'kong', 'health']),
      mem_limit: mem.kong,
      networks: {
        default: {},
        'kong-admin': { ipv4_address: KONG_ADMIN_NETWORK.kong },
      },
      ports: ['127.0.0.1:8000:8000'],
    },
    master: {
      ...common,
      image: images.master,
      cap_add: ['NET_ADMIN'],
      depends_on: { ...dbHealthy, kong: { condition: 'service_healthy' } },
      environment: {
        DATABASE_URL: 'postgres://supafleet:${REGISTRY_DB_PASSWORD}@127.0.0.1:5432/supafleet',
        KONG_ADMIN_URL,
        SUPAFLEET_AGENT_LISTEN: layout.agentListen,
        SUPAFLEET_FLEET_FILE: '/etc/supafleet/fleet.yaml',
        SUPAFLEET_LISTEN: layout.apiListen,
        // Worker logs (POST /v1/agent/logs) are forwarded here with Logflare's ingest token.
        SUPAFLEET_LOGFLARE_TOKEN: '${LOGFLARE_PUBLIC_ACCESS_TOKEN}',
        SUPAFLEET_LOGFLARE_URL: 'http://127.0.0.1:4000',
        // The public pooler ports, for the connection strings the credentials endpoint hands out.
        SUPAFLEET_POOLER_SESSION_PORT: String(POOLER_PUBLIC_PORTS.session),
        SUPAFLEET_POOLER_TRANSACTION_PORT: String(POOLER_PUBLIC_PORTS.transaction),
        // Installed by the operator or the master workflow, never by user_data (see docs/cloud-init.md).
        SUPAFLEET_SEAL_PRIVATE_KEY_FILE: '/etc/supafleet/fleet-seal.key',
        SUPAFLEET_SECRETS_KEY_FILE: SECRETS_KEY_FILE,
        // One Studio per project, started on demand through the container-only Docker API proxy
        // (master/src/studio/, docs/studio.md); at most STUDIO_MAX at once, each with its limit.
        SUPAFLEET_STUDIO_DOCKER_URL: STUDIO_DOCKER_URL,
        // where Caddy sends studio-<project> hosts (caddyfile.ts)
        SUPAFLEET_STUDIO_LISTEN: STUDIO_FRONT_LISTEN,
        SUPAFLEET_STUDIO_MAX: String(studio.max),
        SUPAFLEET_STUDIO_MEMORY_MB: String(studio.memoryMb),
        SUPAFLEET_STUDIO_NETWORK: STUDIO_NETWORK,
        // One Supavisor tenant per project, through Supavisor's management API (master/src/pooler/).
        SUPAFLEET_SUPAVISOR_JWT_SECRET: '${SUPAVISOR_JWT_SECRET}',
        SUPAFLEET_SUPAVISOR_URL: `http://127.0.0.1:${SUPAVISOR_API_PORT}`,
        // Peers added live are kept in a peers-only file that wg0.conf loads on start.
        SUPAFLEET_WG_CONFIG: MASTER_PEERS_FILE,
        SUPAFLEET_WG_ENDPOINT: `fleet.${layout.domain}:${WG_PORT}`,
      },
      healthcheck: hc([
        'CMD',
        'node',
        '-e',
        "fetch('http://127.0.0.1:8080/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))",
      ]),
      mem_limit: mem.master,
      network_mode: 'host',
      // It reads fleet.yaml and the seal key; it writes only WireGuard's peers, in their own directory.
      volumes: [
        '/etc/supafleet:/etc/supafleet:ro',
        `${MASTER_PEERS_DIR}:${MASTER_PEERS_DIR}`,
        `./secrets/secrets-key:${SECRETS_KEY_FILE}:ro`,
      ],
    },
    logflare: {
      ...common,
      image: images.logflare,
      depends_on: dbHealthy,
      environment: {
        DB_DATABASE: '_supabase',
        DB_HOSTNAME: 'db',
        DB_PASSWORD: '${POSTGRES_PASSWORD}',
        DB_PORT: '5432',
        DB_SCHEMA: '_analytics',
        DB_USERNAME: 'supabase_admin',
        LOGFLARE_FEATURE_FLAG_OVERRIDE: 'multibackend=true',
        LOGFLARE_NODE_HOST: '127.0.0.1',
        LOGFLARE_PRIVATE_ACCESS_TOKEN: '${LOGFLARE_PRIVATE_ACCESS_TOKEN}',
        LOGFLARE_PUBLIC_ACCESS_TOKEN: '${LOGFLARE_PUBLIC_ACCESS_TOKEN}',
        LOGFLARE_SINGLE_TENANT: 'true',
        LOGFLARE_SUPABASE_MODE: 'true',
        POSTGRES_BACKEND_SCHEMA: '_analytics',
        POSTGRES_BACKEND_URL: 'postgresql://supabase_admin:${POSTGRES_PASSWORD}@db:5432/_supabase',
      },
      healthcheck: hc(['CMD', 'curl', '-sf', 'http://localhost:4000/health']),
      mem_limit: mem.logflare,
      // Loopback only: single-tenant Logflare has no browser authentication. The master API
      // (host network) forwards worker logs to it here; Studio and Vector use the compose network.
      ports: ['127.0.0.1:4000:4000'],
    },
    vector: {
      ...common,
      image: images.vector,
      command: ['--config', '/etc/vector/vector.yml'],
      depends_on: { 'docker-logs': { condition: 'service_started' } },
      environment: {
        DOCKER_HOST: 'tcp://docker-logs:2375',
        LOGFLARE_PUBLIC_ACCESS_TOKEN: '${LOGFLARE_PUBLIC_ACCESS_TOKEN}',
      },
      healthcheck: hc([
        'CMD',
        'wget',
        '--no-verbose',
        '--tries=1',
        '--spider',
        'http://localhost:9001/health',
      ]),
      mem_limit: mem.vector,
      networks: ['default', 'docker-logs'],
      volumes: ['./vector/vector.yml:/etc/vector/vector.yml:ro'],
    },
    'docker-logs': dockerLogsProxy(images.socketProxy, mem['docker-logs']),
    'docker-studio': dockerStudioProxy(images.socketProxy, mem['docker-logs'], STUDIO_DOCKER_NETWORK.proxy),
    supavisor: {
      ...common,
      image: images.supavisor,
      command: ['/bin/sh', '-c', `${poolerTlsScript(layout.domain)} && /app/bin/migrate && /app/bin/server`],
      depends_on: dbHealthy,
      environment: {
        API_JWT_SECRET: '${SUPAVISOR_JWT_SECRET}',
        CLUSTER_POSTGRES: 'true',
        DATABASE_URL: 'ecto://supabase_admin:${POSTGRES_PASSWORD}@db:5432/_supabase',
        ERL_AFLAGS: '-proto_dist inet_tcp',
        // TLS for clients that ask for it (sslmode=require; pin cert.pem for verify-full)
        GLOBAL_DOWNSTREAM_CERT_PATH: `${POOLER_TLS_DIR}/cert.pem`,
        GLOBAL_DOWNSTREAM_KEY_PATH: `${POOLER_TLS_DIR}/key.pem`,
        METRICS_JWT_SECRET: '${SUPAVISOR_JWT_SECRET}',
        POOLER_DEFAULT_POOL_SIZE: '20',
        POOLER_MAX_CLIENT_CONN: '100',
        POOLER_POOL_MODE: 'transaction',
        PORT: '4000',
        REGION: 'local',
        SECRET_KEY_BASE: '${SUPAVISOR_SECRET_KEY_BASE}',
        VAULT_ENC_KEY: '${SUPAVISOR_VAULT_ENC_KEY}',
      },
      healthcheck: hc([
        'CMD',
        'curl',
        '-sSfL',
        '--head',
        '-o',
        '/dev/null',
        'http://127.0.0.1:4000/api/health',
      ]),
      mem_limit: mem.supavisor,
      // The management API on loopback for the master API; the two proxy ports public, where
      // clients connect as postgres.<project>. The host's 5432 is the master database's
      // (loopback), so session mode is published on 5433.
      ports: [
        `127.0.0.1:${SUPAVISOR_API_PORT}:4000`,
        `${POOLER_PUBLIC_PORTS.session}:5432`,
        `${POOLER_PUBLIC_PORTS.transaction}:6543`,
      ],
      volumes: [`pooler-tls:${POOLER_TLS_DIR}`],
    },
  };
  if (fleet.authelia.enabled) {
    services.authelia = {
      ...common,
      image: images.authelia,
      depends_on: { redis: { condition: 'service_healthy' } },
      environment: {
        AUTHELIA_IDENTITY_VALIDATION_RESET_PASSWORD_JWT_SECRET: '${AUTHELIA_RESET_PASSWORD_JWT_SECRET}',
        AUTHELIA_SESSION_REDIS_PASSWORD: '${REDIS_PASSWORD}',
        AUTHELIA_SESSION_SECRET: '${AUTHELIA_SESSION_SECRET}',
        AUTHELIA_STORAGE_ENCRYPTION_KEY: '${AUTHELIA_STORAGE_ENCRYPTION_KEY}',
      },
      healthcheck: hc([
        'CMD',
        'wget',
        '--no-verbose',
        '--tries=1',
        '--spider',
        'http://127.0.0.1:9091/api/health',
      ]),
      mem_limit: mem.authelia,
      ports: ['127.0.0.1:9091:9091'],
      volumes: [
        './authelia/configuration.yml:/config/configuration.yml:ro',
        // TOTP and WebAuthn registrations live under authelia/, which the master's backup keeps
        './authelia/data:/data',
        './authelia/users.yml:/config/users.yml',
      ],
    };
    services.redis = {
      ...common,
      image: images.redis,
      command: ['sh', '-c', 'exec redis-server --requirepass "$$REDIS_PASSWORD" --appendonly yes'],
      environment: { REDIS_PASSWORD: '${REDIS_PASSWORD}' },
      healthcheck: hc(['CMD-SHELL', 'REDISCLI_AUTH="$$REDIS_PASSWORD" redis-cli ping | grep -q PONG']),
      mem_limit: mem.redis,
      volumes: ['redis-data:/data'],
    };
  }
  const volumes: Record<string, object> = {
    'caddy-config': {},
    'db-config': {},
    'db-data': {},
    'pooler-tls': {},
  };
  if (fleet.authelia.enabled) Object.assign(volumes, { 'redis-data': {} });
  const networks = {
    default: {},
    'docker-logs': {},
    'docker-studio': { ipam: { config: [{ subnet: STUDIO_DOCKER_NETWORK.subnet }] } },
    'kong-admin': { ipam: { config: [{ subnet: KONG_ADMIN_NETWORK.subnet }] } },
  };
  return { services, volumes, networks };
}

export function renderMasterCompose(fleet: ResolvedFleet): string {
  return toYaml(masterComposeDocument(fleet));
}
