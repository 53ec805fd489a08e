import type { KongKind } from '../../master/src/kong/types.ts';
import { normalizePath } from './uri.ts';

/**
 * Kong 3.9.1's schemas of the entities and plugins supafleet uses, transcribed as data from
 * Kong/kong at tag 3.9.1 (commit b724fc7154de3a9971e33490097d5ea2c1bae93b). Every field, default
 * and check names the Lua line it comes from. The store validates every body against them and
 * refuses what Kong refuses (400, `schema violation`); `validateEntity` does the same without a store.
 */

export type FieldType =
  'string' | 'integer' | 'number' | 'boolean' | 'array' | 'set' | 'map' | 'record' | 'foreign';

export interface FieldDef {
  type: FieldType;
  /** Filled in when the body leaves the field out (kong/db/schema/init.lua:1037-1073). */
  default?: unknown;
  /** null is refused ("required field missing"). */
  required?: boolean;
  oneOf?: readonly (string | number)[];
  between?: readonly [number, number];
  /** Arrays and sets: fewest elements. */
  lenMin?: number;
  /** Arrays and sets: the element definition. */
  elements?: FieldDef;
  /** Records: the fields. */
  fields?: Readonly<Record<string, FieldDef>>;
  /** Maps: key and value definitions. */
  keys?: FieldDef;
  values?: FieldDef;
  /** Foreign keys that must stay null (typedefs.no_consumer, kong/db/schema/typedefs.lua:400-405). */
  mustBeNull?: boolean;
  /** Checks after the type check: an error message, or null when valid. */
  check?: (value: unknown) => string | null;
}

export type EntitySchema = Readonly<Record<string, FieldDef>>;

/** Entity-level checks: `@entity` messages (or field errors) for a row whose fields are valid. */
export type EntityCheck = (row: Record<string, unknown>) => Record<string, unknown> | null;

/** kong/db/schema/init.lua:429-438 `is_nonempty`. */
export function isNonEmpty(v: unknown): boolean {
  if (v === undefined || v === null || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v).length > 0;
  return true;
}

// ---- validators (kong/db/schema/typedefs.lua, kong/tools/ip.lua, kong/tools/http.lua) ----

/** kong/tools/ip.lua:121-130 `hostname_type`. */
function hostnameType(name: string): 'ipv4' | 'ipv6' | 'name' {
  const colons = name.split(':').length - 1;
  if (colons > 1) return 'ipv6';
  if (/^[\d.]+$/.test(name.replace(/:/g, ''))) return 'ipv4';
  return 'name';
}

/** kong/tools/ip.lua:136-276 `normalize_ip`: the port (or null), or an error message. */
function normalizeIp(address: string): { port: number | null } | { error: string } {
  const type = hostnameType(address);
  if (type === 'ipv4') {
    const m = address.includes(':')
      ? /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3}):(\d+)$/.exec(address)
      : /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(address);
    if (!m || m.slice(1, 5).some((x) => Number(x) > 255))
      return { error: `invalid ipv4 address: ${address}` };
    if (m[5] !== undefined && Number(m[5]) > 65535) return { error: 'invalid port number' };
    return { port: m[5] === undefined ? null : Number(m[5]) };
  }
  if (type === 'ipv6') {
    const b = /^(\[[^\]]*\])(.*)$/.exec(address);
    let check = address;
    let port: number | null = null;
    if (b) {
      check = b[1]!.slice(1, -1);
      if (b[2] !== '') {
        const p = /^:(\d*)$/.exec(b[2]!);
        if (!p) return { error: 'invalid ipv6 address' };
        port = Number(p[1]);
        if (port > 65535) return { error: 'invalid port number' };
      }
    }
    if (check.startsWith(':')) check = `0${check}`;
    if (check.endsWith(':')) check = `${check}0`;
    if (check.includes('::')) {
      const count = check.split(':').length - 1;
      check = check.replace('::', `:${'0:'.repeat(Math.max(0, 8 - count))}`);
    }
    if (!/^([0-9a-f]{1,4}:){7}[0-9a-f]{1,4}$/i.test(check))
      return { error: `invalid ipv6 address: ${address}` };
    return { port };
  }
  let name = address;
  let port: number | null = null;
  const p = /:(\d+)$/.exec(address);
  if (p) {
    name = name.slice(0, -(p[1]!.length + 1));
    port = Number(p[1]);
    if (port > 65535) return { error: 'invalid port number' };
  }
  if (!/^[0-9A-Za-z\-._]+$/.test(name)) return { error: `invalid hostname: ${address}` };
  const segments = name.split('.');
  for (let i = 0; i < segments.length; i++) {
    const s = segments[i]!;
    if (s.endsWith('-') || (s === '' && i !== segments.length - 1))
      return { error: `invalid hostname: ${address}` };
  }
  return { port };
}

