/**
 * The subset of Kong's Admin API (3.x, database mode) that supafleet uses: entity shapes as
 * Kong returns them, request bodies as supafleet sends them, and list filters.
 */

/** The entity collections supafleet manages, named as in the Admin API's top-level paths. */
export type KongKind = 'services' | 'routes' | 'consumers' | 'plugins' | 'key-auths' | 'acls';

/** Every kind, in the order entities must be created (parents first). */
export const KONG_KINDS: readonly KongKind[] = [
  'services',
  'routes',
  'consumers',
  'plugins',
  'key-auths',
  'acls',
];

/** A reference to another entity as Kong returns it. */
export interface KongRef {
  id: string;
}

interface KongEntityBase {
  id: string;
  created_at?: number;
  updated_at?: number;
  tags: string[] | null;
}

export interface KongServiceEntity extends KongEntityBase {
  name: string | null;
  protocol: string;
  host: string;
  port: number;
  path: string | null;
  retries: number;
  connect_timeout: number;
  write_timeout: number;
  read_timeout: number;
  enabled: boolean;
  [field: string]: unknown;
}

export interface KongRouteEntity extends KongEntityBase {
  name: string | null;
  service: KongRef | null;
  protocols: string[];
  hosts: string[] | null;
  paths: string[] | null;
  methods: string[] | null;
  headers: Record<string, string[]> | null;
  strip_path: boolean;
  preserve_host: boolean;
  [field: string]: unknown;
}

export interface KongConsumerEntity extends KongEntityBase {
  username: string | null;
  custom_id: string | null;
  [field: string]: unknown;
}

export interface KongPluginEntity extends KongEntityBase {
  name: string;
  instance_name: string | null;
  route: KongRef | null;
  service: KongRef | null;
  consumer: KongRef | null;
  config: Record<string, unknown>;
  enabled: boolean;
  protocols: string[];
  [field: string]: unknown;
}

/** A key-auth credential. `key` is a secret: never log an entity of this kind. */
export interface KongKeyAuthEntity extends KongEntityBase {
  consumer: KongRef;
  key: string;
  ttl?: number | null;
  [field: string]: unknown;
}

export interface KongAclEntity extends KongEntityBase {
  consumer: KongRef;
  group: string;
  [field: string]: unknown;
}

/** Entity type per kind. */
export interface KongEntityMap {
  services: KongServiceEntity;
  routes: KongRouteEntity;
  consumers: KongConsumerEntity;
  plugins: KongPluginEntity;
  'key-auths': KongKeyAuthEntity;
  acls: KongAclEntity;
}

export type KongEntity = KongEntityMap[KongKind];

/** Request bodies supafleet sends with `PUT`. Parents come from the URL, not the body. */
export interface KongServiceBody {
  name: string;
  protocol: 'http' | 'https';
  host: string;
  port: number;
  path: string;
  retries: number;
  connect_timeout: number;
  write_timeout: number;
  read_timeout: number;
  enabled: boolean;
  tags: string[];
}

export interface KongRouteBody {
  name: string;
  protocols: string[];
  hosts: string[];
  paths: string[];
  methods: null;
  headers: null;
  snis: null;
  sources: null;
  destinations: null;
  strip_path: boolean;
  preserve_host: boolean;
  regex_priority: number;
  https_redirect_status_code: number;
  path_handling: 'v0' | 'v1';
  tags: string[];
}

export interface KongConsumerBody {
  username: string;
  custom_id: null;
  tags: string[];
}

export interface KongPluginBody {
  name: string;
  instance_name: string;
  config: Record<string, unknown>;
  enabled: boolean;
  protocols: string[];
  tags: string[];
}

export interface KongKeyAuthBody {
  key: string;
  tags: string[];
}

export interface KongAclBody {
  group: string;
  tags: string[];
}

/** Body type per kind. */
export interface KongBodyMap {
  services: KongServiceBody;
  routes: KongRouteBody;
  consumers: KongConsumerBody;
  plugins: KongPluginBody;
  'key-auths': KongKeyAuthBody;
  acls: KongAclBody;
}

/**
 * Where a `PUT` goes: `key` is the entity's name (or instance name, or id); `parent` is the
 * service (for routes), route (for plugins) or consumer (for credentials and ACLs) it hangs on.
 */
export interface KongPutTarget {
  key: string;
  parent?: string;
}

/** A tag filter for list calls: every tag (`a,b`) or any tag (`a/b`). Kong allows at most 5. */
export interface KongTagFilter {
  tags: readonly string[];
  match?: 'all' | 'any';
}

/** The page shape of every Admin API list. */
export interface KongPage<T> {
  data: T[];
  next: string | null;
  offset?: string;
}

/** The error body Kong answers with. */
export interface KongErrorBody {
  code?: number;
  name?: string;
  message?: string;
  fields?: Record<string, unknown>;
}
