import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Prometheus metrics of one master process (a registry per app, so tests stay independent). */
export interface Metrics {
  readonly registry: Registry;
  readonly requests: Counter<'surface' | 'method' | 'route' | 'status'>;
  readonly duration: Histogram<'surface' | 'route'>;
  readonly heartbeats: Counter<'project'>;
  /** WireGuard peers the reconciler put back (`missing`) or corrected (`allowed_ips`). */
  readonly peerRepairs: Counter<'project' | 'reason'>;
  /** Peers on the master's interface that no active project owns, as the last reconcile saw them. */
  readonly unknownPeers: Gauge;
  /** Reconcile runs by result (`ok`, `failed`: the peers or the registry could not be read). */
  readonly peerReconciles: Counter<'result'>;
}

export function createMetrics(opts: { defaults?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (opts.defaults) collectDefaultMetrics({ register: registry, prefix: 'supafleet_master_' });
  return {
    registry,
    requests: new Counter({
      name: 'supafleet_master_http_requests_total',
      help: 'HTTP requests by listener, method, route and status',
      labelNames: ['surface', 'method', 'route', 'status'],
      registers: [registry],
    }),
    duration: new Histogram({
      name: 'supafleet_master_http_request_duration_seconds',
      help: 'HTTP request duration',
      labelNames: ['surface', 'route'],
      buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    heartbeats: new Counter({
      name: 'supafleet_master_heartbeats_total',
      help: 'Heartbeats stored, by project',
      labelNames: ['project'],
      registers: [registry],
    }),
    peerRepairs: new Counter({
      name: 'supafleet_wg_peer_repairs_total',
      help: 'WireGuard peers restored (missing) or corrected (allowed_ips) by the reconciler, by project',
      labelNames: ['project', 'reason'],
      registers: [registry],
    }),
    unknownPeers: new Gauge({
      name: 'supafleet_wg_unknown_peers',
      help: 'Peers on the master WireGuard interface that no active project owns (left in place)',
      registers: [registry],
    }),
    peerReconciles: new Counter({
      name: 'supafleet_wg_peer_reconciles_total',
      help: 'WireGuard peer reconcile runs, by result',
      labelNames: ['result'],
      registers: [registry],
    }),
  };
}
