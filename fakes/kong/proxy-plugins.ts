import type {
  KongConsumerEntity,
  KongKeyAuthEntity,
  KongPluginEntity,
  KongRouteEntity,
} from '../../master/src/kong/types.ts';
import type { KongErrorAnswer } from './errors.ts';
import { exitMessage, pdkError } from './errors.ts';
import type { FakeKongState } from './store.ts';

/**
 * The plugin phase of the fake proxy, transcribed from Kong 3.9.1's handlers (Kong/kong at tag
 * 3.9.1; every rule is listed with its source line in CONFORMANCE.md): the plugins that apply to
 * a matched route run in Kong's priority order (cors 2000, key-auth 1250, acl 950,
 * request-transformer 801, request-termination 2) and either answer the request themselves or
 * pass it on with changed headers and an authenticated consumer.
 */

/** The request as the plugins see it. Header names are lowercase; values as received. */
export interface PluginRequest {
  method: string;
  /** The raw query string, without `?`. */
  query: string;
  headers: Record<string, string[]>;
  /** nginx's `$request_id` for this request (error bodies carry it). */
  requestId: string;
}

/** The proxy answers the request itself. */
export interface PluginAnswer extends KongErrorAnswer {
  kind: 'answer';
  consumer: KongConsumerEntity | null;
}

/** The request goes upstream with these headers. */
export interface PluginPass {
  kind: 'pass';
  method: string;
  /** Request headers for the upstream, lowercase names, Host excluded. */
  headers: Record<string, string[]>;
  /** Headers added to the response sent back to the client (cors). */
  responseHeaders: Record<string, string>;
  /** The query string to send when a plugin changed it (without `?`); null: the one received. */
  query: string | null;
  consumer: KongConsumerEntity | null;
  /**
   * The upstream Host a request-transformer set; undefined: none. Kong clears `host` from the
   * header table before the transformer runs (request-transformer/access.lua:167); `replace`
   * sets it always (:198), `add` never (:205); the PDK makes a `host` header the upstream Host
   * (kong/pdk/service/request.lua:442-445).
   */
  upstreamHost?: string;
}

export type PluginOutcome = PluginAnswer | PluginPass;

/** Plugins the fake runs, highest priority first: each handler's PRIORITY at 3.9.1. */
const PRIORITY: readonly string[] = ['cors', 'key-auth', 'acl', 'request-transformer', 'request-termination'];

const strs = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];

/** ngx.req.get_uri_args: `name` alone is `true`, `name=` is ''; `+` is a space; repeated names are lists. */
export function uriArgs(raw: string): Map<string, (string | true)[]> {
  const out = new Map<string, (string | true)[]>();
  const decode = (s: string): string => {
    try {
      return decodeURIComponent(s.replace(/\+/g, ' '));
    } catch {
      return s;
    }
  };
  for (const part of raw.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const name = decode(eq < 0 ? part : part.slice(0, eq));
    const value: string | true = eq < 0 ? true : decode(part.slice(eq + 1));
    out.set(name, [...(out.get(name) ?? []), value]);
  }
  return out;
}

/** The raw query without the arguments named `name`. */
function withoutArg(raw: string, name: string): string {
  return raw
    .split('&')
    .filter((part) => {
      if (part === '') return false;
      const eq = part.indexOf('=');
      const n = eq < 0 ? part : part.slice(0, eq);
      try {
        return decodeURIComponent(n.replace(/\+/g, ' ')) !== name;
      } catch {
        return n !== name;
      }
    })
    .join('&');
}

