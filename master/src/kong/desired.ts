import type { Secret } from '../../../core/seal/secret.ts';
import type { KongBodyMap, KongKind } from './types.ts';
import { nameUuid } from './uuid.ts';

/** What the Kong layout of one project is built from. */
export interface KongProjectInput {
  /** Project name: prefixes every entity name and the ACL groups. */
  name: string;
  /** Host label: routes match `<subdomain>.<domain>`. */
  subdomain: string;
  domain: string;
  /** The worker's WireGuard IP: every service points there. */
  upstreamHost: string;
  anonKey: Secret;
  serviceRoleKey: Secret;
  /** Allowed browser origins; empty allows any origin. */
  corsOrigins: readonly string[];
}

/** Desired body per kind; a key-auth credential's key stays a Secret until it is sent. */
export interface KongDesiredBodyMap extends Omit<KongBodyMap, 'key-auths'> {
  'key-auths': { key: Secret; tags: string[] };
}

/** One entity supafleet wants: its endpoint key, the parent it hangs on, and its body. */
export interface DesiredEntity<K extends KongKind> {
  kind: K;
  /** Name, username, plugin instance name, or (credentials, ACLs) a name-based UUID. */
  key: string;
  /** Service name (routes), route name (plugins) or consumer username (credentials, ACLs). */
  parent?: string;
  body: KongDesiredBodyMap[K];
}

/** A project's whole desired Kong layout, per kind, sorted by key. */
export type KongState = { [K in KongKind]: DesiredEntity<K>[] };

/** Tag every supafleet entity carries. */
export const SUPAFLEET_TAG = 'supafleet';

/** Tag that ties an entity to its project. */
export function projectTag(name: string): string {
  return `project-${name}`;
}

/** The project a tag list belongs to, or null. */
export function projectOfTags(tags: readonly string[] | null | undefined): string | null {
  const t = (tags ?? []).find((x) => x.startsWith('project-'));
  return t === undefined ? null : t.slice('project-'.length);
}

/** How a route is protected. */
export type RouteAccess =
  /** cors only: GoTrue's public endpoints (verify links, OAuth callbacks, JWKS). */
  | 'open'
  /** cors only: Storage verifies the JWT itself (and S3 requests carry no apikey). */
  | 'storage'
  /**
   * cors only: the Edge Functions runtime enforces `verify_jwt` itself, so public webhook
   * functions (`verify_jwt: false`) are reachable without an apikey, as in upstream's kong.yml.
   */
  | 'functions'
  /** key-auth + ACL admitting this project's anon and admin groups. */
  | 'keyed'
  /** key-auth + ACL admitting this project's admin group only. */
  | 'admin'
  /** request-termination 403: never proxied. */
  | 'blocked';

interface ServiceSpec {
  port: number;
  path: string;
  readTimeout?: number;
}

interface RouteSpec {
  service: string;
  paths: string[];
  access: RouteAccess;
  /** Headers the request-transformer adds when absent (`Name:value`, Kong templates allowed). Never Host. */
  addHeaders?: string[];
  /**
   * Headers the request-transformer replaces (`Name:value`). Kong's `replace` is the only
   * section that can set the upstream Host (request-transformer/access.lua:198 at 3.9.1).
   */
  replaceHeaders?: string[];
}

/** Ports of the Supabase services on a worker. */
export const SUPABASE_PORTS = {
  auth: 9999,
  rest: 3000,
  realtime: 4000,
  storage: 5000,
  functions: 9000,
  meta: 8080,
} as const;

/**
 * Services per project, by name suffix. The main services are `auth`, `rest`, `graphql`,
 * `realtime`, `storage`, `functions` and `meta`; the others exist because Kong strips the
 * matched route prefix and appends the rest to the service path, so an upstream path that
 * differs needs its own service.
 */