/** typedefs.lua:24-35 `validate_host`. */
function validateHost(host: string): string | null {
  const r = normalizeIp(host);
  if ('error' in r && r.error !== 'invalid port number') return `invalid value: ${host}`;
  if (('error' in r && r.error === 'invalid port number') || ('port' in r && r.port !== null)) {
    return 'must not have a port';
  }
  return null;
}

/** typedefs.lua:38-41 `validate_host_with_optional_port`, with wildcards as in :495-498. */
function validateHostWithWildcards(host: string): string | null {
  const r = normalizeIp(host.replace(/\*/g, 'abc'));
  return 'error' in r ? r.error : null;
}

/** typedefs.lua:137-151 `validate_utf8_name`. */
function validateUtf8Name(name: string): string | null {
  return /^[A-Za-z0-9.\-_~\u0080-\u{10ffff}]+$/u.test(name)
    ? null
    : `invalid value '${name}': the only accepted ascii characters are alphanumerics or ., -, _, and ~`;
}

/** typedefs.lua:118-134 `validate_tag`: printable ASCII but `,` and `/`, a space, or non-ASCII. */
function validateTag(tag: string): string | null {
  return /^[ \x21-\x2b\x2d\x2e\x30-\x7e\u0080-\u{10ffff}]+$/u.test(tag)
    ? null
    : `invalid tag '${tag}': expected printable ascii (except \`,\` and \`/\`) or valid utf-8 sequences`;
}

