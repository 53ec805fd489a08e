import type { FakeKongState } from './store.ts';
import type { KongPluginEntity, KongRouteEntity } from '../../master/src/kong/types.ts';

/**
 * Kong's authentication and authorisation decision for one route, computed from the fake's
 * state: which plugins apply (route over service over global), and whether a request carrying
 * a consumer's key gets through key-auth, ACL and request-termination.
 */

/** What a request with a consumer's key meets on a route. */
export type Admission =
  /** No authentication on the route: anyone gets through, as nobody in particular. */
  | 'open'
  /** The route never proxies (request-termination). */
  | 'blocked'
  /** key-auth accepts the consumer's key and the ACL (if any) admits its groups. */
  | 'admitted'
  /** key-auth or the ACL refuses the consumer. */
  | 'refused';

/** The enabled plugins that apply to a route, one per plugin name, by Kong's precedence. */
export function pluginsForRoute(state: FakeKongState, route: KongRouteEntity): Map<string, KongPluginEntity> {
  const rank = (p: KongPluginEntity): number => {
    if (p.consumer !== null) return -1;
    if (p.route?.id === route.id && p.service === null) return 3;
    if (p.route === null && p.service !== null && p.service.id === route.service?.id) return 2;
    if (p.route === null && p.service === null) return 1;
    return -1;
  };
  const out = new Map<string, { plugin: KongPluginEntity; rank: number }>();
  for (const p of state.plugins) {
    if (!p.enabled) continue;
    const r = rank(p);
    if (r < 0) continue;
    const cur = out.get(p.name);
    if (!cur || cur.rank < r) out.set(p.name, { plugin: p, rank: r });
  }
  return new Map([...out].map(([k, v]) => [k, v.plugin]));
}

/** The ACL groups a consumer belongs to. */
export function consumerGroups(state: FakeKongState, consumerId: string): Set<string> {
  return new Set(state.acls.filter((a) => a.consumer.id === consumerId).map((a) => a.group));
}

/** What a request to `route` carrying one of the consumer's keys meets. */
export function admission(state: FakeKongState, routeId: string, consumerId: string): Admission {
  const route = state.routes.find((r) => r.id === routeId);
  if (!route) throw new Error(`route ${routeId} is not in the fake's state`);
  const plugins = pluginsForRoute(state, route);
  if (plugins.has('request-termination')) return 'blocked';
  const keyAuth = plugins.get('key-auth');
  const acl = plugins.get('acl');
  if (!keyAuth && !acl) return 'open';
  const hasKey = state['key-auths'].some((k) => k.consumer.id === consumerId);
  if (keyAuth && !hasKey) return 'refused';
  if (!keyAuth) return 'refused'; // an ACL without an authenticated consumer refuses everyone
  if (!acl) return 'admitted';
  const groups = consumerGroups(state, consumerId);
  const allow = acl.config.allow as string[] | null;
  const deny = acl.config.deny as string[] | null;
  if (allow) return allow.some((g) => groups.has(g)) ? 'admitted' : 'refused';
  if (deny) return deny.some((g) => groups.has(g)) ? 'refused' : 'admitted';
  return 'refused';
}
