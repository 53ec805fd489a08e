import { describe, expect, it } from 'vitest';
import type { ServiceStatus } from '../runtime/runtime.ts';
import type { ProbeResult } from './probes.ts';
import { serviceHealth } from './service-health.ts';

const running = (name: string, health: ServiceStatus['health'] = 'none'): ServiceStatus => ({
  name,
  state: 'running',
  health,
});
const probe = (service: string, ok: boolean, detail?: string): ProbeResult => ({
  service,
  ok,
  latencyMs: 4.24,
  ...(detail ? { detail } : {}),
});

describe('service health', () => {
  it.each([
    [
      'running, probe ok',
      [running('rest')],
      [probe('rest', true)],
      { name: 'rest', state: 'healthy', latency_ms: 4.2 },
    ],
    ['running, no probe', [running('vector')], [], { name: 'vector', state: 'healthy' }],
    [
      'running, probe failing',
      [running('rest')],
      [probe('rest', false, 'probe GET / answered 503')],
      { name: 'rest', state: 'unhealthy', detail: 'probe GET / answered 503', latency_ms: 4.2 },
    ],
    [
      'container health check starting',
      [running('db', 'starting')],
      [],
      { name: 'db', state: 'starting', detail: 'health check starting' },
    ],
    [
      'container health check failing',
      [running('db', 'unhealthy')],
      [probe('db', true)],
      { name: 'db', state: 'unhealthy', detail: 'container health check failing', latency_ms: 4.2 },
    ],
    [
      'container exited',
      [{ name: 'auth', state: 'exited', health: 'none', exitCode: 1 } as ServiceStatus],
      [probe('auth', false, 'refused')],
      { name: 'auth', state: 'down', detail: 'container exited (exit code 1)' },
    ],
    [
      'probed but no container',
      [],
      [probe('meta', false)],
      { name: 'meta', state: 'down', detail: 'no container for this service' },
    ],
  ])('when %s, then %j', (_name, ps, probes, want) => {
    expect(serviceHealth(ps, probes)).toEqual([want]);
  });

  it('when services come in any order, then the report is sorted by name', () => {
    expect(serviceHealth([running('rest'), running('auth')], []).map((s) => s.name)).toEqual([
      'auth',
      'rest',
    ]);
  });
});