export const SERVICES: Readonly<Record<string, ServiceSpec>> = {
  auth: { port: SUPABASE_PORTS.auth, path: '/' },
  'auth-verify': { port: SUPABASE_PORTS.auth, path: '/verify' },
  'auth-callback': { port: SUPABASE_PORTS.auth, path: '/callback' },
  'auth-authorize': { port: SUPABASE_PORTS.auth, path: '/authorize' },
  'auth-jwks': { port: SUPABASE_PORTS.auth, path: '/.well-known/jwks.json' },
  'auth-oauth-server': { port: SUPABASE_PORTS.auth, path: '/.well-known/oauth-authorization-server' },
  'auth-sso-acs': { port: SUPABASE_PORTS.auth, path: '/sso/saml/acs' },
  'auth-sso-metadata': { port: SUPABASE_PORTS.auth, path: '/sso/saml/metadata' },
  rest: { port: SUPABASE_PORTS.rest, path: '/' },
  graphql: { port: SUPABASE_PORTS.rest, path: '/rpc/graphql' },
  realtime: { port: SUPABASE_PORTS.realtime, path: '/socket' },
  'realtime-api': { port: SUPABASE_PORTS.realtime, path: '/api' },
  storage: { port: SUPABASE_PORTS.storage, path: '/' },
  functions: { port: SUPABASE_PORTS.functions, path: '/', readTimeout: 150_000 },
  meta: { port: SUPABASE_PORTS.meta, path: '/' },
};

/**
 * Realtime finds its tenant by the first label of the Host it is called with, and a
 * worker's Realtime seeds the single tenant `realtime-dev` (SEED_SELF_HOST). Kong would
 * send the worker's wg address as Host, so the realtime routes set it with
 * request-transformer `replace`: Kong 3.9.1 clears the Host from the header table and then
 * lets `replace` set `host` always (kong/plugins/request-transformer/access.lua:167,198),
 * while `add` skips it (:205) and `append` would hand it a list (:211-225). The PDK turns a
 * `host` header into the upstream Host (kong/pdk/service/request.lua:444).
 */
export const REALTIME_TENANT_HOST = 'Host:realtime-dev.supabase-realtime';

/** Routes per project, by name suffix: Supabase's public path layout. */
export const ROUTES: Readonly<Record<string, RouteSpec>> = {
  'auth-verify': { service: 'auth-verify', paths: ['/auth/v1/verify'], access: 'open' },
  'auth-callback': { service: 'auth-callback', paths: ['/auth/v1/callback'], access: 'open' },
  'auth-authorize': { service: 'auth-authorize', paths: ['/auth/v1/authorize'], access: 'open' },
  'auth-jwks': { service: 'auth-jwks', paths: ['/auth/v1/.well-known/jwks.json'], access: 'open' },
  'auth-oauth-server': {
    service: 'auth-oauth-server',
    paths: ['/.well-known/oauth-authorization-server'],
    access: 'open',
  },
  'auth-sso-acs': { service: 'auth-sso-acs', paths: ['/sso/saml/acs'], access: 'open' },
  'auth-sso-metadata': { service: 'auth-sso-metadata', paths: ['/sso/saml/metadata'], access: 'open' },
  auth: { service: 'auth', paths: ['/auth/v1/'], access: 'keyed' },
  rest: { service: 'rest', paths: ['/rest/v1/'], access: 'keyed' },
  graphql: {
    service: 'graphql',
    paths: ['/graphql/v1'],
    access: 'keyed',
    addHeaders: ['Content-Profile:graphql_public'],
  },
  realtime: {
    service: 'realtime',
    paths: ['/realtime/v1/'],
    access: 'keyed',
    // Browsers cannot set headers on a WebSocket: Realtime reads the key from x-api-key.
    addHeaders: ['x-api-key:$(query_params.apikey)'],
    replaceHeaders: [REALTIME_TENANT_HOST],
  },
  'realtime-api': {
    service: 'realtime-api',
    paths: ['/realtime/v1/api'],
    access: 'keyed',
    replaceHeaders: [REALTIME_TENANT_HOST],
  },
  // Realtime's tenant administration and its OpenAPI document are never public.
  'realtime-api-blocked': {
    service: 'realtime-api',
    paths: ['/realtime/v1/api/openapi', '/realtime/v1/api/tenants'],
    access: 'blocked',
  },
  storage: { service: 'storage', paths: ['/storage/v1/'], access: 'storage' },
  functions: { service: 'functions', paths: ['/functions/v1/'], access: 'functions' },
  meta: { service: 'meta', paths: ['/pg/'], access: 'admin' },
};

