/**
 * A model of Supavisor 2.7.4's tenant management API (`/api/tenants/:external_id`), as the
 * master's pooler client (`master/src/pooler/`) depends on it. Each behaviour is backed by
 * Supavisor's source in CONFORMANCE.md (file:line at tag v2.7.4); the fake does nothing that
 * file does not list. The upstream databases a tenant points at are stand-ins registered with
 * `addDatabase`: they answer the fake's credential check the way a Postgres with the
 * supabase/postgres image's `pgbouncer.get_auth` answers Supavisor's.
 */
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One database a tenant may point at: reachable at host:port, with these roles and passwords. */
export interface FakeDatabase {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  /** `select version()`, e.g. `PostgreSQL 15.8 on aarch64-unknown-linux-gnu, ...`. */
  readonly version: string;
  /** Login roles and their passwords; `pgbouncer.get_auth` finds exactly these. */
  readonly roles: Readonly<Record<string, string>>;
}

/** A tenant as Supavisor renders it (tenant_view.ex:14-16, user_view.ex:4-14). */
export interface FakeTenant {
  id: string;
  external_id: string;
  db_host: string;
  db_port: number;
  db_database: string;
  default_parameter_status: Record<string, unknown>;
  ip_version: string;
  upstream_ssl: boolean;
  upstream_verify: string | null;
  enforce_ssl: boolean;
  require_user: boolean;
  auth_query: string | null;
  default_pool_size: number;
  sni_hostname: string | null;
  default_max_clients: number;
  client_idle_timeout: number;
  client_heartbeat_interval: number;
  allow_list: string[];
  availability_zone: string | null;
  feature_flags: Record<string, unknown>;
  users: FakeUser[];
  inserted_at: string;
  updated_at: string;
}

export interface FakeUser {
  db_user_alias: string;
  db_user: string;
  db_password: string;
  pool_size: number;
  is_manager: boolean;
  mode_type: 'transaction' | 'session';
  pool_checkout_timeout: number;
  max_clients: number | null;
}

export interface FakeSupavisorOptions {
  /** API_JWT_SECRET (runtime.exs:176). */
  readonly apiJwtSecret: string;
  /** Injected clock for `exp` checks and timestamps. */
  readonly now?: () => Date;
}

export interface FakeSupavisor {
  readonly url: string;
  /** Tenants by external_id. */
  readonly tenants: Map<string, FakeTenant>;
  /** Every request seen: method, path, status answered. */
  readonly requests: { method: string; path: string; status: number }[];
  /** external_ids whose pools an update terminated (tenant_controller.ex:177), in order. */
  readonly terminated: string[];
  /** Registers (or replaces) an upstream database the credential check can reach. */
  addDatabase(db: FakeDatabase): void;
  /** Makes host:port unreachable again. */
  removeDatabase(host: string, port: number): void;
  /** Answers every API call with this status until cleared (models Supavisor down or failing). */
  failWith(status: number | null): void;
  close(): Promise<void>;
}

interface Answer {
  readonly status: number;
  readonly body?: unknown;
}

const HS = new Map([
  ['HS256', 'sha256'],
  ['HS384', 'sha384'],
  ['HS512', 'sha512'],
]);

