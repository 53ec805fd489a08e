/**
 * Kong fake proxy benchmark: keyed requests through the fake's proxy port to a loopback upstream
 * stand-in, with 3 projects and with 100 projects reconciled into the fake (the proxy reads the
 * fake's whole state per request, so the second figure shows what a larger fleet costs).
 * Loopback only, bounded in count.
 */
import { createServer, request } from 'node:http';
import type { Agent } from 'node:http';
import { Agent as HttpAgent } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import { Secret } from '../core/seal/secret.ts';
import { createKongAdminClient } from '../master/src/kong/client.ts';
import type { KongProjectInput } from '../master/src/kong/desired.ts';
import { FAKE_KONG_URL, LAB_STATE_DELAY_MS, startFakeKong } from '../fakes/kong/fake.ts';
import { pollUntil } from '../fakes/kong/poll.ts';
import { reconcileAll } from '../master/src/kong/reconcile.ts';
import type { BenchResult } from './types.ts';

const REQUESTS = 2_000;
const CONCURRENCY = 16;
const TARGET_RPS = 500;

function project(i: number): KongProjectInput {
  const name = `p${String(i).padStart(4, '0')}`;
  return {
    name,
    subdomain: name,
    domain: 'demo.test',
    upstreamHost: `10.100.0.${i + 2}`,
    anonKey: new Secret(`anon.${randomBytes(24).toString('base64url')}`),
    serviceRoleKey: new Secret(`service.${randomBytes(24).toString('base64url')}`),
    corsOrigins: [],
  };
}

function get(port: number, agent: Agent, host: string, key: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path: '/rest/v1/todos?select=id', agent, headers: { host, apikey: key } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

async function measure(projects: number): Promise<{ rps: number; p50: number; p99: number; ok: number }> {
  const upstream = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('[{"id":1}]');
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const upstreamPort = (upstream.address() as AddressInfo).port;
  const kong = await startFakeKong({
    proxy: { dial: () => ({ host: '127.0.0.1', port: upstreamPort }), stateDelayMs: LAB_STATE_DELAY_MS },
  });
  const agent = new HttpAgent({ keepAlive: true, maxSockets: CONCURRENCY });
  try {
    const ps = Array.from({ length: projects }, (_, i) => project(i));
    await reconcileAll(createKongAdminClient({ baseUrl: FAKE_KONG_URL, fetch: kong.fetch }), ps);
    const port = Number(new URL(kong.proxyUrl!).port);
    const target = ps[0]!;
    const host = `${target.subdomain}.${target.domain}`;
    // Kong applies the reconcile within its state delay: wait for it before measuring
    const ready = await pollUntil(
      () => get(port, agent, host, target.anonKey.reveal()),
      (status) => status === 200,
    );
    if (ready !== 200)
      throw new Error(`the proxy never routed the reconciled project (last status ${ready})`);
    const latencies: number[] = [];
    let ok = 0;
    let next = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < REQUESTS) {
          next++;
          const s = performance.now();
          if ((await get(port, agent, host, target.anonKey.reveal())) === 200) ok++;
          latencies.push(performance.now() - s);
        }
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    latencies.sort((a, b) => a - b);
    const at = (q: number): number =>
      latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!;
    return { rps: REQUESTS / seconds, p50: at(0.5), p99: at(0.99), ok };
  } finally {
    agent.destroy();
    await kong.close();
    upstream.closeAllConnections();
    await new Promise<void>((resolve) => upstream.close(() => resolve()));
  }
}

export async function run(): Promise<BenchResult[]> {
  const out: BenchResult[] = [];
  for (const projects of [3, 100]) {
    const m = await measure(projects);
    const round = (x: number): number => Math.round(x * 100) / 100;
    out.push(
      {
        name: `Kong fake proxy, ${projects} projects: keyed GET throughput (${CONCURRENCY} parallel)`,
        value: Math.round(m.rps),
        unit: 'req/s',
        target: `>= ${TARGET_RPS} req/s`,
        ok: m.rps >= TARGET_RPS && m.ok === REQUESTS,
      },
      {
        name: `Kong fake proxy, ${projects} projects: p99 latency`,
        value: round(m.p99),
        unit: 'ms',
        target: '< 50 ms',
        ok: m.p99 < 50,
      },
    );
  }
  return out;
}
