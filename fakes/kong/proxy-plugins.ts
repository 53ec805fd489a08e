import { STATUS_CODES } from 'node:http';
import type { FakeKongState } from './store.ts';
import type {
  KongConsumerEntity,
  KongKeyAuthEntity,
  KongPluginEntity,
  KongRouteEntity,
} from '../../master/src/kong/types.ts';

/**
 * The plugin phase of the fake proxy: the plugins that apply to a matched route run in Kong's
 * priority order (cors 2000, key-auth 1250, acl 950, request-transformer 801,
 * request-termination 2) and either answer the request themselves or pass it on with changed
 * headers and an authenticated consumer.
 */

/** The request as the plugins see it. Header names are lowercase; values as received. */
export interface PluginRequest {
  method: string;
  query: URLSearchParams;
  headers: Record<string, string[]>;
}

/** The proxy answers the request itself. */
export interface PluginAnswer {
  kind: 'answer';
  status: number;
  headers: Record<string, string>;
  body: string;
  consumer: KongConsumerEntity | null;
}

/** The request goes upstream with these headers. */
export interface PluginPass {
  kind: 'pass';
  method: string;
  /** Request headers for the upstream, lowercase names. */
  headers: Record<string, string[]>;
  /** Headers added to the response sent back to the client (cors). */
  responseHeaders: Record<string, string>;
  /** The query string to send when a plugin changed it (without `?`); null: the one received. */
  query: string | null;
  consumer: KongConsumerEntity | null;
  /**
   * The upstream Host a request-transformer set. Kong's transformer works on the
   * upstream request's Host: with `preserve_host` false it is unset when the plugin
   * runs, so `add` sets it (and `replace` does nothing); undefined: none was set.
   */
  upstreamHost?: string;
}

export type PluginOutcome = PluginAnswer | PluginPass;

/** Plugins the fake runs, highest priority first. Kong's own priorities. */
const PRIORITY: readonly string[] = ['cors', 'key-auth', 'acl', 'request-transformer', 'request-termination'];

const JSON_TYPE = 'application/json; charset=utf-8';

/** A JSON answer `{"message": …}` as Kong's plugins send it. */
export function kongMessage(
  status: number,
  message: string,
  headers: Record<string, string> = {},
): Omit<PluginAnswer, 'consumer'> {
  return {
    kind: 'answer',
    status,
    headers: { 'content-type': JSON_TYPE, ...headers },
    body: JSON.stringify({ message }),
  };
}

const strs = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];

/** Does a configured origin admit the request's origin? Entries with regex characters are regexes. */
function originAllowed(configured: string, origin: string): boolean {
  if (configured === '*') return true;
  if (/[\^$+?()[\]{}|\\*]/.test(configured)) {
    try {
      return new RegExp(`^(?:${configured})$`, 'i').test(origin);
    } catch {
      return false;
    }
  }
  return configured.toLowerCase() === origin.toLowerCase();
}

/** The Access-Control-* headers the cors plugin puts on every response of the route. */
function corsHeaders(config: Record<string, unknown>, origin: string | undefined): Record<string, string> {
  const origins = strs(config.origins);
  const out: Record<string, string> = {};
  const allowAll = origins.length === 0 || (origins.length === 1 && origins[0] === '*');
  if (allowAll) {
    if (config.credentials === true && origin !== undefined) {
      out['access-control-allow-origin'] = origin;
      out.vary = 'Origin';
    } else out['access-control-allow-origin'] = '*';
  } else {
    out.vary = 'Origin';
    if (origin !== undefined && origins.some((o) => originAllowed(o, origin))) {
      out['access-control-allow-origin'] = origin;
    }
  }
  if (config.credentials === true && (!allowAll || origin !== undefined)) {
    out['access-control-allow-credentials'] = 'true';
  }
  return out;
}

function preflight(config: Record<string, unknown>, req: PluginRequest): Omit<PluginAnswer, 'consumer'> {
  const headers = corsHeaders(config, req.headers.origin?.[0]);
  const allowHeaders = strs(config.headers);
  const requested = req.headers['access-control-request-headers']?.join(',');
  if (allowHeaders.length > 0) headers['access-control-allow-headers'] = allowHeaders.join(',');
  else if (requested) headers['access-control-allow-headers'] = requested;
  const methods = strs(config.methods);
  headers['access-control-allow-methods'] = (
    methods.length > 0
      ? methods
      : ['GET', 'HEAD', 'PUT', 'PATCH', 'POST', 'DELETE', 'OPTIONS', 'TRACE', 'CONNECT']
  ).join(',');
  if (typeof config.max_age === 'number') headers['access-control-max-age'] = String(config.max_age);
  if (
    config.private_network === true &&
    req.headers['access-control-request-private-network']?.[0] === 'true'
  ) {
    headers['access-control-allow-private-network'] = 'true';
  }
  return { kind: 'answer', status: 200, headers, body: '' };
}

