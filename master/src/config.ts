import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { Secret, publicKeyOf } from '../../core/seal/index.ts';
import type { FleetSpec } from '../../core/spec/types.ts';
import { DEFAULT_CIDR } from '../../core/spec/types.ts';
import { POOLER_PUBLIC_PORTS } from '../../cloud-init/master/compose.ts';
import { DEFAULT_OIDC_ENVIRONMENT } from './auth/oidc-policy.ts';
import { DEFAULT_SMOKE_SETTINGS, type SmokeSettings } from './smoke.ts';
import type { StudioConfig } from './studio/service.ts';
import { fleetSchemaErrors } from './validation.ts';
import { masterAddress, parseCidr, type Cidr } from './wg-ip.ts';

/** The master's settings, parsed once from the environment; nothing else reads process.env. */
export interface Config {
  readonly databaseUrl: Secret;
  readonly dbPoolSize: number;
  readonly fleetFile: string;
  readonly fleet: FleetSpec;
  readonly cidr: Cidr;
  readonly listen: HostPort;
  readonly agentListen: HostPort;
  readonly agentUrl: string;
  readonly agentCommandPort: number;
  readonly oidc: {
    readonly issuer: string;
    readonly jwksUrl: string;
    readonly audience: string;
    /** The GitHub deployment environment whose workflow tokens may write. */
    readonly environment: string;
  };
  readonly secretsKey: Secret;
  readonly sealPrivateKey: Secret;
  readonly kongAdminUrl: string;
  /** Logflare, where worker logs are forwarded (`logs/ingest.ts`); absent: log shipping is off. */
  readonly logflare?: { readonly url: string; readonly token: Secret };
  /**
   * Supavisor's management API, the secret its tokens are signed with, and the public ports
   * clients connect to (`pooler/`); absent: the master manages no pooler tenants.
   */
  readonly supavisor?: {
    readonly url: string;
    readonly jwtSecret: Secret;
    readonly ports: { readonly transaction: number; readonly session: number };
    /** Seconds between reconciles of every enrolled project's tenant; 0: only the one at start. */
    readonly reconcileIntervalS: number;
  };
  /** Project Studios started on demand (`studio/`, docs/studio.md); absent: no Studio front. */
  readonly studio?: StudioConfig;
  /** Empty: WireGuard is not managed (development). */
  readonly wgInterface: string;
  readonly wgConfigPath: string;
  readonly wgEndpoint: string;
  readonly wgKeepalive: number;
  /** Seconds between WireGuard peer reconciles; 0: only the one at start. */
  readonly wgReconcileIntervalS: number;
  readonly heartbeatHistory: number;
  readonly publicRateLimitPerMinute: number;
  /** Projects whose health badge the public listener serves. */
  readonly publicBadges: readonly string[];
  readonly logLevel: string;
  /** The master-side smoke (`smoke.ts`): where it connects for a project's URL, and its limits. */
  readonly smoke: SmokeSettings;
}

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/** A setting is missing or malformed; the message lists every one of them. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
}

export const GITHUB_OIDC_ISSUER = 'https://token.actions.githubusercontent.com';
export const GITHUB_OIDC_JWKS = 'https://token.actions.githubusercontent.com/.well-known/jwks';

type Env = Readonly<Record<string, string | undefined>>;

function parseHostPort(v: string): HostPort | undefined {
  const m = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(v);
  if (!m) return undefined;
  const port = Number(m[2]);
  if (port < 1 || port > 65535) return undefined;
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port };
}

function isUrl(v: string, protocols: readonly string[]): boolean {
  try {
    return protocols.includes(new URL(v).protocol);
  } catch {
    return false;
  }
}

function isKey32(v: string): boolean {
  return /^[A-Za-z0-9+/]{43}=$/.test(v.trim()) && Buffer.from(v.trim(), 'base64').length === 32;
}

/**
 * Reads and checks the configuration. Throws ConfigError naming every missing or
 * malformed setting (never its value when the setting is secret).
 */