/** typedefs.lua:71-93 `validate_path`: RFC 3986 characters and well-formed `%XX`. */
function validatePath(path: string): { error: string; code: 'rfc3986' | 'percent' } | null {
  if (!/^\/[A-Za-z0-9.\-_~/%:@!$&'()*+,;=]*$/.test(path)) {
    return {
      error: `invalid path: '${path}' (characters outside of the reserved list of RFC 3986 found)`,
      code: 'rfc3986',
    };
  }
  const raw = path.replace(/%[0-9A-Fa-f]{2}/g, '___');
  const bad = /%.?.?/.exec(raw);
  if (bad) return { error: `invalid url-encoded value: '${bad[0]}'`, code: 'percent' };
  return null;
}

/** typedefs.lua:318-328 `path` (services): starts with /, no empty segment, RFC 3986. */
function checkServicePath(v: unknown): string | null {
  const path = v as string;
  if (!path.startsWith('/')) return 'should start with: /';
  if (path.includes('//')) return 'must not have empty segments';
  return validatePath(path)?.error ?? null;
}

/** typedefs.lua:596-609 `router_path` and :500-530 `validate_path_with_regexes`. */
function checkRouterPath(v: unknown): string | null {
  const path = v as string;
  if (!path.startsWith('/') && !path.startsWith('~/'))
    return 'should start with: / (fixed path) or ~/ (regex path)';
  if (path.includes('//')) return 'must not have empty segments';
  const bad = validatePath(path.startsWith('~') ? path.slice(1) : path);
  if (bad?.code === 'percent') return bad.error;
  if (!path.startsWith('~')) {
    const normalized = normalizePath(path, true);
    if (normalized !== path) return `non-normalized path, consider use '${normalized}' instead`;
    return null;
  }
  try {
    new RegExp(path.slice(1));
  } catch (err) {
    return `invalid regex: '${path.slice(1)}' (PCRE returned: ${(err as Error).message})`;
  }
  return null;
}

/** kong/tools/http.lua:271-282 `validate_header_name`. */
function headerNameError(name: string | undefined): string | null {
  if (name === undefined || name === '') return 'no header name provided';
  return /^[a-zA-Z0-9\-_]+$/.test(name)
    ? null
    : `bad header name '${name}', allowed characters are A-Z, a-z, 0-9, '_', and '-'`;
}

/** typedefs.lua:575-592 `hosts` elements. */
function checkRouteHost(v: unknown): string | null {
  const h = v as string;
  if (!/^[^*]*\*?[^*]*$/.test(h)) return 'invalid wildcard: must have at most one wildcard';
  if (!(/^\*\./.test(h) || /\.\*$/.test(h) || /^[^*]*$/.test(h))) {
    return 'invalid wildcard: must be placed at leftmost or rightmost label';
  }
  return validateHostWithWildcards(h);
}

/** request-transformer/schema.lua:29-41 `validate_headers` (name only, or name and value). */
function transformerHeader(withValue: boolean, colonRequired: boolean): (v: unknown) => string | null {
  return (v) => {
    const pair = v as string;
    if (colonRequired && !/^[^:]+:.*$/s.test(pair)) return `invalid value: ${pair}`;
    const m = /^([^:]+):*(.*)$/s.exec(pair);
    const name = m?.[1];
    if (headerNameError(name) !== null) return `'${String(name)}' is not a valid header`;
    if (withValue && headerNameError(m?.[2]) !== null) return `'${String(m?.[2])}' is not a valid header`;
    return null;
  };
}

/** request-transformer/schema.lua:13-26 `check_for_value` (body and querystring entries). */
function checkForValue(v: unknown): string | null {
  const m = /^([^:]+):*(.*)$/s.exec(v as string);
  if (!m || m[2] === '') return `key '${m?.[1] ?? ''}' has no value`;
  return null;
}

/** cors/schema.lua:18-23 `validate_asterisk_or_regex`. */
function checkOrigin(v: unknown): string | null {
  const s = v as string;
  if (s === '*') return null;
  try {
    new RegExp(s);
    return null;
  } catch {
    return `'${s}' is not a valid regex`;
  }
}

// ---- typedefs ----

const str = (extra: Partial<FieldDef> = {}): FieldDef => ({ type: 'string', ...extra });
const bool = (d: boolean): FieldDef => ({ type: 'boolean', required: true, default: d });
const stringArray = (extra: Partial<FieldDef> = {}): FieldDef => ({
  type: 'array',
  elements: { type: 'string' },
  ...extra,
});
/** kong/constants.lua:77-91: every protocol, sorted. */
const PROTOCOLS = ['grpc', 'grpcs', 'http', 'https', 'tcp', 'tls', 'tls_passthrough', 'udp'] as const;
/** typedefs.lua:466-472: the protocols of the http subsystem, sorted. */
const HTTP_PROTOCOLS = ['grpc', 'grpcs', 'http', 'https'] as const;
/** typedefs.lua:448-459 `tags`. */
const TAGS: FieldDef = {
  type: 'set',
  elements: { type: 'string', required: true, check: (v) => validateTag(v as string) },
};
/** typedefs.lua:415-420 `utf8_name`. */
const UTF8_NAME: FieldDef = { type: 'string', check: (v) => validateUtf8Name(v as string) };
/** services.lua:11-14 `nonzero_timeout`. */
const TIMEOUT = (d: number): FieldDef => ({ type: 'integer', default: d, between: [1, 2 ** 31 - 2] });
/** typedefs.lua:247-251 `http_method`. */
const HTTP_METHOD: FieldDef = {
  type: 'string',
  check: (v) => (/^[A-Z]+$/.test(v as string) ? null : `invalid value: ${String(v)}`),
};
const HEADER_NAME: FieldDef = { type: 'string', check: (v) => headerNameError(v as string) };
/** typedefs.lua:474-488 `protocols` and `protocols_http` (plugins). */
const PLUGIN_PROTOCOLS: FieldDef = {
  type: 'set',
  required: true,
  default: [...HTTP_PROTOCOLS],
  elements: { type: 'string', oneOf: PROTOCOLS },
};
const PLUGIN_PROTOCOLS_HTTP: FieldDef = {
  type: 'set',
  required: true,
  default: [...HTTP_PROTOCOLS],
  elements: { type: 'string', oneOf: HTTP_PROTOCOLS },
};
const FOREIGN = (required = false): FieldDef => ({ type: 'foreign', required });

/** routes.lua:154-166: mutually exclusive subsets of `protocols`. */
const PROTOCOL_SUBSETS: readonly (readonly string[])[] = [
  ['http', 'https'],
  ['tcp', 'tls', 'udp'],
  ['tls_passthrough'],
  ['grpc', 'grpcs'],
];

/** Every field of each kind besides id, created_at and updated_at, at Kong 3.9.1. */
export const ENTITY_SCHEMAS: Readonly<Record<KongKind, EntitySchema>> = {
  // kong/db/schema/entities/services.lua:28-50
  services: {
    name: UTF8_NAME,
    retries: { type: 'integer', default: 5, between: [0, 32767] },
    protocol: { type: 'string', required: true, default: 'http', oneOf: PROTOCOLS },
    host: { type: 'string', required: true, check: (v) => validateHost(v as string) },
    port: { type: 'integer', required: true, default: 80, between: [0, 65535] },
    path: { type: 'string', check: checkServicePath },
    connect_timeout: TIMEOUT(60_000),
    write_timeout: TIMEOUT(60_000),
    read_timeout: TIMEOUT(60_000),
    tags: TAGS,
    client_certificate: FOREIGN(),
    tls_verify: { type: 'boolean' },
    tls_verify_depth: { type: 'integer', default: null, between: [0, 64] },
    ca_certificates: { type: 'array', elements: { type: 'string' } },
    enabled: bool(true),
  },
  // kong/db/schema/entities/routes.lua:148-203
  routes: {
    name: UTF8_NAME,
    protocols: {
      type: 'set',
      lenMin: 1,
      required: true,
      default: ['http', 'https'],
      elements: { type: 'string', oneOf: PROTOCOLS },
    },
    https_redirect_status_code: {
      type: 'integer',
      required: true,
      default: 426,
      oneOf: [426, 301, 302, 307, 308],
    },
    strip_path: bool(true),
    preserve_host: bool(false),
    request_buffering: bool(true),
    response_buffering: bool(true),
    tags: TAGS,
    service: FOREIGN(),
    snis: { type: 'set', elements: { type: 'string' } },
    // typedefs.lua:533-563; the http subschema refuses them (routes_subschemas.lua:8-9)
    sources: { type: 'set', elements: { type: 'record', fields: {} } },
    destinations: { type: 'set', elements: { type: 'record', fields: {} } },
    methods: { type: 'set', elements: HTTP_METHOD },
    hosts: { type: 'array', elements: { type: 'string', check: checkRouteHost } },
    paths: { type: 'array', elements: { type: 'string', check: checkRouterPath } },
    headers: {
      type: 'map',
      keys: {
        type: 'string',
        check: (v) =>
          headerNameError(v as string) ??
          (/^[Hh][Oo][Ss][Tt]$/.test(v as string)
            ? "cannot contain 'host' header, which must be specified in the 'hosts' attribute"
            : null),
      },
      values: stringArray(),
    },
    regex_priority: { type: 'integer', default: 0 },
    path_handling: { type: 'string', default: 'v0', oneOf: ['v0', 'v1'] },
  },
  // kong/db/schema/entities/consumers.lua:9-30
  consumers: {
    username: str(),
    custom_id: str(),
    tags: TAGS,
  },
  // kong/db/schema/entities/plugins.lua:16-29 (no `ordering`: Enterprise only)
  plugins: {
    name: { type: 'string', required: true },
    instance_name: UTF8_NAME,
    route: FOREIGN(),
    service: FOREIGN(),
    consumer: FOREIGN(),
    config: { type: 'record' },
    protocols: PLUGIN_PROTOCOLS,
    enabled: bool(true),
    tags: TAGS,
  },
  // kong/plugins/key-auth/daos.lua:13-19
  'key-auths': {
    consumer: FOREIGN(true),
    key: str(),
    ttl: { type: 'integer' },
    tags: TAGS,
  },
  // kong/plugins/acl/daos.lua:10-16
  acls: {
    consumer: FOREIGN(true),
    group: { type: 'string', required: true },
    tags: TAGS,
  },
};

/** Entity checks per kind (`@entity` errors), run once the fields are valid. */
export const ENTITY_CHECKS: Readonly<Partial<Record<KongKind, EntityCheck>>> = {
  // services.lua:52-73: path only for http(s); TLS fields only for https/tls
  services: (row) => {
    const p = row.protocol as string;
    if (['tcp', 'tls', 'udp', 'grpc', 'grpcs'].includes(p) && row.path !== null) {
      return { path: 'value must be null' };
    }
    if (!['https', 'tls'].includes(p)) {
      for (const f of ['client_certificate', 'tls_verify', 'tls_verify_depth', 'ca_certificates']) {
        if (row[f] !== null) return { [f]: 'value must be null' };
      }
    }
    return null;
  },
  routes: (row) => {
    const protocols = row.protocols as string[];
    // routes.lua:159-164 mutually_exclusive_subsets
    const hit = PROTOCOL_SUBSETS.filter((s) => s.some((p) => protocols.includes(p)));
    if (hit.length > 1) {
      return {
        protocols: `these sets are mutually exclusive: ${hit.map((s) => `('${s.join("', '")}')`).join(', ')}`,
      };
    }
    const http = protocols.includes('http') || protocols.includes('https');
    if (http) {
      // routes_subschemas.lua:8-9
      if (isNonEmpty(row.sources))
        return { sources: "cannot set 'sources' when 'protocols' is 'http' or 'https'" };
      if (isNonEmpty(row.destinations)) {
        return { destinations: "cannot set 'destinations' when 'protocols' is 'http' or 'https'" };
      }
      // routes_subschemas.lua:12-19
      const fields = protocols.includes('https')
        ? ['methods', 'hosts', 'headers', 'paths', 'snis']
        : ['methods', 'hosts', 'headers', 'paths'];
      if (!fields.some((f) => isNonEmpty(row[f]))) {
        const list = fields.map((f) => `'${f}'`).join(', ');
        return {
          '@entity': [
            `must set one of ${list} when 'protocols' is '${protocols.includes('https') ? 'https' : 'http'}'`,
          ],
        };
      }
    }
    // routes.lua:17-23: snis only with a TLS protocol
    if (
      isNonEmpty(row.snis) &&
      !protocols.some((p) => ['grpcs', 'https', 'tls', 'tls_passthrough'].includes(p))
    ) {
      return {
        snis: "'snis' can only be set when 'protocols' is 'grpcs', 'https', 'tls' or 'tls_passthrough'",
      };
    }
    return null;
  },
  // consumers.lua:32-34
  consumers: (row) =>
    isNonEmpty(row.custom_id) || isNonEmpty(row.username)
      ? null
      : { '@entity': ["at least one of these fields must be non-empty: 'custom_id', 'username'"] },
};

/** One plugin's schema: its `protocols`, whether `consumer` must stay null, its config record and checks. */
export interface PluginSchema {
  protocols: FieldDef;
  noConsumer: boolean;
  config: Readonly<Record<string, FieldDef>>;
  /** A config-level custom validator (message) or plugin entity checks (`@entity`). */
  check?: (
    plugin: Record<string, unknown>,
    config: Record<string, unknown>,
  ) => Record<string, unknown> | null;
}

const CORS_METHODS = ['GET', 'HEAD', 'PUT', 'PATCH', 'POST', 'DELETE', 'OPTIONS', 'TRACE', 'CONNECT'];

/** request-transformer/schema.lua:49-121: the sections of its config. */
const headersArray = (element: FieldDef): FieldDef => ({
  type: 'array',
  required: true,
  default: [],
  elements: element,
});
const colonStrings: FieldDef = headersArray({ type: 'string', check: checkForValue });
const plainStrings: FieldDef = headersArray({ type: 'string' });
const section = (headers: FieldDef, body: FieldDef, uri = false): FieldDef => ({
  type: 'record',
  fields: { body, headers, querystring: body, ...(uri ? { uri: str() } : {}) },
});

/** The plugins supafleet uses; any other name is "not enabled" (plugins.lua:14). */
export const PLUGIN_SCHEMAS: Readonly<Record<string, PluginSchema>> = {
  // kong/plugins/key-auth/schema.lua:4-27
  'key-auth': {
    protocols: PLUGIN_PROTOCOLS_HTTP,
    noConsumer: true,
    config: {
      key_names: { type: 'array', required: true, default: ['apikey'], elements: HEADER_NAME },
      hide_credentials: bool(false),
      anonymous: str(),
      key_in_header: bool(true),
      key_in_query: bool(true),
      key_in_body: bool(false),
      run_on_preflight: bool(true),
      realm: str(),
    },
  },
  // kong/plugins/acl/schema.lua:4-28 (no include_consumer_groups: Enterprise only)
  acl: {
    protocols: PLUGIN_PROTOCOLS_HTTP,
    noConsumer: true,
    config: {
      allow: stringArray(),
      deny: stringArray(),
      hide_groups_header: bool(false),
      always_use_authenticated_groups: bool(false),
    },
    // acl/schema.lua:24-27; kong/db/schema/init.lua:592-605 and the only_one_of checker
    check: (_plugin, c) => {
      const set = [isNonEmpty(c.allow), isNonEmpty(c.deny)].filter(Boolean).length;
      if (set === 0)
        return {
          '@entity': ["at least one of these fields must be non-empty: 'config.allow', 'config.deny'"],
        };
      if (set > 1)
        return {
          '@entity': ["exactly one of these fields must be non-empty: 'config.allow', 'config.deny'"],
        };
      return null;
    },
  },
  // kong/plugins/cors/schema.lua:26-53 (no allow_origin_absent at 3.9.1)
  cors: {
    protocols: PLUGIN_PROTOCOLS_HTTP,
    noConsumer: true,
    config: {
      origins: { type: 'array', elements: { type: 'string', check: checkOrigin } },
      headers: stringArray(),
      exposed_headers: stringArray(),
      methods: { type: 'array', default: CORS_METHODS, elements: { type: 'string', oneOf: CORS_METHODS } },
      max_age: { type: 'number' },
      credentials: bool(false),
      private_network: bool(false),
      preflight_continue: bool(false),
    },
  },
  // kong/plugins/request-transformer/schema.lua:124-140
  'request-transformer': {
    protocols: PLUGIN_PROTOCOLS,
    noConsumer: false,
    config: {
      http_method: HTTP_METHOD,
      remove: section(headersArray({ type: 'string', check: transformerHeader(false, false) }), plainStrings),
      rename: section(headersArray({ type: 'string', check: transformerHeader(true, true) }), colonStrings),
      replace: section(
        headersArray({ type: 'string', check: transformerHeader(false, true) }),
        colonStrings,
        true,
      ),
      add: section(headersArray({ type: 'string', check: transformerHeader(false, true) }), colonStrings),
      append: section(headersArray({ type: 'string', check: transformerHeader(false, true) }), colonStrings),
    },
  },
  // kong/plugins/request-termination/schema.lua:9-47
  'request-termination': {
    protocols: PLUGIN_PROTOCOLS_HTTP,
    noConsumer: false,
    config: {
      status_code: { type: 'integer', required: true, default: 503, between: [100, 599] },
      message: str(),
      content_type: str(),
      body: str(),
      echo: bool(false),
      trigger: HEADER_NAME,
    },
    check: (_plugin, c) => {
      const present = (v: unknown): boolean => typeof v === 'string' && v.length > 0;
      let err: string | null = null;
      if (present(c.message) && (present(c.content_type) || present(c.body))) {
        err = 'message cannot be used with content_type or body';
      } else if (present(c.content_type) && !present(c.body)) err = 'content_type requires a body';
      else if (c.echo === true && (present(c.content_type) || present(c.body))) {
        err = 'echo cannot be used with content_type and body';
      }
      return err === null ? null : { config: { '@entity': [err] } };
    },
  },
};

/** The field a non-UUID key in a URL names, per kind (each schema's `endpoint_key`). */
export const ENDPOINT_KEY: Readonly<Record<KongKind, string>> = {
  services: 'name',
  routes: 'name',
  consumers: 'username',
  plugins: 'instance_name',
  'key-auths': 'key',
  acls: 'group',
};

/** Nested collections: `/<parent>/{p}/<child>` lists and upserts `kind` with `field` = the parent. */
export const NESTED_COLLECTIONS: Readonly<
  Record<string, { parentKind: KongKind; kind: KongKind; field: string }>
> = {
  'services/routes': { parentKind: 'services', kind: 'routes', field: 'service' },
  'services/plugins': { parentKind: 'services', kind: 'plugins', field: 'service' },
  'routes/plugins': { parentKind: 'routes', kind: 'plugins', field: 'route' },
  'consumers/plugins': { parentKind: 'consumers', kind: 'plugins', field: 'consumer' },
  'consumers/key-auth': { parentKind: 'consumers', kind: 'key-auths', field: 'consumer' },
  'consumers/acls': { parentKind: 'consumers', kind: 'acls', field: 'consumer' },
};

// ---- validation (kong/db/schema/init.lua:941-1030 validate_field, :1037-1073 defaults) ----

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

const isUuid = (s: string): boolean =>
  /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s);