/** The key the request carries: `found` (one value), `none`, or `duplicate` (sent twice). */
function findKey(
  config: Record<string, unknown>,
  req: PluginRequest,
): { kind: 'found'; key: string; name: string; where: 'header' | 'query' } | { kind: 'none' | 'duplicate' } {
  for (const name of strs(config.key_names)) {
    if (config.key_in_header !== false) {
      const v = req.headers[name.toLowerCase()] ?? [];
      if (v.length > 1) return { kind: 'duplicate' };
      if (v.length === 1 && v[0] !== '') return { kind: 'found', key: v[0]!, name, where: 'header' };
    }
    if (config.key_in_query !== false) {
      const v = req.query.getAll(name);
      if (v.length > 1) return { kind: 'duplicate' };
      if (v.length === 1 && v[0] !== '') return { kind: 'found', key: v[0]!, name, where: 'query' };
    }
  }
  return { kind: 'none' };
}

/** Renders a request-transformer value: `$(query_params.x)`, `$(headers.x)`, `$(headers["x"])`. */
function renderTemplate(value: string, req: PluginRequest): string {
  return value.replace(
    /\$\(\s*(query_params|headers)(?:\.([\w-]+)|\[["']([^"']+)["']\])\s*\)/g,
    (_m, src, a, b) => {
      const name = String(a ?? b);
      if (src === 'query_params') return req.query.get(name) ?? '';
      return req.headers[name.toLowerCase()]?.[0] ?? '';
    },
  );
}

function splitPair(entry: string): [string, string] {
  const i = entry.indexOf(':');
  return i < 0
    ? [entry.trim().toLowerCase(), '']
    : [entry.slice(0, i).trim().toLowerCase(), entry.slice(i + 1)];
}

/** Applies request-transformer's header sections in Kong's order: remove, rename, replace, add, append. */
function transformHeaders(
  config: Record<string, unknown>,
  req: PluginRequest,
  headers: Record<string, string[]>,
): void {
  const section = (name: string): string[] => strs((config[name] as Record<string, unknown> | null)?.headers);
  for (const h of section('remove')) delete headers[h.trim().toLowerCase()];
  for (const entry of section('rename')) {
    const [from, to] = splitPair(entry);
    const v = headers[from];
    if (v !== undefined && to !== '') {
      delete headers[from];
      headers[to.trim().toLowerCase()] = v;
    }
  }
  for (const entry of section('replace')) {
    const [name, raw] = splitPair(entry);
    const value = renderTemplate(raw, req);
    if (headers[name] !== undefined && value !== '') headers[name] = [value];
  }
  for (const entry of section('add')) {
    const [name, raw] = splitPair(entry);
    const value = renderTemplate(raw, req);
    if (headers[name] === undefined && value !== '') headers[name] = [value];
  }
  for (const entry of section('append')) {
    const [name, raw] = splitPair(entry);
    const value = renderTemplate(raw, req);
    if (value !== '') headers[name] = [...(headers[name] ?? []), value];
  }
}

function setConsumerHeaders(
  headers: Record<string, string[]>,
  consumer: KongConsumerEntity,
  credentialId: string | null,
): void {
  headers['x-consumer-id'] = [consumer.id];
  if (consumer.username) headers['x-consumer-username'] = [consumer.username];
  else delete headers['x-consumer-username'];
  if (consumer.custom_id) headers['x-consumer-custom-id'] = [consumer.custom_id];
  else delete headers['x-consumer-custom-id'];
  if (credentialId) headers['x-credential-identifier'] = [credentialId];
  else delete headers['x-credential-identifier'];
  delete headers['x-anonymous-consumer'];
}

/** Plugins, credentials and groups looked up by id, built once per state copy. */
interface PluginIndex {
  byRoute: Map<string, KongPluginEntity[]>;
  byService: Map<string, KongPluginEntity[]>;
  global: KongPluginEntity[];
  keys: Map<string, KongKeyAuthEntity>;
  consumers: Map<string, KongConsumerEntity>;
  groups: Map<string, Set<string>>;
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
  for (const a of state.acls) {
    const set = index.groups.get(a.consumer.id) ?? new Set<string>();
    set.add(a.group);
    index.groups.set(a.consumer.id, set);
  }
  indexes.set(state, index);
  return index;
}

/** The enabled plugins that apply to a route, one per name: route over service over global (as fake-access.ts). */
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

/** The anonymous consumer key-auth falls back to, by id or username. */
function anonymousConsumer(state: FakeKongState, ref: unknown): KongConsumerEntity | null {
  if (typeof ref !== 'string' || ref === '') return null;
  return state.consumers.find((c) => c.id === ref || c.username === ref) ?? null;
}

