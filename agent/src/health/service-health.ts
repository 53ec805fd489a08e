import type { ServiceStatus } from '../runtime/runtime.ts';
import type { ProbeResult } from './probes.ts';

/** One entry of the heartbeat's `services` (schemas/api/heartbeat.schema.json). */
export interface ServiceHealth {
  readonly name: string;
  readonly state: 'healthy' | 'unhealthy' | 'starting' | 'down';
  readonly detail?: string;
  readonly latency_ms?: number;
}

/**
 * Each service's state from what the runtime says about its container and
 * what its probe found: not running → down; the container's own health check
 * starting or failing → starting / unhealthy; a failed probe → unhealthy;
 * otherwise healthy. A probed service the runtime does not know is down.
 */
export function serviceHealth(ps: readonly ServiceStatus[], probes: readonly ProbeResult[]): ServiceHealth[] {
  const byService = new Map(probes.map((p) => [p.service, p]));
  const names = [...new Set([...ps.map((s) => s.name), ...probes.map((p) => p.service)])].sort();
  const statuses = new Map(ps.map((s) => [s.name, s]));
  return names.slice(0, 64).map((name): ServiceHealth => {
    const s = statuses.get(name);
    const probe = byService.get(name);
    const latency = probe ? { latency_ms: Math.round(probe.latencyMs * 10) / 10 } : {};
    if (!s) return { name, state: 'down', detail: 'no container for this service' };
    if (s.state !== 'running') {
      const code = s.exitCode !== undefined ? ` (exit code ${s.exitCode})` : '';
      return { name, state: 'down', detail: `container ${s.state}${code}` };
    }
    if (s.health === 'starting')
      return { name, state: 'starting', detail: 'health check starting', ...latency };
    if (s.health === 'unhealthy')
      return { name, state: 'unhealthy', detail: 'container health check failing', ...latency };
    if (probe && !probe.ok)
      return { name, state: 'unhealthy', detail: probe.detail ?? 'probe failed', ...latency };
    return { name, state: 'healthy', ...latency };
  });
}