/** Validates one non-null value; returns the (normalised) value or records an error. */
function checkValue(def: FieldDef, value: unknown, errors: Record<string, unknown>, key: string): unknown {
  const fail = (e: unknown): unknown => {
    errors[key] = e;
    return value;
  };
  switch (def.type) {
    case 'string':
      if (typeof value !== 'string') return fail('expected a string');
      if (value === '') return fail('length must be at least 1');
      break;
    case 'integer':
      if (typeof value !== 'number' || !Number.isInteger(value)) return fail('expected an integer');
      break;
    case 'number':
      if (typeof value !== 'number') return fail('expected a number');
      break;
    case 'boolean':
      if (typeof value !== 'boolean') return fail('expected a boolean');
      return value;
    case 'foreign':
      if (def.mustBeNull) return fail('value must be null');
      if (
        !isRecord(value) ||
        typeof value.id !== 'string' ||
        !isUuid(value.id) ||
        Object.keys(value).length !== 1
      ) {
        return fail({ id: 'expected a valid UUID' });
      }
      return { id: value.id.toLowerCase() };
    case 'array':
    case 'set': {
      if (!Array.isArray(value)) return fail(def.type === 'set' ? 'expected a set' : 'expected an array');
      const list =
        def.type === 'set'
          ? [...new Set(value.map((x) => JSON.stringify(x)))].map((x) => JSON.parse(x) as unknown)
          : value;
      if (def.lenMin !== undefined && list.length < def.lenMin)
        return fail(`length must be at least ${def.lenMin}`);
      if (!def.elements) return list;
      const elementErrors: Record<string, unknown> = {};
      const out = list.map((x, i) =>
        x === null
          ? (elementErrors[String(i)] = 'required field missing')
          : checkValue(def.elements!, x, elementErrors, String(i)),
      );
      const bad = Object.entries(elementErrors);
      if (bad.length > 0) return fail(bad[0]![1]);
      return out;
    }
    case 'map': {
      if (!isRecord(value)) return fail('expected a map');
      for (const [k, v] of Object.entries(value)) {
        const inner: Record<string, unknown> = {};
        if (def.keys) checkValue(def.keys, k, inner, 'key');
        if (def.values) checkValue(def.values, v, inner, 'value');
        if (inner.key !== undefined) return fail(inner.key);
        if (inner.value !== undefined) return fail({ [k]: inner.value });
      }
      return value;
    }
    case 'record':
      if (!isRecord(value)) return fail('expected a record');
      if (!def.fields) return value;
      {
        const inner: Record<string, unknown> = {};
        const out = checkFields(def.fields, value, inner);
        if (Object.keys(inner).length > 0) errors[key] = inner;
        return out;
      }
  }
  if (def.oneOf && !def.oneOf.includes(value as string | number))
    return fail(`expected one of: ${def.oneOf.join(', ')}`);
  if (def.between && ((value as number) < def.between[0] || (value as number) > def.between[1])) {
    return fail(`value should be between ${def.between[0]} and ${def.between[1]}`);
  }
  const custom = def.check?.(value);
  if (custom) return fail(custom);
  return value;
}

