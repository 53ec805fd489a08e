/**
 * The master's docker-compose.yml. Caddy and the master API run on the host network
 * (Caddy terminates TLS for the public, the master API manages wg0); everything else
 * publishes on loopback only. Workers reach only the master API's agent listener (its
 * wg address); their logs go through it to Logflare, which listens on loopback alone.
 */
import type { ResolvedFleet } from '../../core/spec/defaults.ts';
import { images } from '../versions.ts';
import { composeLiteral } from '../shared/env-file.ts';
import { memoryLimits } from '../shared/memory.ts';
import { toYaml } from '../shared/yaml.ts';
import { masterLayout, WG_PORT } from './layout.ts';

const WEIGHTS = {
  authelia: 2,
  caddy: 3,
  db: 20,
  kong: 8,
  logflare: 12,
  master: 6,
  redis: 2,
  'socket-proxy': 1,
  studio: 8,
  supavisor: 6,
  vector: 3,
} as const;

function hc(test: string[], interval = '10s'): object {
  return { test, interval, timeout: '5s', retries: 5, start_period: '30s' };
}

export function masterComposeDocument(fleet: ResolvedFleet): Record<string, unknown> {
  const layout = masterLayout(fleet);
  const mem = memoryLimits(fleet.master.server.type, WEIGHTS);
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
        KONG_ADMIN_LISTEN: '0.0.0.0:8001',
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
      ports: ['127.0.0.1:8000:8000', '127.0.0.1:8001:8001'],
    },
    studio: {
      ...common,
      image: images.studio,
      depends_on: { logflare: { condition: 'service_healthy' } },
      environment: {
        DEFAULT_ORGANIZATION_NAME: composeLiteral(fleet.name),
        DEFAULT_PROJECT_NAME: composeLiteral(fleet.name),
        HOSTNAME: '0.0.0.0',
        LOGFLARE_PRIVATE_ACCESS_TOKEN: '${LOGFLARE_PRIVATE_ACCESS_TOKEN}',
        LOGFLARE_PUBLIC_ACCESS_TOKEN: '${LOGFLARE_PUBLIC_ACCESS_TOKEN}',
        LOGFLARE_URL: 'http://logflare:4000',
        NEXT_ANALYTICS_BACKEND_PROVIDER: 'postgres',
        NEXT_PUBLIC_ENABLE_LOGS: 'true',
        SUPABASE_PUBLIC_URL: `https://studio.${layout.domain}`,
        SUPABASE_URL: 'http://kong:8000',
      },
      healthcheck: hc([
        'CMD',
        'node',
        '-e',
        "fetch('http://127.0.0.1:3000/api/platform/profile').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))",
      ]),
      mem_limit: mem.studio,
      ports: ['127.0.0.1:3000:3000'],
    },
    master: {
      ...common,
      image: images.master,
      cap_add: ['NET_ADMIN'],
      depends_on: { ...dbHealthy, kong: { condition: 'service_healthy' } },
      environment: {
        DATABASE_URL: 'postgres://supafleet:${REGISTRY_DB_PASSWORD}@127.0.0.1:5432/supafleet',
        KONG_ADMIN_URL: 'http://127.0.0.1:8001',
        SUPAFLEET_AGENT_LISTEN: layout.agentListen,
        SUPAFLEET_FLEET_FILE: '/etc/supafleet/fleet.yaml',
        SUPAFLEET_LISTEN: layout.apiListen,
        // Worker logs (POST /v1/agent/logs) are forwarded here with Logflare's ingest token.
        SUPAFLEET_LOGFLARE_TOKEN: '${LOGFLARE_PUBLIC_ACCESS_TOKEN}',
        SUPAFLEET_LOGFLARE_URL: 'http://127.0.0.1:4000',
        // Installed by the operator or the master workflow, never by user_data (see docs/cloud-init.md).
        SUPAFLEET_SEAL_PRIVATE_KEY_FILE: '/etc/supafleet/fleet-seal.key',
        SUPAFLEET_SECRETS_KEY: '${SUPAFLEET_SECRETS_KEY}',
        // Peers added live are kept in a peers-only file that wg0.conf loads on start.
        SUPAFLEET_WG_CONFIG: '/etc/wireguard/peers.conf',
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
      volumes: ['/etc/supafleet:/etc/supafleet', '/etc/wireguard:/etc/wireguard'],
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
      environment: { LOGFLARE_PUBLIC_ACCESS_TOKEN: '${LOGFLARE_PUBLIC_ACCESS_TOKEN}' },
      healthcheck: hc([
        'CMD',
        'wget',
        '--no-verbose',
        '--tries=1',
        '--spider',
        'http://localhost:9001/health',
      ]),
      mem_limit: mem.vector,
      volumes: [
        './vector/vector.yml:/etc/vector/vector.yml:ro',
        '/var/run/docker.sock:/var/run/docker.sock:ro',
      ],
    },
    supavisor: {
      ...common,
      image: images.supavisor,
      command: ['/bin/sh', '-c', '/app/bin/migrate && /app/bin/server'],
      depends_on: dbHealthy,
      environment: {
        API_JWT_SECRET: '${SUPAVISOR_JWT_SECRET}',
        CLUSTER_POSTGRES: 'true',
        DATABASE_URL: 'ecto://supabase_admin:${POSTGRES_PASSWORD}@db:5432/_supabase',
        ERL_AFLAGS: '-proto_dist inet_tcp',
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
      ports: ['127.0.0.1:4100:4000', '127.0.0.1:5433:5432', '127.0.0.1:6543:6543'],
    },
    'socket-proxy': {
      ...common,
      image: images.socketProxy,
      environment: {
        CONTAINERS: '1',
        IMAGES: '0',
        INFO: '1',
        NETWORKS: '0',
        POST: '0',
        SERVICES: '0',
        TASKS: '0',
        VOLUMES: '0',
      },
      mem_limit: mem['socket-proxy'],
      ports: ['127.0.0.1:2375:2375'],
      read_only: true,
      tmpfs: ['/run'],
      volumes: ['/var/run/docker.sock:/var/run/docker.sock:ro'],
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
  };
  if (fleet.authelia.enabled) Object.assign(volumes, { 'redis-data': {} });
  return { services, volumes };
}

export function renderMasterCompose(fleet: ResolvedFleet): string {
  return toYaml(masterComposeDocument(fleet));
}