/** The two consumers of a project and their ACL group suffixes. */
export const CONSUMERS = [
  { suffix: 'anon', group: 'anon' },
  { suffix: 'service_role', group: 'admin' },
] as const;

/** The ACL groups of a project: `<name>-anon` and `<name>-admin`. */
export function projectGroups(name: string): { anon: string; admin: string } {
  return { anon: `${name}-anon`, admin: `${name}-admin` };
}

const PLUGIN_PROTOCOLS = ['http', 'https'];
const ROUTE_PROTOCOLS = ['http', 'https'];
const NAME_RE = /^[a-z][a-z0-9-]{0,61}[a-z0-9]$/;
const HOST_RE = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;
const IPV4_RE = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

function check(p: KongProjectInput): void {
  const problems: string[] = [];
  if (!NAME_RE.test(p.name))
    problems.push(`name "${p.name}" is invalid: expected a DNS label of a-z, 0-9 and "-"`);
  if (!NAME_RE.test(p.subdomain)) {
    problems.push(`subdomain "${p.subdomain}" is invalid: expected a DNS label of a-z, 0-9 and "-"`);
  }
  if (!HOST_RE.test(p.domain))
    problems.push(`domain "${p.domain}" is invalid: expected a lowercase DNS name`);
  if (!IPV4_RE.test(p.upstreamHost)) {
    problems.push(
      `upstream host "${p.upstreamHost}" is invalid: expected the worker's WireGuard IPv4 address`,
    );
  }
  for (const o of p.corsOrigins) {
    if (!/^https?:\/\/[^/\s]+$/.test(o) && o !== '*') {
      problems.push(`CORS origin "${o}" is invalid: expected scheme://host[:port] without a path`);
    }
  }
  if (p.anonKey.reveal() === '' || p.serviceRoleKey.reveal() === '') {
    problems.push('the anon and service_role keys must not be empty');
  }
  if (p.anonKey.reveal() === p.serviceRoleKey.reveal()) {
    problems.push('the anon and service_role keys must differ');
  }
  if (problems.length > 0) throw new Error(`Kong layout of project "${p.name}": ${problems.join('; ')}`);
}

function pluginsFor(
  route: RouteSpec,
  name: string,
  corsOrigins: readonly string[],
): [string, Record<string, unknown>][] {
  const groups = projectGroups(name);
  const origins = corsOrigins.length === 0 ? ['*'] : [...new Set(corsOrigins)].sort();
  // Fields that widen access are pinned so drift in them is repaired (the compare is by subset).
  const cors: [string, Record<string, unknown>] = [
    'cors',
    { origins, credentials: false, private_network: false, preflight_continue: false },
  ];
  const keyAuth: [string, Record<string, unknown>] = [
    'key-auth',
    {
      key_names: ['apikey'],
      hide_credentials: false,
      anonymous: null,
      key_in_header: true,
      key_in_query: true,
      key_in_body: false,
      run_on_preflight: true,
    },
  ];
  const acl = (allow: string[]): [string, Record<string, unknown>] => [
    'acl',
    { allow: [...allow].sort(), deny: null, hide_groups_header: true },
  ];
  const transformer: [string, Record<string, unknown>][] =
    route.addHeaders || route.replaceHeaders
      ? [
          [
            'request-transformer',
            {
              http_method: null,
              remove: { headers: [], querystring: [], body: [] },
              rename: { headers: [], querystring: [], body: [] },
              replace: { headers: [...(route.replaceHeaders ?? [])], querystring: [], body: [], uri: null },
              add: { headers: [...(route.addHeaders ?? [])], querystring: [], body: [] },
              append: { headers: [], querystring: [], body: [] },
            },
          ],
        ]
      : [];
  switch (route.access) {
    case 'open':
    case 'storage':
    case 'functions':
      return [cors];
    case 'keyed':
      return [cors, keyAuth, acl([groups.anon, groups.admin]), ...transformer];
    case 'admin':
      return [keyAuth, acl([groups.admin]), ...transformer];
    case 'blocked':
      return [
        [
          'request-termination',
          {
            status_code: 403,
            message: 'Access is forbidden.',
            content_type: null,
            body: null,
            echo: false,
            trigger: null,
          },
        ],
      ];
  }
}