/** cors/handler.lua:33-54 `normalize_origin`: scheme://host[:port] with :80/:443 dropped, case kept. */
function normalizeOrigin(value: string): { domain: string; host: string } {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(?:[^@/]*@)?(\[[^\]]*\]|[^:/?#]*)(?::(\d*))?/.exec(value);
  if (!m || m[2] === '') return { domain: value, host: value };
  const scheme = m[1]!;
  let port = m[3];
  if ((scheme === 'http' && port === '80') || (scheme === 'https' && port === '443')) port = undefined;
  return { domain: `${scheme}://${m[2]}${port ? `:${port}` : ''}`, host: m[2]! };
}

/**
 * cors/handler.lua:64-167 `configure_origin` and :170-190 `configure_credentials`: the
 * Access-Control-Allow-Origin (and -Credentials, Vary) the plugin sets for this request.
 */
function corsOriginHeaders(
  config: Record<string, unknown>,
  origin: string | undefined,
): Record<string, string> {
  const origins = strs(config.origins);
  const out: Record<string, string> = {};
  let allowAll = false;
  if (origins.length === 0 || (origins.length === 1 && origins[0] === '*')) {
    out['access-control-allow-origin'] = '*';
    allowAll = true;
  } else {
    out.vary = 'Origin';
    if (origins.length === 1 && /^[A-Za-z0-9.:/-]+$/.test(origins[0]!)) {
      // one plain origin: echoed whatever the request's Origin (:77-89)
      out['access-control-allow-origin'] = origins[0]!;
    } else if (origin !== undefined) {
      const req = normalizeOrigin(origin);
      for (const entry of origins) {
        if (entry === '*') {
          out['access-control-allow-origin'] = '*';
          allowAll = true;
          break;
        }
        let found: boolean;
        if (/[^A-Za-z0-9.:/-]/.test(entry)) {
          // a regex, anchored at both ends, matched against the host unless it names a port
          let re = entry.endsWith('$') ? entry : `${entry}$`;
          if (re.startsWith('^')) re = re.slice(1);
          const subject = entry.includes(':') ? req.domain : req.host;
          try {
            found = new RegExp(`^(?:${re})`).test(subject);
          } catch {
            found = false;
          }
        } else found = req.domain === normalizeOrigin(entry).domain;
        if (found) {
          out['access-control-allow-origin'] = req.domain;
          break;
        }
      }
    }
  }
  if (config.credentials === true) {
    if (!allowAll) out['access-control-allow-credentials'] = 'true';
    else if (origin !== undefined) {
      out.vary = 'Origin';
      out['access-control-allow-origin'] = origin;
      out['access-control-allow-credentials'] = 'true';
    }
  }
  return out;
}

/** cors/handler.lua:193-242: the preflight answer (exit 200, no body). */
function preflight(config: Record<string, unknown>, req: PluginRequest): Record<string, string> {
  const headers = corsOriginHeaders(config, req.headers.origin?.[0]);
  const allowHeaders = strs(config.headers);
  const requested = req.headers['access-control-request-headers']?.[0];
  if (allowHeaders.length > 0) headers['access-control-allow-headers'] = allowHeaders.join(',');
  else if (requested !== undefined) headers['access-control-allow-headers'] = requested;
  const methods = Array.isArray(config.methods) ? strs(config.methods) : null;
  headers['access-control-allow-methods'] = (
    methods ?? ['GET', 'HEAD', 'PUT', 'PATCH', 'POST', 'DELETE', 'OPTIONS', 'TRACE', 'CONNECT']
  ).join(',');
  if (typeof config.max_age === 'number') headers['access-control-max-age'] = String(config.max_age);
  if (
    config.private_network === true &&
    req.headers['access-control-request-private-network']?.[0] === 'true'
  ) {
    headers['access-control-allow-private-network'] = 'true';
  }
  return headers;
}

/**
 * key-auth/handler.lua:121-175: per key name, the header (if `key_in_header`), else the query
 * (if `key_in_query`); the first string value ends the search, even an empty one; a repeated
 * value is a duplicate. `key_in_body` is not modelled (supafleet sets it false).
 */
function findKey(
  config: Record<string, unknown>,
  req: PluginRequest,
  args: Map<string, (string | true)[]>,
): { kind: 'found'; key: string; name: string } | { kind: 'none' | 'duplicate' } {
  for (const name of strs(config.key_names)) {
    let v: string | string[] | true | undefined;
    if (config.key_in_header === true) {
      const h = req.headers[name.toLowerCase()];
      if (h !== undefined) v = h.length === 1 ? h[0]! : h;
    }
    if (v === undefined && config.key_in_query === true) {
      const q = args.get(name);
      if (q !== undefined) v = q.length === 1 ? q[0]! : (q.filter((x) => x !== true) as string[]);
    }
    if (typeof v === 'string') return v === '' ? { kind: 'none' } : { kind: 'found', key: v, name };
    if (Array.isArray(v)) return { kind: 'duplicate' };
  }
  return { kind: 'none' };
}

/** Renders a request-transformer value: `$(query_params.x)`, `$(headers.x)`, `$(headers["x"])`. */
function renderTemplate(value: string, req: PluginRequest, args: Map<string, (string | true)[]>): string {
  return value.replace(
    /\$\(\s*(query_params|headers)(?:\.([\w-]+)|\[["']([^"']+)["']\])\s*\)/g,
    (_m, src, a, b) => {
      const name = String(a ?? b);
      if (src === 'query_params') {
        const v = args.get(name)?.[0];
        return typeof v === 'string' ? v : '';
      }
      return req.headers[name.toLowerCase()]?.[0] ?? '';
    },
  );
}

/** request-transformer/access.lua:118: `name:value`, the name up to the first colon. */
function splitPair(entry: string): [string, string] {
  const m = /^([^:]+):*([\s\S]*)$/.exec(entry);
  return m ? [m[1]!, m[2]!] : [entry, ''];
}

/**
 * request-transformer/access.lua:163-232 `transform_headers`, on a header table from which Host
 * was taken out (:167): remove, rename, replace (sets `host` always, :198), add (never `host`,
 * :205), append. Returns the Host the plugin set, if any. An empty rendered value adds or
 * replaces nothing (not verified against nginx, see CONFORMANCE.md).
 */
function transformHeaders(
  config: Record<string, unknown>,
  req: PluginRequest,
  args: Map<string, (string | true)[]>,
  headers: Record<string, string[]>,
): string | undefined {
  const section = (name: string): string[] => strs((config[name] as Record<string, unknown> | null)?.headers);
  let host: string | undefined;
  for (const h of section('remove')) delete headers[splitPair(h)[0].toLowerCase()];
  for (const entry of section('rename')) {
    const [from, to] = splitPair(entry);
    const v = headers[from.toLowerCase()];
    if (v !== undefined && to !== '' && from.toLowerCase() !== to.toLowerCase()) {
      delete headers[from.toLowerCase()];
      headers[to.toLowerCase()] = v;
    }
  }
  for (const entry of section('replace')) {
    const [rawName, raw] = splitPair(entry);
    const name = rawName.toLowerCase();
    const value = renderTemplate(raw, req, args);
    if (value === '') continue;
    if (name === 'host') host = value;
    else if (headers[name] !== undefined) headers[name] = [value];
  }
  for (const entry of section('add')) {
    const [rawName, raw] = splitPair(entry);
    const name = rawName.toLowerCase();
    const value = renderTemplate(raw, req, args);
    if (name !== 'host' && headers[name] === undefined && value !== '') headers[name] = [value];
  }
  for (const entry of section('append')) {
    const [rawName, raw] = splitPair(entry);
    const name = rawName.toLowerCase();
    const value = renderTemplate(raw, req, args);
    // Appending to Host is not modelled (supafleet never does it; a test guards that).
    if (name !== 'host' && value !== '') headers[name] = [...(headers[name] ?? []), value];
  }
  return host;
}

/** key-auth/handler.lua:52-87 `set_consumer`: the consumer headers for the upstream. */
function setConsumerHeaders(
  headers: Record<string, string[]>,
  consumer: KongConsumerEntity | null,
  credentialId: string | null,
): void {
  const set = (name: string, v: string | null | undefined): void => {
    if (v) headers[name] = [v];
    else delete headers[name];
  };
  set('x-consumer-id', consumer?.id);
  set('x-consumer-custom-id', consumer?.custom_id);
  set('x-consumer-username', consumer?.username);
  set('x-credential-identifier', credentialId);
  set('x-anonymous-consumer', credentialId === null ? 'true' : null);
}

/** Plugins, credentials and groups looked up by id, built once per state copy. */
interface PluginIndex {
  byRoute: Map<string, KongPluginEntity[]>;
  byService: Map<string, KongPluginEntity[]>;
  global: KongPluginEntity[];
  keys: Map<string, KongKeyAuthEntity>;
  consumers: Map<string, KongConsumerEntity>;
  groups: Map<string, string[]>;
}

const indexes = new WeakMap<FakeKongState, PluginIndex>();

function pluginIndex(state: FakeKongState): PluginIndex {
  const cached = indexes.get(state);
  if (cached) return cached;
  const push = <T>(m: Map<string, T[]>, k: string, v: T): void => {
    const list = m.get(k) ?? [];
    list.push(v);
    m.set(k, list);
  };
  const index: PluginIndex = {
    byRoute: new Map(),
    byService: new Map(),
    global: [],
    keys: new Map(state['key-auths'].map((k) => [k.key, k])),
    consumers: new Map(state.consumers.map((c) => [c.id, c])),
    groups: new Map(),
  };
  for (const p of state.plugins) {
    if (!p.enabled || p.consumer !== null) continue;
    if (p.route !== null && p.service === null) push(index.byRoute, p.route.id, p);
    else if (p.route === null && p.service !== null) push(index.byService, p.service.id, p);
    else if (p.route === null && p.service === null) index.global.push(p);
  }
  for (const a of state.acls) push(index.groups, a.consumer.id, a.group);
  indexes.set(state, index);
  return index;
}

/** The enabled plugins that apply to a route, one per name: route over service over global (as access.ts). */
function pluginsFor(index: PluginIndex, route: KongRouteEntity): Map<string, KongPluginEntity> {
  const out = new Map<string, KongPluginEntity>();
  const layers = [
    index.global,
    route.service ? (index.byService.get(route.service.id) ?? []) : [],
    index.byRoute.get(route.id) ?? [],
  ];
  for (const layer of layers) for (const p of layer) out.set(p.name, p);
  return out;
}

/** kong/pdk/client.lua:184-212 `load_consumer(id, by_username)`: by id, else by username; none: null. */
function anonymousConsumer(state: FakeKongState, ref: unknown): KongConsumerEntity | null {
  if (typeof ref !== 'string' || ref === '') return null;
  return state.consumers.find((c) => c.id === ref) ?? state.consumers.find((c) => c.username === ref) ?? null;
}

/** kong/plugins/request-termination/handler.lua:4-11: messages when none is configured. */
const TERMINATION_DEFAULTS: Readonly<Record<number, string>> = {
  401: 'Unauthorized',
  404: 'Not found',
  405: 'Method not allowed',
  500: 'An unexpected error occurred',
  502: 'Bad Gateway',
  503: 'Service unavailable',
};

/** Runs the route's plugins over the request. The key a request carries never reaches an answer. */
export function runPlugins(state: FakeKongState, route: KongRouteEntity, req: PluginRequest): PluginOutcome {
  const index = pluginIndex(state);
  const plugins = pluginsFor(index, route);
  const ordered = PRIORITY.map((n) => plugins.get(n)).filter((p): p is KongPluginEntity => p !== undefined);
  const headers: Record<string, string[]> = Object.fromEntries(
    Object.entries(req.headers)
      .filter(([k]) => k !== 'host')
      .map(([k, v]) => [k, [...v]]),
  );
  const args = uriArgs(req.query);
  let query: string | null = null;
  let upstreamHost: string | undefined;
  let responseHeaders: Record<string, string> = {};
  let consumer: KongConsumerEntity | null = null;
  let credential: KongKeyAuthEntity | null = null;
  const accept = req.headers.accept?.join(',');
  // Access-phase answers are delayed so every collected plugin's header_filter (cors) still runs
  // on them (kong/init.lua execute_collecting_plugins_iterator): the cors headers go on errors too.
  const answer = (a: KongErrorAnswer): PluginAnswer => ({
    kind: 'answer',
    ...a,
    headers: { ...responseHeaders, ...a.headers },
    consumer,
  });
  const error = (status: number, message?: string, extra: Record<string, string> = {}): PluginAnswer =>
    answer(pdkError(status, message, { accept, requestId: req.requestId }, extra));

  for (const plugin of ordered) {
    const config = plugin.config;
    switch (plugin.name) {
      case 'cors': {
        const isPreflight =
          req.method === 'OPTIONS' &&
          req.headers.origin !== undefined &&
          req.headers['access-control-request-method'] !== undefined;
        if (isPreflight) {
          if (config.preflight_continue === true) break;
          return { kind: 'answer', status: 200, headers: preflight(config, req), body: '', consumer };
        }
        responseHeaders = corsOriginHeaders(config, req.headers.origin?.[0]);
        const exposed = strs(config.exposed_headers);
        if (exposed.length > 0) responseHeaders['access-control-expose-headers'] = exposed.join(',');
        break;
      }
      case 'key-auth': {
        if (req.method === 'OPTIONS' && config.run_on_preflight !== true) break;
        const realm = typeof config.realm === 'string' ? `Key realm="${config.realm}"` : 'Key';
        const found = findKey(config, req, args);
        let failure: string | null = null;
        let held: KongKeyAuthEntity | undefined;
        if (found.kind === 'duplicate') failure = 'Duplicate API key found';
        else if (found.kind === 'none') failure = 'No API key found in request';
        else if (found.kind === 'found') {
          held = index.keys.get(found.key);
          if (!held || !index.consumers.has(held.consumer.id)) failure = 'Unauthorized';
        }
        if (failure !== null) {
          // handler.lua:233-253: with `anonymous` set, fall back to it (or to no consumer at all)
          if (typeof config.anonymous !== 'string' || config.anonymous === '') {
            return error(401, failure, { 'www-authenticate': realm });
          }
          consumer = anonymousConsumer(state, config.anonymous);
          setConsumerHeaders(headers, consumer, null);
          break;
        }
        consumer = index.consumers.get(held!.consumer.id)!;
        credential = held!;
        setConsumerHeaders(headers, consumer, credential.id);
        if (config.hide_credentials === true && found.kind === 'found') {
          delete headers[found.name.toLowerCase()];
          if (args.has(found.name)) query = withoutArg(query ?? req.query, found.name);
        }
        break;
      }
      case 'acl': {
        // acl/handler.lua:46-137
        const deny = strs(config.deny);
        const type = deny.length > 0 ? 'deny' : 'allow';
        const listed = type === 'deny' ? deny : strs(config.allow);
        if (consumer === null) {
          return credential ? error(403, 'You cannot consume this service') : error(401);
        }
        let groups = index.groups.get((consumer as KongConsumerEntity).id) ?? [];
        if (groups.length === 0) {
          if (type === 'allow') {
            return credential ? error(403, 'You cannot consume this service') : error(401);
          }
          groups = [];
        }
        const inGroup = listed.some((g) => groups.includes(g));
        const blocked = type === 'deny' ? inGroup : !inGroup;
        if (blocked) return error(403, 'You cannot consume this service');
        if (config.hide_groups_header !== true) headers['x-consumer-groups'] = [groups.join(', ')];
        break;
      }
      case 'request-transformer': {
        const host = transformHeaders(config, req, args, headers);
        if (host !== undefined) upstreamHost = host;
        break;
      }
      case 'request-termination': {
        // request-termination/handler.lua:21-74 (echo is not modelled)
        const trigger = typeof config.trigger === 'string' ? config.trigger : null;
        if (trigger !== null && !headers[trigger.toLowerCase()] && !args.has(trigger)) break;
        const status = typeof config.status_code === 'number' ? config.status_code : 503;
        if (typeof config.body === 'string') {
          const type: Record<string, string> =
            typeof config.content_type === 'string' ? { 'content-type': config.content_type } : {};
          return answer({ status, headers: type, body: config.body });
        }
        const message = typeof config.message === 'string' ? config.message : TERMINATION_DEFAULTS[status];
        if (message === undefined) return answer({ status, headers: {}, body: '' });
        return answer(exitMessage(status, message, req.requestId));
      }
      default:
        break;
    }
  }
  const method = (() => {
    const t = plugins.get('request-transformer')?.config.http_method;
    return typeof t === 'string' && t !== '' ? t.toUpperCase() : req.method;
  })();
  return {
    kind: 'pass',
    method,
    headers,
    responseHeaders,
    query,
    consumer,
    ...(upstreamHost !== undefined ? { upstreamHost } : {}),
  };
}
