/**
 * The lab without root or wireguard-go: everything in this process, on loopback.
 *
 * Real: the master API (Express, the real routes and health model) on a throwaway
 * Postgres, the Kong fake over HTTP, the Hetzner fake, and the real agent
 * (`start()` from agent/src/run.ts with its process runtime and the same stand-in
 * services as the namespace lab).
 * Simulated: WireGuard (an in-memory peer list; wg addresses are loopback
 * addresses in 127.101.0.0/24, and the agent binds its source address to its own,
 * so the master's source-IP check still applies) and the worker's bootstrap (the
 * enrollment request is sent from here with the token from the user_data, instead
 * of running enroll.sh).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../../agent/src/clock.ts';
import type { AgentConfig } from '../../agent/src/config.ts';
import { parseListen } from '../../agent/src/config.ts';
import type { HttpClient } from '../../agent/src/http-client.ts';
import { createLogger as createAgentLogger } from '../../agent/src/logger.ts';
import { start, type AgentHandle } from '../../agent/src/run.ts';
import { execFileExec } from '../../agent/src/runtime/exec.ts';
import { ProcessRuntime } from '../../agent/src/runtime/process-runtime.ts';
import { decodeUserData } from '../../cloud-init/test/decode.ts';
import { placeholderBackupAccount } from '../../cloud-init/placeholders.ts';
import { renderWorkerUserData } from '../../cloud-init/worker/user-data.ts';
import { startFakeHetzner, type FakeHetzner } from '../../fakes/hetzner/index.ts';
import { generateSealKeypair, Secret } from '../../core/seal/index.ts';
import { resolveFleet, resolveProject } from '../../core/spec/defaults.ts';
import { createApp } from '../../master/src/app.ts';
import { runSmoke } from '../../core/smoke/run.ts';
import { createProjectSmokes, DEFAULT_SMOKE_SETTINGS, type SmokeEdge } from '../../master/src/smoke.ts';
import { createKongAdminClient } from '../../master/src/kong/client.ts';
import { LAB_STATE_DELAY_MS, LAB_UPSTREAM_TIMEOUT_MS, startFakeKong } from '../../fakes/kong/fake.ts';
import { reconcileProject, removeProject } from '../../master/src/kong/reconcile.ts';
import { FakePeerManager } from '../../fakes/wireguard/peer-manager.ts';
import { startLab as startMasterHarness } from '../../master/test/harness.ts';
import { freePort } from '../../test/support/postgres.ts';
import { stopPids } from './commands.ts';
import {
  collectLogs,
  type FleetLab,
  type FleetLabOptions,
  type LabTrace,
  type LabWorkerInfo,
} from './lab.ts';
import { buildStandins } from './standins/build.ts';
import { dropWorkerDatabase } from './lab.ts';
import { LAB_SERVICES, labBundleRenderer, pgMetaAppPath } from './standins.ts';
import pgLib from 'pg';

export const IN_PROCESS_CIDR = '127.101.0.0/24';

export const IN_PROCESS_SIMULATED: readonly string[] = [
  'WireGuard: not running; peers are an in-memory list and wg addresses are loopback addresses (127.101.0.0/24)',
  "a worker's bootstrap: no enroll.sh, no namespace; the lab sends the enrollment request with the user_data's token",
  'Hetzner Cloud: the local Hetzner fake',
  'the Supabase services: stand-in processes run by the real agent (process runtime), in this process',
  'backups: a stand-in backup.sh records a snapshot (no restic, no Storage Box)',
  'Kong: the Kong fake',
];

interface Worker {
  readonly project: string;
  readonly serverId: number;
  readonly wgIp: string;
  readonly runtime: ProcessRuntime;
  readonly handle: AgentHandle;
  readonly dir: string;
}

/** The agent's HTTP client with its source address bound to its wg address (as over wg0). */
function boundClient(localAddress: string): HttpClient {
  return (req) =>
    new Promise((resolve, reject) => {
      const headers: Record<string, string | number> = { ...req.headers };
      if (req.body !== undefined) headers['content-length'] = Buffer.byteLength(req.body);
      const r = request(req.url, { method: req.method, headers, localAddress }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      });
      r.setTimeout(req.timeoutMs, () => r.destroy(new Error(`timed out after ${req.timeoutMs} ms`)));
      r.on('error', (e) =>
        reject(new Error(`${req.method} ${new URL(req.url).pathname} failed: ${e.message}`)),
      );
      r.end(req.body);
    });
}