function b64urlJson(part: string): unknown {
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * router.ex:94-108 and jwt.ex:46-102: Bearer token, URI-decoded and stripped of whitespace;
 * header and claims must be JSON maps, the header `typ: "JWT"` with an HS256/384/512 `alg`,
 * the signature valid for the secret, and `exp` (jwt.ex:31-36) later than now.
 */
function authorized(header: string | undefined, secret: string, nowS: number): boolean {
  if (header === undefined || !header.startsWith('Bearer ')) return false;
  let token: string;
  try {
    token = decodeURI(header.slice('Bearer '.length)).replace(/\s/g, '');
  } catch {
    return false;
  }
  const parts = token.split('.');
  if (parts.length !== 3) return false;
  const [h, c, sig] = parts as [string, string, string];
  const head = b64urlJson(h);
  const claims = b64urlJson(c);
  if (!isObject(head) || !isObject(claims)) return false;
  const algo = typeof head.alg === 'string' ? HS.get(head.alg) : undefined;
  if (head.typ !== 'JWT' || algo === undefined) return false;
  const want = createHmac(algo, secret).update(`${h}.${c}`).digest();
  const got = Buffer.from(sig, 'base64url');
  if (got.length !== want.length || !timingSafeEqual(got, want)) return false;
  if ('exp' in claims && !(typeof claims.exp === 'number' && claims.exp > nowS)) return false;
  return true;
}

/** Ecto's integer cast: integers and decimal strings. */
function castInt(v: unknown): number | undefined | 'invalid' {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string' && /^-?\d+$/.test(v.trim())) return Number(v.trim());
  return 'invalid';
}

type Errors = Record<string, unknown>;

/** user.ex:25-51: db_user_alias defaults to db_user; alias, user, password, pool_size, mode_type required. */
function castUser(p: unknown): { user?: FakeUser; errors?: Errors } {
  if (!isObject(p)) return { errors: { users: ['is invalid'] } };
  const errors: Record<string, string[]> = {};
  const str = (k: string): string | undefined =>
    typeof p[k] === 'string' && p[k] !== '' ? (p[k] as string) : undefined;
  const dbUser = str('db_user');
  const alias = str('db_user_alias') ?? dbUser;
  const password = str('db_password');
  const poolSize = castInt(p.pool_size);
  const checkout = castInt(p.pool_checkout_timeout);
  const maxClients = castInt(p.max_clients);
  const mode = p.mode_type;
  if (alias === undefined) errors.db_user_alias = ["can't be blank"];
  if (dbUser === undefined) errors.db_user = ["can't be blank"];
  if (password === undefined) errors.db_password = ["can't be blank"];
  if (poolSize === undefined) errors.pool_size = ["can't be blank"];
  else if (poolSize === 'invalid') errors.pool_size = ['is invalid'];
  if (mode === undefined || mode === null || mode === '') errors.mode_type = ["can't be blank"];
  else if (mode !== 'transaction' && mode !== 'session') errors.mode_type = ['is invalid'];
  if (checkout === 'invalid') errors.pool_checkout_timeout = ['is invalid'];
  if (maxClients === 'invalid') errors.max_clients = ['is invalid'];
  if (Object.keys(errors).length > 0) return { errors };
  return {
    user: {
      db_user_alias: alias!,
      db_user: dbUser!,
      db_password: password!,
      pool_size: poolSize as number,
      is_manager: p.is_manager === true || p.is_manager === 'true',
      mode_type: mode as 'transaction' | 'session',
      pool_checkout_timeout: (checkout as number | undefined) ?? 60_000,
      max_clients: (maxClients as number | undefined) ?? null,
    },
  };
}

const CIDR_V4 = /^(\d{1,3})(\.\d{1,3}){3}\/\d{1,2}$/;
const CIDR_V6 = /^[0-9a-fA-F:]+\/\d{1,3}$/;

/**
 * tenant.ex:48-86 applied to `base` (an existing tenant, or the schema defaults of tenant.ex:15-45):
 * casts the listed fields, requires the required ones, validates allow_list, and replaces the
 * users when `users` is given (cast_assoc, on_replace: :delete).
 */
function changeset(
  base: FakeTenant,
  attrs: Record<string, unknown>,
): { tenant?: FakeTenant; errors?: Errors } {
  const t: FakeTenant = { ...base, users: [...base.users] };
  const errors: Errors = {};
  const strField = (
    k: 'db_host' | 'db_database' | 'external_id' | 'auth_query' | 'sni_hostname' | 'availability_zone',
  ) => {
    if (!(k in attrs)) return;
    const v = attrs[k];
    if (v === null || v === '') (t as unknown as Record<string, unknown>)[k] = null;
    else if (typeof v === 'string') (t as unknown as Record<string, unknown>)[k] = v;
    else errors[k] = ['is invalid'];
  };
  strField('external_id');
  strField('db_host');
  strField('db_database');
  strField('auth_query');
  strField('sni_hostname');
  strField('availability_zone');
  for (const k of [
    'db_port',
    'default_pool_size',
    'default_max_clients',
    'client_idle_timeout',
    'client_heartbeat_interval',
  ] as const) {
    if (!(k in attrs)) continue;
    const v = castInt(attrs[k]);
    if (v === 'invalid') errors[k] = ['is invalid'];
    else (t as unknown as Record<string, unknown>)[k] = v ?? null;
  }
  for (const k of ['require_user', 'upstream_ssl', 'enforce_ssl'] as const) {
    if (!(k in attrs)) continue;
    const v = attrs[k];
    if (typeof v === 'boolean') t[k] = v;
    else if (v === 'true' || v === 'false') t[k] = v === 'true';
    else errors[k] = ['is invalid'];
  }
  if ('default_parameter_status' in attrs) {
    if (isObject(attrs.default_parameter_status)) t.default_parameter_status = attrs.default_parameter_status;
    else errors.default_parameter_status = ['is invalid'];
  }
  if ('allow_list' in attrs) {
    const v = attrs.allow_list;
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) errors.allow_list = ['is invalid'];
    else {
      // tenant.ex:119-129: every entry must parse as a CIDR (surrounding spaces allowed, :111-115)
      const bad = (v as string[]).filter((r) => !CIDR_V4.test(r.trim()) && !CIDR_V6.test(r.trim()));
      if (bad.length > 0) errors.allow_list = bad.map((r) => `Invalid CIDR range: ${r}`);
      else t.allow_list = v as string[];
    }
  }
  // tenant.ex:74-82
  const required = ['default_parameter_status', 'external_id', 'db_host', 'db_port', 'db_database'] as const;
  for (const k of required) {
    const v = (t as unknown as Record<string, unknown>)[k];
    if ((v === null || v === undefined) && errors[k] === undefined) errors[k] = ["can't be blank"];
  }
  if ('users' in attrs) {
    if (!Array.isArray(attrs.users)) errors.users = ['is invalid'];
    else {
      const cast = attrs.users.map(castUser);
      if (cast.some((c) => c.errors)) errors.users = cast.map((c) => c.errors ?? {});
      else t.users = cast.map((c) => c.user!);
    }
  }
  return Object.keys(errors).length > 0 ? { errors } : { tenant: t };
}

