/**
 * Master API benchmarks against a real Postgres on loopback:
 * - heartbeat ingestion: an open-loop generator at a fixed rate from 50 agents,
 *   each on its own loopback "wg address", against `supafleet master serve` in
 *   its own process; reports the achieved rate and the p50/p99 latency;
 * - GET /v1/projects with 1,000 projects (each with a heartbeat).
 * Bounded: a fixed number of requests and a wall-clock cap.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSealKeypair } from '../core/seal/index.ts';
import { mintApiToken, sha256 } from '../master/src/auth/api-tokens.ts';
import { migrate } from '../master/src/registry/migrate.ts';
import { createPool, Registry } from '../master/src/registry/registry.ts';
import { intToIp, ipToInt } from '../master/src/wg-ip.ts';
import { freePort, postgresSkipReason, startPostgres } from '../test/support/postgres.ts';
import type { BenchResult } from './types.ts';

const PROJECTS = 1000;
const AGENTS = 50;
const RATE = 2200; // heartbeats per second offered: 10 % above the 2,000/s target, so the sustained rate is measured above it
const DURATION_S = 10;
const WARMUP_S = 3;
const CAPACITY_S = 5;
const CAPACITY_CONCURRENCY = 32;
const MAX_IN_FLIGHT = 512;
const CIDR = '127.110.0.0/22';

function heartbeatBody(project: string): string {
  return JSON.stringify({
    project,
    sent_at: new Date().toISOString(),
    agent_version: '0.1.0',
    apply: { state: 'applied', revision: 1 },
    services: ['db', 'auth', 'rest', 'realtime', 'storage', 'imgproxy', 'meta', 'functions', 'vector'].map(
      (name) => ({
        name,
        state: 'healthy',
        latency_ms: 3.2,
      }),
    ),
    system: {
      disk_used_pct: 41.5,
      disk_free_bytes: 21474836480,
      mem_used_pct: 63.1,
      load1: 0.42,
      uptime_s: 86400,
    },
    backup: {
      success: true,
      finished_at: '2026-11-24T03:00:41Z',
      duration_s: 41,
      snapshot_id: '4f1a2b3c',
      size_bytes: 1048576,
      error: null,
    },
    wg: { handshake_age_s: 12 },
  });
}

function post(agent: Agent, url: string, token: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          authorization: `Bearer ${token}`,
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
    req.end(body);
  });
}

interface LoopResult {
  latencies: number[];
  errors: number;
  errorKinds: Map<string, number>;
  perSecondMax: number[];
  dropped: number;
  elapsed: number;
}

/** Offers `rate` requests per second for `seconds` (open loop, at most MAX_IN_FLIGHT outstanding). */
async function openLoop(
  send: (i: number) => Promise<number>,
  rate: number,
  seconds: number,
): Promise<LoopResult> {
  const total = rate * seconds;
  const r: LoopResult = {
    latencies: [],
    errors: 0,
    errorKinds: new Map(),
    perSecondMax: [],
    dropped: 0,
    elapsed: 0,
  };
  const fail = (kind: string) => {
    r.errors++;
    r.errorKinds.set(kind, (r.errorKinds.get(kind) ?? 0) + 1);
  };
  let sent = 0;
  let inFlight = 0;
  const start = performance.now();
  await new Promise<void>((done) => {
    const hardStop = setTimeout(done, (seconds + 30) * 1000);
    const finish = () => {
      clearTimeout(hardStop);
      done();
    };
    const tick = () => {
      const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * rate));
      while (sent < due) {
        const i = sent++;
        if (inFlight >= MAX_IN_FLIGHT) {
          r.dropped++;
          continue;
        }
        inFlight++;
        const t0 = performance.now();
        send(i)
          .then((status) => {
            if (status !== 200) fail(`HTTP ${status}`);
            const ms = performance.now() - t0;
            r.latencies.push(ms);
            const second = Math.floor((t0 - start) / 1000);
            r.perSecondMax[second] = Math.max(r.perSecondMax[second] ?? 0, ms);
          })
          .catch((err: Error) => fail(err.message))
          .finally(() => {
            inFlight--;
            if (sent >= total && inFlight === 0) finish();
          });
      }
      if (sent < total) setTimeout(tick, 2);
      else if (inFlight === 0) finish();
    };
    tick();
  });
  r.elapsed = (performance.now() - start) / 1000;
  return r;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

