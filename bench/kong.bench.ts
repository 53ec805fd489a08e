/**
 * Kong benchmark: 500 projects against the fake Kong Admin API. The fake is seeded through its
 * in-process fetch (a first reconcile from empty), then the figure that matters is measured over
 * loopback HTTP: a second, no-op reconcile makes zero mutating calls, a few dozen list pages
 * (one listing by the `supafleet` tag, paginated by 1,000), in bounded time.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Secret } from '../core/seal/secret.ts';
import { createKongAdminClient } from '../master/src/kong/client.ts';
import { desiredKongState, type KongProjectInput } from '../master/src/kong/desired.ts';
import { FAKE_KONG_URL, isMutating, startFakeKong } from '../fakes/kong/fake.ts';
import { reconcileAll } from '../master/src/kong/reconcile.ts';
import type { BenchResult } from './types.ts';

const N = 500;
const NOOP_TARGET_MS = 10_000;
const LIST_TARGET = 100;

function project(i: number): KongProjectInput {
  const name = `p${String(i).padStart(4, '0')}`;
  return {
    name,
    subdomain: name,
    domain: 'example.com',
    upstreamHost: `10.100.${Math.floor((i + 2) / 256)}.${(i + 2) % 256}`,
    anonKey: new Secret(`anon.${randomBytes(24).toString('base64url')}`),
    serviceRoleKey: new Secret(`service.${randomBytes(24).toString('base64url')}`),
    corsOrigins: [`https://${name}.example.org`],
  };
}

export async function run(): Promise<BenchResult[]> {
  const kong = await startFakeKong({ host: '127.0.0.1' });
  try {
    const projects = Array.from({ length: N }, (_, i) => project(i));
    // what a project's layout holds (services, routes, consumers, credentials, ACLs, plugins)
    const perProject = Object.values(desiredKongState(projects[0]!)).reduce((n, list) => n + list.length, 0);

    const seedClient = createKongAdminClient({ baseUrl: FAKE_KONG_URL, fetch: kong.fetch });
    const t0 = performance.now();
    const first = await reconcileAll(seedClient, projects);
    const firstMs = performance.now() - t0;

    const client = createKongAdminClient({ baseUrl: kong.url });
    kong.resetCalls();
    const cpu = process.cpuUsage();
    const t1 = performance.now();
    const noop = await reconcileAll(client, projects);
    const noopMs = performance.now() - t1;
    const used = process.cpuUsage(cpu);
    const noopCpuMs = (used.user + used.system) / 1000;
    const mutating = kong.calls().filter(isMutating).length;
    const lists = kong.calls().length - mutating;

    return [
      {
        name: `Kong reconcile, ${N} projects, nothing changed: mutating calls`,
        value: mutating,
        unit: 'calls',
        target: '0',
        ok: mutating === 0 && noop.calls.mutate === 0,
      },
      {
        name: `Kong reconcile, ${N} projects, nothing changed: list calls (pages)`,
        value: lists,
        unit: 'calls',
        target: `< ${LIST_TARGET}`,
        ok: lists < LIST_TARGET && noop.calls.list === lists,
      },
      {
        name: `Kong reconcile, ${N} projects, nothing changed: wall time over loopback HTTP`,
        value: Math.round(noopMs),
        unit: 'ms',
        target: `< ${NOOP_TARGET_MS} ms`,
        ok: noopMs < NOOP_TARGET_MS,
      },
      {
        name: `Kong reconcile, ${N} projects, nothing changed: CPU time (reconciler + fake)`,
        value: Math.round(noopCpuMs),
        unit: 'ms',
        target: 'report',
        ok: true,
      },
      {
        name: `Kong reconcile, ${N} projects, from empty (in-process fake): entities created`,
        value: first.created,
        unit: 'entities',
        target: `${N * perProject} (${perProject} per project)`,
        ok: first.created === N * perProject && first.calls.mutate === first.created,
      },
      {
        name: `Kong reconcile, ${N} projects, from empty (in-process fake): wall time`,
        value: Math.round(firstMs),
        unit: 'ms',
        target: 'report',
        ok: true,
      },
    ];
  } finally {
    await kong.close();
  }
}