function defaults(now: string): FakeTenant {
  // tenant.ex:15-45 (schema defaults)
  return {
    id: randomUUID(),
    external_id: '',
    db_host: '',
    db_port: null as unknown as number,
    db_database: '',
    default_parameter_status: null as unknown as Record<string, unknown>,
    ip_version: 'auto',
    upstream_ssl: false,
    upstream_verify: null,
    enforce_ssl: false,
    require_user: false,
    auth_query: null,
    default_pool_size: 15,
    sni_hostname: null,
    default_max_clients: 1000,
    client_idle_timeout: 0,
    client_heartbeat_interval: 60,
    allow_list: ['0.0.0.0/0', '::/0'],
    availability_zone: null,
    feature_flags: {},
    users: [],
    inserted_at: now,
    updated_at: now,
  };
}

/** helpers.ex:160-171 */
function parsePgVersion(version: string): string | undefined {
  const m = /PostgreSQL\s(\d+\.\d+)(?:\s\(([^)]+)\))?.*/.exec(version);
  if (!m) return undefined;
  return m[2] !== undefined ? `${m[1]} (${m[2]})` : m[1];
}

export async function startFakeSupavisor(opts: FakeSupavisorOptions, port = 0): Promise<FakeSupavisor> {
  const now = opts.now ?? (() => new Date());
  const tenants = new Map<string, FakeTenant>();
  const requests: FakeSupavisor['requests'] = [];
  const terminated: string[] = [];
  const databases = new Map<string, FakeDatabase>();
  let failure: number | null = null;

  /** helpers.ex:7-90: what a create checks against the upstream database before inserting. */
  const checkCredentials = (p: Record<string, unknown>): { version?: string; error?: string } => {
    const users = Array.isArray(p.users) ? (p.users as unknown[]) : undefined;
    if (p.require_user === false) {
      if (users === undefined || users.length !== 1)
        return { error: "Can't use 'require_user' and 'auth_query' with multiple users" };
      if (!isObject(users[0]) || users[0].is_manager !== true)
        return { error: "Can't use 'require_user' and 'auth_query' with non-manager user" };
    } else if (users === undefined) {
      return {}; // helpers.ex:24: no users, no check
    }
    for (const u of users) {
      const user = isObject(u) ? u : {};
      const name = String(user.db_user);
      const db = databases.get(`${String(p.db_host)}:${String(castInt(p.db_port))}`);
      const ok =
        db !== undefined &&
        db.database === p.db_database &&
        Object.hasOwn(db.roles, name) &&
        db.roles[name] === user.db_password;
      // helpers.ex:76-77 (the reason is Postgrex's error, inspected)
      if (!ok)
        return { error: `Can't connect the user ${name}: connection refused or authentication failed` };
      if (p.require_user === true) continue;
      // helpers.ex:94, :96-107: the manager's own secret through auth_query
      if (typeof p.auth_query !== 'string') return { error: 'No auth_query specified' };
      if (!/pgbouncer\.get_auth\(\$1\)/.test(p.auth_query)) {
        return { error: 'Authentication query failed: undefined function' };
      }
      const version = parsePgVersion(db.version);
      return version === undefined ? { error: `Can't parse version in ${db.version}` } : { version };
    }
    return { error: 'no user checked' };
  };

  const put = (id: string, body: unknown): Answer => {
    // the update/2 clauses match %{"tenant" => params} (tenant_controller.ex:118-138); a body
    // without it matches none: Phoenix.ActionClauseError, plug_status 400
    if (!isObject(body) || !isObject(body.tenant)) return { status: 400, body: 'Bad Request' };
    const params = body.tenant;
    // tenant_controller.ex:144-149
    if (params.upstream_ssl && params.upstream_verify === 'peer' && !params.upstream_tls_ca) {
      return {
        status: 400,
        body: { error: "Invalid 'upstream_verify' value, 'peer' is not allowed without certificate" },
      };
    }
    const stamp = now().toISOString();
    const existing = tenants.get(id);
    if (existing === undefined) {
      // tenant_controller.ex:151-170: check the credentials, then create with external_id from the path
      const check = checkCredentials(params);
      if (check.error !== undefined) return { status: 400, body: { error: check.error } };
      const attrs: Record<string, unknown> = { ...params, external_id: id };
      if (check.version !== undefined) attrs.default_parameter_status = { server_version: check.version };
      const out = changeset(defaults(stamp), attrs);
      if (out.errors) return { status: 422, body: { errors: out.errors } };
      tenants.set(id, out.tenant!);
      return { status: 201, body: { data: out.tenant } };
    }
    // tenant_controller.ex:172-180: update without a credential check, then stop the tenant's pools
    const out = changeset(existing, params);
    if (out.errors) return { status: 422, body: { errors: out.errors } };
    const updated = { ...out.tenant!, updated_at: stamp };
    tenants.set(updated.external_id, updated);
    if (updated.external_id !== id) tenants.delete(id);
    terminated.push(updated.external_id);
    return { status: 200, body: { data: updated } };
  };

  const handle = (req: IncomingMessage, raw: string): Answer => {
    const url = new URL(req.url ?? '/', 'http://supavisor');
    const path = url.pathname;
    // router.ex:92: /api/health skips the auth plug; tenant_controller.ex:238-241
    if (req.method === 'GET' && path === '/api/health') return { status: 204 };
    const m = /^\/api\/tenants\/([^/]+)$/.exec(path);
    // router.ex:44-46: GET, PUT and DELETE are routed; anything else is Phoenix's 404, before any plug
    if (!m || !['GET', 'PUT', 'DELETE'].includes(req.method ?? '')) {
      return { status: 404, body: 'Not Found' };
    }
    if (!authorized(req.headers.authorization, opts.apiJwtSecret, Math.floor(now().getTime() / 1000))) {
      return { status: 403 }; // router.ex:103-107: empty body
    }
    if (failure !== null) return { status: failure, body: { errors: { detail: 'fake failure' } } };
    const id = decodeURIComponent(m[1]!);
    if (req.method === 'GET') {
      const t = tenants.get(id);
      // tenant_controller.ex:88-100, tenant_view.ex:26-28
      return t ? { status: 200, body: { data: t } } : { status: 404, body: { error: 'not found' } };
    }
    if (req.method === 'DELETE') {
      // tenant_controller.ex:197-203: 204 or 404, empty body
      return { status: tenants.delete(id) ? 204 : 404 };
    }
    let body: unknown;
    try {
      body = raw === '' ? {} : JSON.parse(raw);
    } catch {
      return { status: 400, body: 'Bad Request' };
    }
    return put(id, body);
  };

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const answer = handle(req, Buffer.concat(chunks).toString('utf8'));
      requests.push({
        method: req.method ?? '',
        path: new URL(req.url ?? '/', 'http://x').pathname,
        status: answer.status,
      });
      if (answer.body === undefined) {
        res.writeHead(answer.status).end();
      } else {
        res.writeHead(answer.status, { 'content-type': 'application/json; charset=utf-8' });
        res.end(JSON.stringify(answer.body));
      }
    });
  });
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}`,
    tenants,
    requests,
    terminated,
    addDatabase: (db) => databases.set(`${db.host}:${db.port}`, db),
    removeDatabase: (host, p) => databases.delete(`${host}:${p}`),
    failWith: (status) => {
      failure = status;
    },
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}