const byKey = <T extends { key: string }>(a: T, b: T): number => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

/**
 * The Kong entities of one project: pure and deterministic (same input, same output, sorted by
 * key). Every route matches only `<subdomain>.<domain>`; every key-auth route carries an ACL
 * admitting only this project's groups, so another project's keys never open it.
 */
export function desiredKongState(p: KongProjectInput): KongState {
  check(p);
  const tags = [SUPAFLEET_TAG, projectTag(p.name)];
  const host = `${p.subdomain}.${p.domain}`;
  const n = (suffix: string): string => `${p.name}-${suffix}`;

  const services: DesiredEntity<'services'>[] = Object.entries(SERVICES).map(([suffix, s]) => ({
    kind: 'services',
    key: n(suffix),
    body: {
      name: n(suffix),
      protocol: 'http',
      host: p.upstreamHost,
      port: s.port,
      path: s.path,
      retries: 5,
      connect_timeout: 60_000,
      write_timeout: 60_000,
      read_timeout: s.readTimeout ?? 60_000,
      enabled: true,
      tags: [...tags],
    },
  }));

  const routes: DesiredEntity<'routes'>[] = [];
  const plugins: DesiredEntity<'plugins'>[] = [];
  for (const [suffix, r] of Object.entries(ROUTES)) {
    routes.push({
      kind: 'routes',
      key: n(suffix),
      parent: n(r.service),
      body: {
        name: n(suffix),
        protocols: [...ROUTE_PROTOCOLS],
        hosts: [host],
        paths: [...r.paths],
        methods: null,
        headers: null,
        snis: null,
        sources: null,
        destinations: null,
        strip_path: true,
        preserve_host: false,
        regex_priority: 0,
        https_redirect_status_code: 426,
        path_handling: 'v0',
        tags: [...tags],
      },
    });
    for (const [plugin, config] of pluginsFor(r, p.name, p.corsOrigins)) {
      const instance = `${n(suffix)}-${plugin}`;
      plugins.push({
        kind: 'plugins',
        key: instance,
        parent: n(suffix),
        body: {
          name: plugin,
          instance_name: instance,
          config,
          enabled: true,
          protocols: [...PLUGIN_PROTOCOLS],
          tags: [...tags],
        },
      });
    }
  }

  const consumers: DesiredEntity<'consumers'>[] = [];
  const keyAuths: DesiredEntity<'key-auths'>[] = [];
  const acls: DesiredEntity<'acls'>[] = [];
  for (const c of CONSUMERS) {
    const username = n(c.suffix);
    const group = n(c.group);
    consumers.push({
      kind: 'consumers',
      key: username,
      body: { username, custom_id: null, tags: [...tags] },
    });
    keyAuths.push({
      kind: 'key-auths',
      key: nameUuid(`${username}/key-auth`),
      parent: username,
      body: { key: c.suffix === 'anon' ? p.anonKey : p.serviceRoleKey, tags: [...tags] },
    });
    acls.push({
      kind: 'acls',
      key: nameUuid(`${username}/acl/${group}`),
      parent: username,
      body: { group, tags: [...tags] },
    });
  }

  return {
    services: services.sort(byKey),
    routes: routes.sort(byKey),
    consumers: consumers.sort(byKey),
    plugins: plugins.sort(byKey),
    'key-auths': keyAuths.sort(byKey),
    acls: acls.sort(byKey),
  };
}