/** Fills defaults and checks every field of a record; unknown fields are errors ("unknown field"). */
export function checkFields(
  schema: EntitySchema,
  input: Record<string, unknown>,
  errors: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(input)) if (!(key in schema)) errors[key] = 'unknown field';
  for (const [key, def] of Object.entries(schema)) {
    let value = input[key];
    if (value === undefined) {
      if (def.default !== undefined) value = JSON.parse(JSON.stringify(def.default)) as unknown;
      else if (def.type === 'record' && def.fields) value = {};
      else value = null;
    }
    if (value === null) {
      if (def.required) errors[key] = 'required field missing';
      out[key] = null;
      continue;
    }
    out[key] = checkValue(def, value, errors, key);
  }
  return out;
}

/**
 * Validates a body of `kind` as Kong 3.9.1 would on insert: fields, defaults, then entity and
 * plugin checks. Foreign keys are checked for shape only. Returns the row Kong would store
 * (without id and timestamps) and the `fields` of Kong's schema-violation error (empty: valid).
 */
export function validateEntity(
  kind: KongKind,
  body: Record<string, unknown>,
): { row: Record<string, unknown>; errors: Record<string, unknown> } {
  const errors: Record<string, unknown> = {};
  const row = checkFields(ENTITY_SCHEMAS[kind], body, errors);
  if (Object.keys(errors).length > 0) return { row, errors };
  if (kind === 'plugins') {
    const name = row.name as string;
    const plugin = PLUGIN_SCHEMAS[name];
    if (!plugin) {
      // plugins.lua:13-14 subschema_error
      return {
        row,
        errors: { name: `plugin '${name}' not enabled; add it to the 'plugins' configuration property` },
      };
    }
    const given = body.protocols === undefined ? undefined : row.protocols;
    const p: Record<string, unknown> = {};
    row.protocols = checkValue(plugin.protocols, given ?? plugin.protocols.default, p, 'protocols');
    if (plugin.noConsumer && row.consumer !== null) p.consumer = 'value must be null';
    const config = row.config === null ? {} : (row.config as Record<string, unknown>);
    const c: Record<string, unknown> = {};
    row.config = checkFields(plugin.config, config, c);
    if (Object.keys(c).length > 0) p.config = c;
    if (Object.keys(p).length > 0) return { row, errors: p };
    const extra = plugin.check?.(row, row.config as Record<string, unknown>);
    return { row, errors: extra ?? {} };
  }
  const extra = ENTITY_CHECKS[kind]?.(row);
  return { row, errors: extra ?? {} };
}
