import type { KongKind } from '../../master/src/kong/types.ts';

/**
 * Field schemas of the Kong entities the fake serves: known fields, types and defaults as
 * Kong 3.9 fills them in. A body field that is not listed is a schema violation, as in Kong.
 */

export type FieldType = 'string' | 'integer' | 'boolean' | 'strings' | 'ref' | 'headers' | 'record';

export interface FieldDef {
  type: FieldType;
  /** Filled in when the body leaves the field out. Functions are called per entity. */
  default?: unknown;
  required?: boolean;
  /** Allowed values (strings) or allowed elements (string arrays). */
  oneOf?: readonly string[];
  min?: number;
  max?: number;
  /** Fields of a nested record. */
  fields?: Readonly<Record<string, FieldDef>>;
}

export type EntitySchema = Readonly<Record<string, FieldDef>>;

const str = (d: unknown = null, extra: Partial<FieldDef> = {}): FieldDef => ({
  type: 'string',
  default: d,
  ...extra,
});
const int = (d: unknown, min: number, max: number): FieldDef => ({ type: 'integer', default: d, min, max });
const bool = (d: boolean): FieldDef => ({ type: 'boolean', default: d });
const strs = (d: unknown = null, oneOf?: readonly string[]): FieldDef =>
  oneOf ? { type: 'strings', default: d, oneOf } : { type: 'strings', default: d };
const ref = (required = false): FieldDef => ({ type: 'ref', default: null, required });
const record = (fields: Record<string, FieldDef>): FieldDef => ({ type: 'record', fields, default: null });

const TIMEOUT = (d: number): FieldDef => int(d, 1, 2 ** 31 - 2);

/** Every field an entity of each kind has (besides id, created_at and updated_at). */
export const ENTITY_SCHEMAS: Readonly<Record<KongKind, EntitySchema>> = {
  services: {
    name: str(),
    protocol: str('http', {
      oneOf: ['http', 'https', 'grpc', 'grpcs', 'tcp', 'tls', 'udp', 'tls_passthrough'],
    }),
    host: str(null, { required: true }),
    port: int(80, 0, 65535),
    path: str(),
    retries: int(5, 0, 32767),
    connect_timeout: TIMEOUT(60_000),
    write_timeout: TIMEOUT(60_000),
    read_timeout: TIMEOUT(60_000),
    tags: strs(),
    client_certificate: ref(),
    tls_verify: { type: 'boolean', default: null },
    tls_verify_depth: { type: 'integer', default: null, min: 0, max: 64 },
    ca_certificates: strs(),
    enabled: bool(true),
  },
  routes: {
    name: str(),
    protocols: strs(
      ['http', 'https'],
      ['http', 'https', 'grpc', 'grpcs', 'tcp', 'tls', 'udp', 'tls_passthrough'],
    ),
    methods: strs(),
    hosts: strs(),
    paths: strs(),
    headers: { type: 'headers', default: null },
    https_redirect_status_code: { type: 'integer', default: 426, oneOf: ['426', '301', '302', '307', '308'] },
    regex_priority: int(0, -(2 ** 31), 2 ** 31 - 1),
    strip_path: bool(true),
    path_handling: str('v0', { oneOf: ['v0', 'v1'] }),
    preserve_host: bool(false),
    request_buffering: bool(true),
    response_buffering: bool(true),
    snis: strs(),
    sources: { type: 'strings', default: null },
    destinations: { type: 'strings', default: null },
    tags: strs(),
    service: ref(),
  },
  consumers: {
    username: str(),
    custom_id: str(),
    tags: strs(),
  },
  plugins: {
    name: str(null, { required: true }),
    instance_name: str(),
    route: ref(),
    service: ref(),
    consumer: ref(),
    config: { type: 'record', default: null },
    protocols: strs(['grpc', 'grpcs', 'http', 'https'], ['grpc', 'grpcs', 'http', 'https']),
    enabled: bool(true),
    tags: strs(),
    ordering: { type: 'record', default: null },
  },
  'key-auths': {
    consumer: ref(true),
    key: str(),
    ttl: { type: 'integer', default: null, min: 0, max: 100_000_000 },
    tags: strs(),
  },
  acls: {
    consumer: ref(true),
    group: str(null, { required: true }),
    tags: strs(),
  },
};

const transformerSection = (withUri: boolean): FieldDef =>
  record({
    headers: strs([]),
    querystring: strs([]),
    body: strs([]),
    ...(withUri ? { uri: str() } : {}),
  });

const CORS_METHODS = ['GET', 'HEAD', 'PUT', 'PATCH', 'POST', 'DELETE', 'OPTIONS', 'TRACE', 'CONNECT'];

/** Config schemas of the plugins the fake knows; any other plugin name is "not enabled". */
export const PLUGIN_SCHEMAS: Readonly<Record<string, EntitySchema>> = {
  'key-auth': {
    key_names: strs(['apikey']),
    hide_credentials: bool(false),
    anonymous: str(),
    key_in_header: bool(true),
    key_in_query: bool(true),
    key_in_body: bool(false),
    run_on_preflight: bool(true),
    realm: str(),
  },
  acl: {
    allow: strs(),
    deny: strs(),
    hide_groups_header: bool(false),
    include_consumer_groups: bool(false),
    always_use_authenticated_groups: bool(false),
  },
  cors: {
    origins: strs(),
    headers: strs(),
    exposed_headers: strs(),
    methods: strs(CORS_METHODS, CORS_METHODS),
    max_age: { type: 'integer', default: null, min: 0, max: 2 ** 31 - 1 },
    credentials: bool(false),
    private_network: bool(false),
    preflight_continue: bool(false),
    allow_origin_absent: bool(true),
  },
  'request-transformer': {
    http_method: str(),
    remove: transformerSection(false),
    rename: transformerSection(false),
    replace: transformerSection(true),
    add: transformerSection(false),
    append: transformerSection(false),
  },
  'request-termination': {
    status_code: int(503, 100, 599),
    message: str(),
    content_type: str(),
    body: str(),
    echo: bool(false),
    trigger: str(),
  },
};

/** The field a non-UUID key in a URL names, per kind. */
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
