import type { FakeKongState } from './store.ts';
import type { KongRouteEntity, KongServiceEntity } from '../../master/src/kong/types.ts';

/**
 * Kong's router for the fake proxy, computed from the fake's state: which route a request
 * matches (hosts, prefix paths, methods, headers) and the path Kong sends upstream
 * (`strip_path`, the service's `path`, `path_handling` v0 and v1).
 */

/** What the router looks at. Header names are lowercase. */
export interface RouteRequest {
  method: string;
  /** The Host header (a port, if any, is ignored). */
  host: string;
  /** The normalised request path, without the query string. */
  path: string;
  headers: Readonly<Record<string, readonly string[]>>;
}

/** A matched route, its service and what goes upstream. */
export interface RouteMatch {
  route: KongRouteEntity;
  service: KongServiceEntity;
  /** The route path that matched (null when the route has no paths). */
  matchedPath: string | null;
  /** The path sent to the service, before the query string. */
  upstreamPath: string;
}

/** The Host header's name without a port, lowercase. */
export function hostWithoutPort(host: string): string {
  const h = host.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(0, h.indexOf(']') + 1);
  const colon = h.lastIndexOf(':');
  return colon >= 0 && h.indexOf(':') === colon ? h.slice(0, colon) : h;
}

/** 2 for an exact host match, 1 for a wildcard match, 0 when the route names no host, -1 for no match. */
function hostRank(route: KongRouteEntity, host: string): number {
  if (!route.hosts || route.hosts.length === 0) return 0;
  let best = -1;
  for (const h of route.hosts.map((x) => x.toLowerCase())) {
    if (h === host) return 2;
    if (h.startsWith('*.') && host.endsWith(h.slice(1))) best = 1;
    if (h.endsWith('.*') && host.startsWith(h.slice(0, -1))) best = 1;
  }
  return best;
}

/** The longest prefix path of the route that the request path starts with; '' when it has none; null for no match. Regex paths (`~…`) never match here. */
function matchedPrefix(route: KongRouteEntity, path: string): string | null | '' {
  if (!route.paths || route.paths.length === 0) return '';
  let best: string | null = null;
  for (const p of route.paths) {
    if (p.startsWith('~')) continue;
    if (path.startsWith(p) && (best === null || p.length > best.length)) best = p;
  }
  return best;
}

function methodAndHeadersMatch(route: KongRouteEntity, req: RouteRequest): boolean {
  if (route.methods && route.methods.length > 0 && !route.methods.includes(req.method.toUpperCase())) {
    return false;
  }
  for (const [name, values] of Object.entries(route.headers ?? {})) {
    const got = (req.headers[name.toLowerCase()] ?? []).map((v) => v.toLowerCase());
    if (!values.some((v) => got.includes(v.toLowerCase()))) return false;
  }
  return true;
}

/** kong/router/utils.lua:36-54 `sanitize_uri_postfix`: a leading `.`/`..` segment is dropped. */
function sanitizePostfix(postfix: string): string {
  if (postfix === '.' || postfix === '..') return '';
  if (postfix.startsWith('./')) return postfix.slice(2);
  if (postfix.startsWith('../')) return postfix.slice(3);
  return postfix;
}

/**
 * The path Kong sends upstream: kong/router/utils.lua:146-204 `get_upstream_uri_v0`, which the
 * default router (`router_flavor = traditional_compatible`, kong_defaults.lua:189) calls for
 * every route (kong/router/atc.lua:335-345), so `path_handling: v1` behaves as v0
 * (kong/db/schema/entities/routes.lua:8-13). `matchedPath` is the matched prefix (null: none).
 */
export function upstreamPath(
  servicePath: string | null,
  route: Pick<KongRouteEntity, 'strip_path'> & { path_handling?: unknown },
  matchedPath: string | null,
  requestPath: string,
): string {
  const base = servicePath && servicePath !== '' ? servicePath : '/';
  const strip = route.strip_path;
  const postfix = sanitizePostfix(requestPath.slice((matchedPath ?? '/').length));
  if (base.endsWith('/')) {
    if (strip) {
      if (postfix === '') {
        if (base === '/') return '/';
        return requestPath.endsWith('/') ? base : base.slice(0, -1);
      }
      return postfix.startsWith('/') ? base.slice(0, -1) + postfix : base + postfix;
    }
    return base + requestPath.slice(1);
  }
  if (strip) {
    if (postfix === '') return requestPath.length > 1 && requestPath.endsWith('/') ? `${base}/` : base;
    return postfix.startsWith('/') ? base + postfix : `${base}/${postfix}`;
  }
  return requestPath === '/' ? base : base + requestPath;
}

/**
 * The route Kong picks for a request: among the routes whose hosts, paths, methods and headers
 * all match, an exact host beats a wildcard beats no host, then the longest path prefix wins,
 * then a route with methods or headers, then the oldest route. Routes whose service is missing
 * or disabled never match. Null when nothing matches.
 */
export function matchRoute(state: FakeKongState, req: RouteRequest): RouteMatch | null {
  const host = hostWithoutPort(req.host);
  const index = routeIndex(state);
  const candidates = [...(index.byHost.get(host) ?? []), ...index.other];
  let best: { match: RouteMatch; score: number[] } | null = null;
  for (const { route, service } of candidates) {
    const hr = hostRank(route, host);
    if (hr < 0) continue;
    const prefix = matchedPrefix(route, req.path);
    if (prefix === null) continue;
    if (!methodAndHeadersMatch(route, req)) continue;
    const extra = (route.methods?.length ? 1 : 0) + Object.keys(route.headers ?? {}).length;
    const score = [hr, prefix.length, extra, -(route.created_at ?? 0)];
    if (best === null || compareScores(score, best.score) > 0) {
      const matchedPath = prefix === '' ? null : prefix;
      best = {
        score,
        match: {
          route,
          service,
          matchedPath,
          upstreamPath: upstreamPath(service.path, route, matchedPath, req.path),
        },
      };
    }
  }
  return best?.match ?? null;
}

interface RoutableRoute {
  route: KongRouteEntity;
  service: KongServiceEntity;
}

/** Routes that can match at all, by exact host; `other` holds wildcard and host-less routes. */
interface RouteIndex {
  byHost: Map<string, RoutableRoute[]>;
  other: RoutableRoute[];
}

const indexes = new WeakMap<FakeKongState, RouteIndex>();

/** Built once per state copy (the proxy reuses a copy until the Admin API writes). */
function routeIndex(state: FakeKongState): RouteIndex {
  const cached = indexes.get(state);
  if (cached) return cached;
  const services = new Map(state.services.map((s) => [s.id, s]));
  const index: RouteIndex = { byHost: new Map(), other: [] };
  for (const route of state.routes) {
    if (!route.protocols.some((p) => p === 'http' || p === 'https')) continue;
    const service = route.service ? services.get(route.service.id) : undefined;
    if (!service || service.enabled === false) continue;
    const entry = { route, service };
    const hosts = (route.hosts ?? []).map((h) => h.toLowerCase());
    if (hosts.length === 0 || hosts.some((h) => h.includes('*'))) index.other.push(entry);
    for (const h of new Set(hosts.filter((x) => !x.includes('*')))) {
      const list = index.byHost.get(h) ?? [];
      list.push(entry);
      index.byHost.set(h, list);
    }
  }
  indexes.set(state, index);
  return index;
}

function compareScores(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}