export async function run(): Promise<BenchResult[]> {
  const skip = postgresSkipReason();
  if (skip) {
    console.error(`bench master: skipped (${skip})`);
    return [];
  }
  const pg = await startPostgres();
  const dir = mkdtempSync(join(tmpdir(), 'supafleet-bench-master-'));
  let child: ChildProcess | undefined;
  try {
    const url = await pg.createDatabase('bench');
    const registry = new Registry(createPool(url, 4));
    await migrate(registry.pool);
    // seed: 1,000 projects with a heartbeat each; the first 50 get known agent tokens
    const base = ipToInt('127.110.0.2');
    const tokens: string[] = [];
    const ips: string[] = [];
    for (let i = 0; i < PROJECTS; i++) {
      const name = `p${String(i).padStart(4, '0')}`;
      const token = `bench-agent-token-${i}-${'x'.repeat(20)}`;
      if (i < AGENTS) {
        tokens.push(token);
        ips.push(intToIp(base + i));
      }
      await registry.insertProject({
        name,
        subdomain: name,
        spec: { name, server: { type: 'cx22', location: 'fsn1' } },
        wgIp: intToIp(base + i),
        agentTokenHash: sha256(token),
      });
      await registry.recordHeartbeats([{ project: name, reportJson: heartbeatBody(name) }], 100);
    }
    const api = mintApiToken();
    await registry.insertApiToken({ id: api.id, name: 'bench', scope: 'read', secretHash: api.secretHash });
    await registry.close();

    const keys = await generateSealKeypair();
    const fleet = join(dir, 'fleet.yaml');
    writeFileSync(
      fleet,
      `name: bench\ndomain: example.com\ngithub: { repository_id: 1, owner_id: 2 }\nmaster: { server: { type: cx32, location: fsn1 } }\nnetwork: { cidr: ${CIDR} }\nstorage_box: { host: u1.your-storagebox.de, user: u1, id: 4711 }\nseal: { public_key: "${keys.publicKey}" }\n`,
    );
    const publicPort = await freePort();
    const agentPort = await freePort('127.110.0.1');
    const profile = process.env.SUPAFLEET_BENCH_PROFILE_DIR;
    const nodeArgs = profile ? ['--cpu-prof', '--cpu-prof-dir', profile] : [];
    child = spawn(process.execPath, [...nodeArgs, 'cli/bin/supafleet.js', 'master', 'serve'], {
      env: {
        PATH: process.env.PATH,
        DATABASE_URL: url,
        SUPAFLEET_FLEET_FILE: fleet,
        SUPAFLEET_LISTEN: `127.0.0.1:${publicPort}`,
        SUPAFLEET_AGENT_LISTEN: `127.110.0.1:${agentPort}`,
        SUPAFLEET_SECRETS_KEY: Buffer.alloc(32, 3).toString('base64'),
        SUPAFLEET_SEAL_PRIVATE_KEY: keys.privateKey.reveal(),
        KONG_ADMIN_URL: 'http://127.0.0.1:9',
        SUPAFLEET_WG_INTERFACE: '',
        SUPAFLEET_DB_POOL_SIZE: '8',
        SUPAFLEET_LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
    let up = false;
    for (let i = 0; i < 300 && !up; i++) {
      try {
        up = (await fetch(`http://127.0.0.1:${publicPort}/healthz`)).ok;
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    if (!up) throw new Error(`the master did not start: ${stderr.slice(0, 2000)}`);

    // heartbeat ingestion, open loop at RATE/s: a warm-up phase (connections, JIT,
    // prepared statements, auth cache), then the measured phase
    const agents = ips.map((ip) => new Agent({ keepAlive: true, maxSockets: 4, localAddress: ip }));
    const hbUrl = `http://127.110.0.1:${agentPort}/v1/agent/heartbeat`;
    const bodies = ips.map((_, i) => heartbeatBody(`p${String(i).padStart(4, '0')}`));
    const send = (i: number) => post(agents[i % AGENTS]!, hbUrl, tokens[i % AGENTS]!, bodies[i % AGENTS]!);
    await openLoop(send, RATE, WARMUP_S);
    const loadBefore = loadavg()[0]!;
    const m = await openLoop(send, RATE, DURATION_S);
    // capacity: closed loop, CAPACITY_CONCURRENCY requests outstanding, for CAPACITY_S seconds
    let done = 0;
    let capErrors = 0;
    const capStart = performance.now();
    const capEnd = capStart + CAPACITY_S * 1000;
    await Promise.all(
      Array.from({ length: CAPACITY_CONCURRENCY }, async (_, w) => {
        for (let k = w; performance.now() < capEnd; k += CAPACITY_CONCURRENCY) {
          if ((await send(k).catch(() => 0)) === 200) done++;
          else capErrors++;
        }
      }),
    );
    const capacity = done / ((performance.now() - capStart) / 1000);
    console.error(
      `bench master: capacity (closed loop, ${CAPACITY_CONCURRENCY} outstanding): ${capacity.toFixed(0)}/s, errors ${capErrors}`,
    );
    for (const a of agents) a.destroy();
    const { latencies, errors, errorKinds, perSecondMax, dropped, elapsed } = m;
    latencies.sort((a, b) => a - b);
    const rate = latencies.length / elapsed;
    const p50 = percentile(latencies, 50);
    const p99 = percentile(latencies, 99);
    console.error(
      `bench master: ${latencies.length} heartbeats in ${elapsed.toFixed(2)} s (${rate.toFixed(0)}/s), p50 ${p50.toFixed(2)} ms, p99 ${p99.toFixed(2)} ms, errors ${errors}, dropped ${dropped}`,
    );
    console.error(
      `bench master: slowest heartbeat per second (ms): ${perSecondMax.map((m) => Math.round(m)).join(' ')}`,
    );
    if (errorKinds.size > 0) {
      console.error(`bench master: errors by kind ${JSON.stringify([...errorKinds])}`);
      console.error(`bench master: server log tail:\n${stderr.slice(-2000)}`);
    }

    // GET /v1/projects with 1,000 projects
    const listTimes: number[] = [];
    let count = 0;
    for (let i = 0; i < 25; i++) {
      const t0 = performance.now();
      const res = await fetch(`http://127.0.0.1:${publicPort}/v1/projects`, {
        headers: { authorization: `Bearer ${api.token}` },
      });
      const body = (await res.json()) as { projects: unknown[] };
      if (i >= 5) listTimes.push(performance.now() - t0);
      count = body.projects.length;
    }
    listTimes.sort((a, b) => a - b);
    const listP50 = percentile(listTimes, 50);
    const listMax = listTimes.at(-1)!;
    console.error(
      `bench master: GET /v1/projects (${count} projects) p50 ${listP50.toFixed(1)} ms, max ${listMax.toFixed(1)} ms`,
    );

    return [
      {
        name: 'master: machine load (1-min average) when the heartbeat run started, on 2 cores',
        value: Number(loadBefore.toFixed(2)),
        unit: 'load',
        target: 'info',
        ok: true,
      },
      {
        name: `master: heartbeat ingestion, ${RATE}/s offered for ${DURATION_S} s from ${AGENTS} agents`,
        value: Math.round(rate),
        unit: 'heartbeats/s',
        target: '≥ 2000',
        ok: rate >= 2000 && errors === 0 && dropped === 0,
      },
      {
        name: 'master: heartbeat latency p99',
        value: Number(p99.toFixed(2)),
        unit: 'ms',
        target: '< 50',
        ok: p99 < 50,
      },
      {
        name: 'master: heartbeat latency p50',
        value: Number(p50.toFixed(2)),
        unit: 'ms',
        target: 'info',
        ok: true,
      },
      {
        name: `master: heartbeat capacity, closed loop with ${CAPACITY_CONCURRENCY} outstanding for ${CAPACITY_S} s`,
        value: Math.round(capacity),
        unit: 'heartbeats/s',
        target: 'info',
        ok: capErrors === 0,
      },
      {
        name: `master: GET /v1/projects with ${count} projects (median of 20)`,
        value: Number(listP50.toFixed(1)),
        unit: 'ms',
        target: '< 100',
        ok: listP50 < 100 && count === PROJECTS,
      },
      {
        name: `master: GET /v1/projects with ${count} projects (slowest of 20)`,
        value: Number(listMax.toFixed(1)),
        unit: 'ms',
        target: '< 100',
        ok: listMax < 100,
      },
    ];
  } finally {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child!.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    await pg.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