/** Runs the route's plugins over the request. The key a request carries never reaches an answer. */
export function runPlugins(state: FakeKongState, route: KongRouteEntity, req: PluginRequest): PluginOutcome {
  const index = pluginIndex(state);
  const plugins = pluginsFor(index, route);
  const ordered = PRIORITY.map((n) => plugins.get(n)).filter((p): p is KongPluginEntity => p !== undefined);
  const headers: Record<string, string[]> = Object.fromEntries(
    Object.entries(req.headers).map(([k, v]) => [k, [...v]]),
  );
  const query = new URLSearchParams(req.query);
  let queryChanged = false;
  let upstreamHost: string | undefined;
  let responseHeaders: Record<string, string> = {};
  let consumer: KongConsumerEntity | null = null;
  const answer = (a: Omit<PluginAnswer, 'consumer'>): PluginAnswer => ({
    ...a,
    headers: { ...responseHeaders, ...a.headers },
    consumer,
  });

  for (const plugin of ordered) {
    const config = plugin.config;
    switch (plugin.name) {
      case 'cors': {
        const isPreflight =
          req.method === 'OPTIONS' &&
          req.headers.origin !== undefined &&
          req.headers['access-control-request-method'] !== undefined;
        if (isPreflight && config.preflight_continue !== true) return answer(preflight(config, req));
        responseHeaders = corsHeaders(config, req.headers.origin?.[0]);
        const exposed = strs(config.exposed_headers);
        if (exposed.length > 0) responseHeaders['access-control-expose-headers'] = exposed.join(',');
        break;
      }
      case 'key-auth': {
        if (req.method === 'OPTIONS' && config.run_on_preflight === false) break;
        const realm = typeof config.realm === 'string' ? `Key realm="${config.realm}"` : 'Key';
        const found = findKey(config, req);
        const anonymous = anonymousConsumer(state, config.anonymous);
        const refuse = (message: string): PluginAnswer | null => {
          if (anonymous === null) return answer(kongMessage(401, message, { 'www-authenticate': realm }));
          consumer = anonymous;
          setConsumerHeaders(headers, anonymous, null);
          headers['x-anonymous-consumer'] = ['true'];
          return null;
        };
        if (found.kind !== 'found') {
          const r = refuse(
            found.kind === 'duplicate' ? 'Duplicate API key found' : 'No API key found in request',
          );
          if (r) return r;
          break;
        }
        const credential = index.keys.get(found.key);
        const owner = credential ? index.consumers.get(credential.consumer.id) : undefined;
        if (!credential || !owner) {
          const r = refuse('Invalid authentication credentials');
          if (r) return r;
          break;
        }
        consumer = owner;
        setConsumerHeaders(headers, owner, credential.id);
        if (config.hide_credentials === true) {
          if (found.where === 'header') delete headers[found.name.toLowerCase()];
          else {
            query.delete(found.name);
            queryChanged = true;
          }
        }
        break;
      }
      case 'acl': {
        if (consumer === null) return answer(kongMessage(401, 'Unauthorized'));
        const groups = index.groups.get((consumer as KongConsumerEntity).id) ?? new Set<string>();
        const allow = strs(config.allow);
        const deny = strs(config.deny);
        const refused =
          (allow.length > 0 && !allow.some((g) => groups.has(g))) || deny.some((g) => groups.has(g));
        if (refused) return answer(kongMessage(403, 'You cannot consume this service'));
        if (config.hide_groups_header !== true && groups.size > 0) {
          headers['x-consumer-groups'] = [[...groups].sort().join(', ')];
        }
        break;
      }
      case 'request-transformer': {
        const clientHost = headers.host;
        delete headers.host;
        transformHeaders(config, req, headers);
        if (headers.host?.[0]) upstreamHost = headers.host[0];
        if (clientHost) headers.host = clientHost;
        else delete headers.host;
        break;
      }
      case 'request-termination': {
        const trigger = typeof config.trigger === 'string' ? config.trigger : null;
        if (trigger !== null && !headers[trigger.toLowerCase()] && !req.query.has(trigger)) break;
        const status = typeof config.status_code === 'number' ? config.status_code : 503;
        if (typeof config.body === 'string') {
          const type = typeof config.content_type === 'string' ? config.content_type : JSON_TYPE;
          return answer({ kind: 'answer', status, headers: { 'content-type': type }, body: config.body });
        }
        const message =
          typeof config.message === 'string'
            ? config.message
            : (STATUS_CODES[status] ?? 'Request terminated');
        return answer(kongMessage(status, message));
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
    query: queryChanged ? query.toString() : null,
    consumer,
    ...(upstreamHost !== undefined ? { upstreamHost } : {}),
  };
}