/** 127.0.0.1 ports for the stand-ins of the worker at `wgAddress` (unique per worker, below the ephemeral range). */
function localPort(wgAddress: string, service: string): number {
  const octet = Number(wgAddress.split('.')[3] ?? 0);
  return 21_000 + octet * 16 + Object.keys(LAB_SERVICES).indexOf(service);
}

export async function startInProcessLab(options: FleetLabOptions = {}): Promise<FleetLab> {
  const say = options.log ?? (() => undefined);
  const dir = mkdtempSync(join(tmpdir(), 'supafleet-lab-'));
  const secrets = new Set<string>();
  const workers = new Map<number, Worker>();
  const pids = new Set<number>();
  const closers: (() => Promise<void>)[] = [];
  let hetzner: FakeHetzner | undefined;
  let watcher: NodeJS.Timeout | undefined;
  let stopped = false;
  let pgUrl: string | undefined;

  const destroying = new Map<number, Promise<void>>();
  /** Stops the agent (which stops its stand-ins), then any stand-in PID still alive; the worker leaves the list after. */
  const destroy = (w: Worker): Promise<void> => {
    let p = destroying.get(w.serverId);
    if (!p) {
      p = (async () => {
        const mine = new Set(Object.values(w.runtime.pids()));
        await w.handle
          .stop()
          .catch((err: Error) => say(`worker ${w.project}: agent stop failed: ${err.message}`));
        for (const x of Object.values(w.runtime.pids())) mine.add(x);
        for (const x of mine) pids.add(x);
        const left = await stopPids([...mine], 2000);
        if (!stopped && pgUrl) await dropWorkerDatabase(pgUrl, w.project).catch(() => undefined);
        say(
          `worker ${w.project}: agent and stand-ins stopped${left.length ? ` (still alive: ${left.join(' ')})` : ''}`,
        );
      })().finally(() => {
        workers.delete(w.serverId);
        destroying.delete(w.serverId);
      });
      destroying.set(w.serverId, p);
    }
    return p;
  };
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    if (watcher) clearInterval(watcher);
    for (const w of [...workers.values()]) await destroy(w).catch(() => undefined);
    await Promise.all([...destroying.values()]).catch(() => undefined);
    if (hetzner) await hetzner.close().catch(() => undefined);
    for (const c of closers.reverse()) await c().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    say('starting Postgres (in-process lab)');
    const harness = await startMasterHarness();
    closers.push(() => harness.close());
    pgUrl = harness.pg.url;
    const standinProgram = join(dir, 'standin.mjs');
    await buildStandins(standinProgram);
    const socketDir = await (async () => {
      const c = new pgLib.Client({ connectionString: harness.pg.url });
      await c.connect();
      try {
        return String((await c.query('show unix_socket_directories')).rows[0].unix_socket_directories);
      } finally {
        await c.end();
      }
    })();
    const agentPort = await freePort('127.101.0.1');
    const l = await harness.newDeps({
      cidr: IN_PROCESS_CIDR,
      settings: {
        agentUrl: `http://127.101.0.1:${agentPort}`,
        agentCommandPort: 8082,
        wgEndpoint: '127.0.0.1:51820',
        wgKeepalive: 5,
      },
    });
    closers.push(() => l.close());
    const kong = await startFakeKong({
      proxy: { maxTimeoutMs: LAB_UPSTREAM_TIMEOUT_MS, stateDelayMs: LAB_STATE_DELAY_MS },
    });
    closers.push(() => kong.close());
    const kongClient = createKongAdminClient({ baseUrl: kong.url });
    const peers = new FakePeerManager();
    const chosen = options.fleet;
    const deps = {
      ...l.deps,
      ...(chosen
        ? {
            // the master hands out loopback wg addresses here: its fleet's network says so
            fleet: { ...chosen.spec, network: { ...chosen.spec.network, cidr: IN_PROCESS_CIDR } },
            fleetKeys: {
              publicKey: chosen.spec.seal.public_key,
              privateKey: new Secret(chosen.sealPrivateKey),
            },
          }
        : {}),
      peers,
      renderBundle: labBundleRenderer(
        {
          program: standinProgram,
          pgMetaApp: pgMetaAppPath(),
          postgres: { socketDir: socketDir.split(',')[0]!.trim(), port: harness.pg.port },
        },
        localPort,
      ),
      kong: {
        reconcile: (p: Parameters<typeof reconcileProject>[1]) => reconcileProject(kongClient, p),
        remove: (n: string) => removeProject(kongClient, n),
      },
    };
    // the master's smoke, through the edge the test names once its Caddy runs
    const edge = options.masterSmokeEdge ?? ((): SmokeEdge => ({}));
    const smokes = createProjectSmokes({ ...DEFAULT_SMOKE_SETTINGS, edge: {} }, (o) => {
      const e = edge();
      return runSmoke({
        ...o,
        ...(e.connect ? { resolve: e.connect } : {}),
        ...(e.ca ? { ca: e.ca } : {}),
      });
    });
    const pub = createApp(deps, 'public', { smokes }).listen(0, '127.0.0.1');
    const agents = createApp(deps, 'agent').listen(agentPort, '127.101.0.1');
    // both servers bind at once: wait for each without missing an event that already fired
    await Promise.all(
      [pub, agents].map((s) => (s.listening ? undefined : new Promise((r) => s.once('listening', r)))),
    );
    for (const s of [pub, agents]) {
      closers.push(() => new Promise<void>((r) => s.close(() => r())));
    }
    const masterUrl = `http://127.0.0.1:${(pub.address() as AddressInfo).port}`;
    const apiToken = await l.token('admin', 'lab');
    const scopedTokens = {
      write: await l.token('write', 'lab-writer'),
      read: await l.token('read', 'lab-reader'),
    };
    for (const t of [apiToken, scopedTokens.write, scopedTokens.read]) secrets.add(t);
    const consoleToken = await l.token('write', 'console');
    secrets.add(consoleToken);
    const masterWgPublicKey = await peers.publicKey();

    const hcloudToken = randomBytes(32).toString('hex');
    secrets.add(hcloudToken);
    const boot = async (server: Record<string, unknown>, userData: string): Promise<void> => {
      const labels = (server.labels ?? {}) as Record<string, string>;
      const project = labels['supafleet/project']!;
      const enroll = JSON.parse(
        decodeUserData(userData).files.find((f) => f.path === '/etc/supafleet/enroll.json')!.content,
      ) as { token: string };
      secrets.add(enroll.token);
      const seal = await generateSealKeypair();
      secrets.add(seal.privateKey.reveal());
      const r = await fetch(`${masterUrl}/v1/enroll`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          token: enroll.token,
          wg_public_key: randomBytes(32).toString('base64'),
          seal_public_key: seal.publicKey,
        }),
      });
      if (!r.ok) throw new Error(`enrollment answered ${r.status}`);
      const answer = (await r.json()) as {
        wg: { address: string };
        agent: { master_url: string; token: string; listen: string; command_key: string };
      };
      secrets.add(answer.agent.token);
      secrets.add(answer.agent.command_key);
      const wgIp = answer.wg.address.split('/')[0]!;
      const wdir = join(dir, 'workers', `${server.id as number}-${project}`);
      mkdirSync(wdir, { recursive: true });
      const config: AgentConfig = {
        project,
        masterUrl: answer.agent.master_url,
        token: new Secret(answer.agent.token),
        listen: parseListen(answer.agent.listen)!,
        sealPrivateKey: seal.privateKey,
        stateDir: join(wdir, 'state'),
        wgInterface: 'wg0',
        commandKey: new Secret(answer.agent.command_key),
        // as in the namespace lab: a heartbeat every 5 s (30 s on a real worker)
        heartbeatIntervalS: 5,
      };
      const runtime = new ProcessRuntime();
      const logFile = join(wdir, 'agent.log');
      const logger = createAgentLogger(project, {
        write: (s: string) => void writeFileSync(logFile, s, { flag: 'a' }),
      });
      const handle = await start({
        config,
        clock: systemClock,
        http: boundClient(wgIp),
        runtime,
        exec: execFileExec,
        logger,
        handshakeAge: async () => null,
      });
      if (stopped) {
        await handle.stop();
        return;
      }
      workers.set(server.id as number, {
        project,
        serverId: server.id as number,
        wgIp,
        runtime,
        handle,
        dir: wdir,
      });
      say(`worker ${project}: enrolled in-process as ${wgIp}`);
    };
    hetzner = await startFakeHetzner({
      token: hcloudToken,
      actionDurationMs: options.actionDurationMs ?? 300,
      onServerCreated: (server, userData) => {
        const labels = (server.labels ?? {}) as Record<string, string>;
        if (stopped || labels['supafleet/role'] !== 'worker' || !labels['supafleet/project'] || !userData)
          return;
        void boot(server, userData).catch((err: Error) =>
          say(`worker ${labels['supafleet/project']}: boot failed: ${err.message}`),
        );
      },
    });
    let sweeping = false;
    watcher = setInterval(() => {
      if (sweeping || stopped || !hetzner) return;
      sweeping = true;
      const alive = new Set(hetzner.state().servers.map((s) => s.id));
      const gone = [...workers.values()].filter((w) => !alive.has(w.serverId));
      void Promise.all(gone.map(destroy)).finally(() => (sweeping = false));
      for (const w of workers.values()) for (const p of Object.values(w.runtime.pids())) pids.add(p);
    }, 250);

    const fleet = deps.fleet;
    return {
      mode: 'in-process',
      simulated: IN_PROCESS_SIMULATED,
      fleet,
      masterUrl,
      kongUrl: kong.url,
      kongProxyUrl: kong.proxyUrl!,
      hetzner,
      hcloudToken,
      apiToken,
      scopedTokens,
      consoleToken,
      masterWgPublicKey,
      secrets,
      workers: (): LabWorkerInfo[] =>
        [...workers.values()].map((w) => {
          const p = Object.values(w.runtime.pids());
          for (const x of p) pids.add(x);
          return {
            name: w.project,
            serverId: w.serverId,
            namespace: '(none: in-process)',
            wgIp: w.wgIp,
            pids: { all: p },
            state: 'running',
            logFile: join(w.dir, 'agent.log'),
          };
        }),
      workerUserData: (project, token) => {
        const resolved = resolveFleet(fleet);
        // a fleet with sub-accounts: apply makes the project's; the lab's boot never reads it
        const backup = placeholderBackupAccount(resolved);
        return renderWorkerUserData({
          fleet: resolved,
          project: resolveProject(project),
          enrollment: { token, masterUrl: `https://fleet.${fleet.domain}`, masterWgPublicKey },
          ...(backup ? { backup } : {}),
        }).text;
      },
      getFromMaster: async (url) => {
        const r = await fetch(url, { signal: AbortSignal.timeout(5000) });
        return { status: r.status, body: await r.text() };
      },
      logs: () => `${l.logs.text()}\n${collectLogs(dir)}`,
      trace: (): LabTrace => ({ namespaces: [], pids: [...pids], sockets: [], dirs: [dir] }),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