export async function loadConfig(env: Env, readText = (p: string) => readFile(p, 'utf8')): Promise<Config> {
  const problems: string[] = [];
  const get = (k: string): string | undefined => {
    const v = env[k];
    return v === undefined || v.trim() === '' ? undefined : v.trim();
  };
  const required = (k: string, hint: string): string => {
    const v = get(k);
    if (v === undefined) problems.push(`${k} is not set; expected ${hint}`);
    return v ?? '';
  };
  const int = (k: string, def: number, min: number, max: number, hint = ''): number => {
    const v = get(k);
    if (v === undefined) return def;
    if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) {
      problems.push(`${k} is "${v}"; expected an integer from ${min} to ${max}${hint}`);
      return def;
    }
    return Number(v);
  };

  const databaseUrl = required('DATABASE_URL', 'a postgres:// URL of the registry database');
  if (databaseUrl && !isUrl(databaseUrl, ['postgres:', 'postgresql:'])) {
    problems.push('DATABASE_URL is not a postgres:// or postgresql:// URL');
  }

  const fleetFile = required('SUPAFLEET_FLEET_FILE', 'the path of fleet.yaml');
  let fleet: FleetSpec | undefined;
  if (fleetFile) {
    try {
      const doc: unknown = parseYaml(await readText(fleetFile), { maxAliasCount: 10 });
      const errs = fleetSchemaErrors(doc);
      if (errs.length > 0)
        problems.push(`SUPAFLEET_FLEET_FILE ${fleetFile} is not a valid fleet: ${errs.join('; ')}`);
      else fleet = doc as FleetSpec;
    } catch (err) {
      problems.push(`SUPAFLEET_FLEET_FILE ${fleetFile} cannot be read: ${(err as Error).message}`);
    }
  }
  let cidr: Cidr | undefined;
  if (fleet) {
    try {
      cidr = parseCidr(fleet.network?.cidr ?? DEFAULT_CIDR);
    } catch (err) {
      problems.push(`network.cidr in ${fleetFile}: ${(err as Error).message}`);
    }
  }

  const listenText = get('SUPAFLEET_LISTEN') ?? '127.0.0.1:8080';
  const listen = parseHostPort(listenText);
  if (!listen) problems.push(`SUPAFLEET_LISTEN is "${listenText}"; expected host:port, e.g. 127.0.0.1:8080`);

  const agentListenText = get('SUPAFLEET_AGENT_LISTEN') ?? (cidr ? `${masterAddress(cidr)}:8081` : '');
  const agentListen = parseHostPort(agentListenText);
  if (cidr && !agentListen) {
    problems.push(
      `SUPAFLEET_AGENT_LISTEN is "${agentListenText}"; expected host:port on the master's wg address`,
    );
  }
  const agentUrl = get('SUPAFLEET_AGENT_URL') ?? (agentListen ? `http://${agentListenText}` : '');
  if (agentUrl && !isUrl(agentUrl, ['http:', 'https:'])) {
    problems.push(
      `SUPAFLEET_AGENT_URL is "${agentUrl}"; expected an http(s) URL such as http://10.100.0.1:8081`,
    );
  }

  const issuer = get('SUPAFLEET_OIDC_ISSUER') ?? GITHUB_OIDC_ISSUER;
  if (!isUrl(issuer, ['https:', 'http:']))
    problems.push(`SUPAFLEET_OIDC_ISSUER is "${issuer}"; expected a URL`);
  const jwksUrl = get('SUPAFLEET_OIDC_JWKS_URL') ?? GITHUB_OIDC_JWKS;
  if (!isUrl(jwksUrl, ['https:', 'http:']))
    problems.push(`SUPAFLEET_OIDC_JWKS_URL is "${jwksUrl}"; expected a URL`);
  const audience = get('SUPAFLEET_OIDC_AUDIENCE') ?? 'supafleet';
  const environment = get('SUPAFLEET_OIDC_ENVIRONMENT') ?? DEFAULT_OIDC_ENVIRONMENT;
  // GitHub environment names: up to 255 characters, no control characters (kept to a safe subset here)
  if (!/^[A-Za-z0-9][A-Za-z0-9 ._-]{0,254}$/.test(environment)) {
    problems.push(
      `SUPAFLEET_OIDC_ENVIRONMENT is "${environment.slice(0, 64)}"; expected a GitHub environment name such as production`,
    );
  }

  /** A secret setting, given directly or as `<NAME>_FILE` (a path to read it from, e.g. a container secret). */
  const secret = async (k: string, hint: string): Promise<string> => {
    const file = get(`${k}_FILE`);
    if (file === undefined) return required(k, hint);
    if (get(k) !== undefined) problems.push(`${k} and ${k}_FILE are both set; set one of them`);
    try {
      return (await readText(file)).trim();
    } catch (err) {
      problems.push(`${k}_FILE ${file} cannot be read: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
      return '';
    }
  };
  const secretsKey = await secret(
    'SUPAFLEET_SECRETS_KEY',
    'base64 of 32 random bytes (openssl rand -base64 32)',
  );
  if (secretsKey && !isKey32(secretsKey)) {
    problems.push('SUPAFLEET_SECRETS_KEY is malformed; expected base64 of 32 bytes (44 characters)');
  }
  const sealKey = await secret(
    'SUPAFLEET_SEAL_PRIVATE_KEY',
    'the fleet seal private key printed by `supafleet keygen`',
  );
  if (sealKey && !isKey32(sealKey)) {
    problems.push('SUPAFLEET_SEAL_PRIVATE_KEY is malformed; expected base64 of 32 bytes (44 characters)');
  } else if (sealKey && fleet && (await publicKeyOf(new Secret(sealKey))) !== fleet.seal.public_key) {
    problems.push(`SUPAFLEET_SEAL_PRIVATE_KEY does not belong to seal.public_key in ${fleetFile}`);
  }

  const kongAdminUrl = required('KONG_ADMIN_URL', 'the Kong Admin API URL, e.g. http://127.0.0.1:8001');
  if (kongAdminUrl && !isUrl(kongAdminUrl, ['http:', 'https:'])) {
    problems.push(`KONG_ADMIN_URL is "${kongAdminUrl}"; expected an http(s) URL`);
  }

  const wgInterface = env.SUPAFLEET_WG_INTERFACE === undefined ? 'wg0' : env.SUPAFLEET_WG_INTERFACE.trim();
  if (wgInterface && !/^[A-Za-z0-9_=+.-]{1,15}$/.test(wgInterface)) {
    problems.push(
      `SUPAFLEET_WG_INTERFACE is "${wgInterface}"; expected an interface name of 1-15 characters`,
    );
  }
  const wgConfigPath = get('SUPAFLEET_WG_CONFIG') ?? `/etc/wireguard/${wgInterface || 'wg0'}.conf`;
  const wgEndpoint = wgInterface
    ? required(
        'SUPAFLEET_WG_ENDPOINT',
        "host:port where workers reach the master's WireGuard, e.g. 203.0.113.10:51820",
      )
    : (get('SUPAFLEET_WG_ENDPOINT') ?? '127.0.0.1:51820');
  if (wgEndpoint && !parseHostPort(wgEndpoint)) {
    problems.push(`SUPAFLEET_WG_ENDPOINT is "${wgEndpoint}"; expected host:port, e.g. 203.0.113.10:51820`);
  }

  const logflareToken =
    get('SUPAFLEET_LOGFLARE_TOKEN') !== undefined || get('SUPAFLEET_LOGFLARE_TOKEN_FILE') !== undefined
      ? await secret('SUPAFLEET_LOGFLARE_TOKEN', "Logflare's public access token")
      : '';
  const logflareUrl = get('SUPAFLEET_LOGFLARE_URL') ?? 'http://127.0.0.1:4000';
  if (!isUrl(logflareUrl, ['http:', 'https:'])) {
    problems.push(
      `SUPAFLEET_LOGFLARE_URL is "${logflareUrl}"; expected an http(s) URL, e.g. http://127.0.0.1:4000`,
    );
  }

  const supavisorUrl = get('SUPAFLEET_SUPAVISOR_URL');
  if (supavisorUrl !== undefined && !isUrl(supavisorUrl, ['http:', 'https:'])) {
    problems.push(
      `SUPAFLEET_SUPAVISOR_URL is "${supavisorUrl}"; expected an http(s) URL, e.g. http://127.0.0.1:4100`,
    );
  }
  const supavisorSecret =
    supavisorUrl !== undefined
      ? await secret('SUPAFLEET_SUPAVISOR_JWT_SECRET', "Supavisor's API_JWT_SECRET")
      : '';

  const publicBadges = (get('SUPAFLEET_PUBLIC_BADGES') ?? '')
    .split(',')
    .map((n) => n.trim())
    .filter((n) => n !== '');
  for (const n of publicBadges) {
    if (!/^[a-z][a-z0-9-]{1,31}$/.test(n)) {
      problems.push(
        `SUPAFLEET_PUBLIC_BADGES names "${n.slice(0, 64)}"; expected project names separated by commas`,
      );
    }
  }

  // Project Studios: on when the Docker API that starts them is given (the master stack does).
  const studioDockerUrl = get('SUPAFLEET_STUDIO_DOCKER_URL');
  if (studioDockerUrl !== undefined && !isUrl(studioDockerUrl, ['http:'])) {
    problems.push(
      `SUPAFLEET_STUDIO_DOCKER_URL is "${studioDockerUrl}"; expected an http URL, e.g. http://172.31.254.2:2375`,
    );
  }
  const studioListenText = get('SUPAFLEET_STUDIO_LISTEN') ?? '127.0.0.1:8090';
  const studioListen = parseHostPort(studioListenText);
  if (studioDockerUrl !== undefined && !studioListen) {
    problems.push(
      `SUPAFLEET_STUDIO_LISTEN is "${studioListenText}"; expected host:port, e.g. 127.0.0.1:8090`,
    );
  }
  const studio: Omit<StudioConfig, 'dockerUrl' | 'listen'> = {
    network: get('SUPAFLEET_STUDIO_NETWORK') ?? 'supafleet-studio',
    max: int('SUPAFLEET_STUDIO_MAX', 1, 1, 100, ' (project Studios running at once)'),
    memoryMb: int('SUPAFLEET_STUDIO_MEMORY_MB', 384, 128, 65_536, " (one Studio's memory limit, MiB)"),
    idleMinutes: int(
      'SUPAFLEET_STUDIO_IDLE_MINUTES',
      15,
      1,
      1440,
      ' (minutes before an unused Studio stops)',
    ),
    portBase: int('SUPAFLEET_STUDIO_PORT_BASE', 3100, 1024, 65_000, ' (first loopback port of the Studios)'),
  };

  const logLevel = get('SUPAFLEET_LOG_LEVEL') ?? 'info';
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel)) {
    problems.push(
      `SUPAFLEET_LOG_LEVEL is "${logLevel}"; expected fatal, error, warn, info, debug, trace or silent`,
    );
  }

  const config = {
    dbPoolSize: int('SUPAFLEET_DB_POOL_SIZE', 10, 1, 100),
    agentCommandPort: int('SUPAFLEET_AGENT_COMMAND_PORT', 8082, 1, 65535),
    wgKeepalive: int('SUPAFLEET_WG_KEEPALIVE', 25, 1, 600),
    wgReconcileIntervalS: int(
      'SUPAFLEET_WG_RECONCILE_INTERVAL_S',
      30,
      0,
      3600,
      ' (seconds between WireGuard peer reconciles; 0 keeps only the one at start)',
    ),
    heartbeatHistory: int('SUPAFLEET_HEARTBEAT_HISTORY', 100, 1, 10_000),
    publicRateLimitPerMinute: int('SUPAFLEET_PUBLIC_RATE_LIMIT', 120, 1, 1_000_000),
  };
  // The ports the master stack publishes Supavisor on (session mode on 5433: the host's 5432 is
  // the master database's), so connection strings name them even where the stack's variables
  // are not set.
  const poolerPorts = {
    transaction: int('SUPAFLEET_POOLER_TRANSACTION_PORT', POOLER_PUBLIC_PORTS.transaction, 1, 65535),
    session: int('SUPAFLEET_POOLER_SESSION_PORT', POOLER_PUBLIC_PORTS.session, 1, 65535),
  };
  // The smoke reaches https://<project>.<domain> through this host's Caddy (127.0.0.1:443, SNI
  // the project's host) unless told to connect elsewhere, or to ask DNS ("dns").
  const smokeConnectText = get('SUPAFLEET_SMOKE_CONNECT') ?? '127.0.0.1:443';
  const smokeConnect = smokeConnectText === 'dns' ? undefined : parseHostPort(smokeConnectText);
  if (smokeConnectText !== 'dns' && !smokeConnect) {
    problems.push(
      `SUPAFLEET_SMOKE_CONNECT is "${smokeConnectText.slice(0, 64)}"; expected host:port of the master's Caddy (e.g. 127.0.0.1:443) or dns`,
    );
  }
  const smokeCaFile = get('SUPAFLEET_SMOKE_CA_FILE');
  let smokeCa: string | undefined;
  if (smokeCaFile !== undefined) {
    try {
      smokeCa = await readText(smokeCaFile);
      if (!smokeCa.includes('-----BEGIN CERTIFICATE-----')) {
        problems.push(`SUPAFLEET_SMOKE_CA_FILE ${smokeCaFile} holds no PEM certificate`);
      }
    } catch (err) {
      problems.push(`SUPAFLEET_SMOKE_CA_FILE ${smokeCaFile} cannot be read: ${(err as Error).message}`);
    }
  }
  const smoke: SmokeSettings = {
    edge: {
      ...(smokeConnect ? { connect: { address: smokeConnect.host, port: smokeConnect.port } } : {}),
      ...(smokeCa ? { ca: smokeCa } : {}),
    },
    stepTimeoutMs: DEFAULT_SMOKE_SETTINGS.stepTimeoutMs,
    timeoutMs: int('SUPAFLEET_SMOKE_TIMEOUT_S', 120, 10, 900, ' (seconds a whole smoke may take)') * 1000,
  };
  const poolerReconcileIntervalS = int(
    'SUPAFLEET_POOLER_RECONCILE_INTERVAL_S',
    300,
    0,
    86_400,
    ' (seconds between pooler tenant reconciles; 0 keeps only the one at start)',
  );
  if (problems.length > 0 || !fleet || !cidr || !listen || !agentListen) throw new ConfigError(problems);
  return {
    ...config,
    databaseUrl: new Secret(databaseUrl),
    fleetFile,
    fleet,
    cidr,
    listen,
    agentListen,
    agentUrl,
    oidc: { issuer, jwksUrl, audience, environment },
    secretsKey: new Secret(secretsKey),
    sealPrivateKey: new Secret(sealKey),
    kongAdminUrl,
    ...(logflareToken ? { logflare: { url: logflareUrl, token: new Secret(logflareToken) } } : {}),
    ...(supavisorUrl !== undefined && supavisorSecret
      ? {
          supavisor: {
            url: supavisorUrl,
            jwtSecret: new Secret(supavisorSecret),
            ports: poolerPorts,
            reconcileIntervalS: poolerReconcileIntervalS,
          },
        }
      : {}),
    ...(studioDockerUrl !== undefined && studioListen
      ? { studio: { ...studio, dockerUrl: studioDockerUrl, listen: studioListen } }
      : {}),
    wgInterface,
    wgConfigPath,
    wgEndpoint,
    publicBadges,
    logLevel,
    smoke,
  };
}
