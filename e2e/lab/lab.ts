/**
 * FleetLab: a whole fleet on one machine for the e2e suite and the demo.
 *
 * - Registry: a throwaway Postgres (test/support/postgres.ts); the master reaches
 *   it through its unix socket, which crosses network namespaces.
 * - Master: a network namespace with the real master API (master-ns.ts,
 *   master-main.ts), the real WireGuard peer manager on a wireguard-go interface
 *   (10.100.0.1), and the Kong fake.
 * - Hetzner: the Hetzner fake on loopback. When it finishes creating a worker
 *   server, the lab boots it (worker.ts): a namespace on the master's bridge runs
 *   the user_data's unpack and the real enroll.sh over HTTPS, brings wg0 up with
 *   wg-quick and wireguard-go, then the real agent (bundled with esbuild) runs the
 *   bundle's stand-in services with its process runtime. When the server is
 *   deleted from the fake, the lab removes its namespace and processes.
 *
 * `stop()` removes every namespace, process (by PID), wg socket and temp dir it
 * made, also after a failure; `trace()` lists them so a test can prove it.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pgLib from 'pg';
import { stringify } from 'yaml';
import { buildAgent } from '../../agent/build.ts';
import { placeholderBackupAccount } from '../../cloud-init/placeholders.ts';
import { renderWorkerUserData } from '../../cloud-init/worker/user-data.ts';
import { startFakeHetzner, type FakeHetzner } from '../../fakes/hetzner/index.ts';
import { generateSealKeypair, Secret } from '../../core/seal/index.ts';
import { resolveFleet, resolveProject } from '../../core/spec/defaults.ts';
import type { FleetSpec, ProjectSpec } from '../../core/spec/types.ts';
import { mintApiToken } from '../../master/src/auth/api-tokens.ts';
import { migrate } from '../../master/src/registry/migrate.ts';
import type { SmokeEdge } from '../../master/src/smoke.ts';
import { createPool, Registry } from '../../master/src/registry/registry.ts';
import { PG_BIN, startPostgres, type TestPostgres } from '../../test/support/postgres.ts';
import { absentTools, describeTools, type Tool } from '../../test/support/tools.ts';
import { isAlive, listNamespaces, namespacePids, sh, standinPid, stopPids } from './commands.ts';
import { startMasterNs, type MasterNs } from './master-ns.ts';
import { describeSwept, RunRecorder, sweepLeftovers } from './runs.ts';
import { buildStandins } from './standins/build.ts';
import { LAB_SERVICES, labSettingsEnv, labWorkerDatabase, pgMetaAppPath } from './standins.ts';
import { makeCertificate } from './tls.ts';
import {
  bootWorker,
  destroyWorker,
  enrolledWgIp,
  note,
  restartAgent,
  workerPids,
  workerSecrets,
  workerState,
  type LabWorker,
} from './worker.ts';

/** What `lab.workers()` reports per booted worker. */
export interface LabWorkerInfo {
  /** The project the server was created for. */
  readonly name: string;
  readonly serverId: number;
  readonly namespace: string;
  /** The wg address enrollment gave it; undefined until it enrolled. */
  readonly wgIp: string | undefined;
  readonly pids: { readonly agent?: number; readonly wireguardGo?: number; readonly all: readonly number[] };
  /** booting → enrolled (wg address known) → running (the agent replaced the boot script); failed when the boot exited. */
  readonly state: 'booting' | 'enrolled' | 'running' | 'failed';
  /** The worker's lab.log: every step, and every step skipped. */
  readonly logFile: string;
}

/** Everything a lab made, for the "nothing left behind" check. */
export interface LabTrace {
  readonly namespaces: readonly string[];
  readonly pids: readonly number[];
  readonly sockets: readonly string[];
  readonly dirs: readonly string[];
}

export interface FleetLab {
  /** namespaces: real WireGuard and enrollment in network namespaces; in-process: the fallback (see in-process.ts). */
  readonly mode: 'namespaces' | 'in-process';
  /** What this lab stands in for, in plain words (printed by the demo and the tests). */
  readonly simulated: readonly string[];
  readonly fleet: FleetSpec;
  /** The master's public API on the host's loopback (forwarded into the master namespace). */
  readonly masterUrl: string;
  /** The Kong fake's Admin API on the host's loopback. */
  readonly kongUrl: string;
  /** The Kong fake's proxy (Kong's 8000) on the host's loopback; it reaches the workers' wg addresses. */
  readonly kongProxyUrl: string;
  /**
   * The master's Studio front on the host's loopback, running each project's Studio stand-in
   * (e2e/lab/studio/) in place of Studio's container (namespaces mode only).
   */
  readonly studioFrontUrl?: string;
  /** Lets the Studio stand-ins reach the fleet's edge, Caddy on the host's loopback (namespaces mode only). */
  connectStudioEdge?(edge: { readonly httpsPort: number; readonly rootCa: string }): Promise<void>;
  readonly hetzner: FakeHetzner;
  readonly hcloudToken: string;
  /** An admin API token for the master. */
  readonly apiToken: string;
  /** API tokens with less than admin: `lab-writer` (write) and `lab-reader` (read). */
  readonly scopedTokens: { readonly write: string; readonly read: string };
  /** A write-scope API token named `console`, for the fleet console (read, start backups, restart). */
  readonly consoleToken: string;
  readonly masterWgPublicKey: string;
  /** Every secret value the lab generated or saw, for leak searches. */
  readonly secrets: ReadonlySet<string>;
  workers(): LabWorkerInfo[];
  /** Renders a worker's user_data as the provision step does (the master URL is https://fleet.<domain>). */
  workerUserData(project: ProjectSpec, enrollmentToken: string): string;
  /** An HTTP GET from the master side (namespaces: curl inside the master namespace), e.g. to a worker's wg address. */
  getFromMaster(url: string): Promise<{ status: number; body: string }>;
  /** Runs a command inside the master namespace (namespaces mode only). */
  execInMaster?(
    cmd: string,
    args: readonly string[],
  ): { status: number | null; stdout: string; stderr: string };
  /** The master's WireGuard interface (namespaces mode only). */
  readonly masterWgInterface?: string;
  /** Stops the master API process (SIGTERM, or SIGKILL for a crash) and starts it again (namespaces mode only). */
  restartMaster?(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  /**
   * The next server created for `project` is left without a boot: it runs in the
   * Hetzner fake but never enrolls, as a worker whose cloud-init broke (namespaces mode only).
   */
  holdBoot?(project: string): void;
  /** Kills a worker's agent and starts it again (namespaces mode only). */
  restartAgent?(project: string, signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  /**
   * Stops one service of a worker (its stand-in process, by PID, SIGTERM) behind its agent's back,
   * as a crashed container: the agent reports it at its next heartbeat (namespaces mode only).
   */
  stopService?(project: string, service: string): Promise<void>;
  /** Every log the lab's processes wrote so far (master, wireguard-go, each worker's boot, enrollment and agent). */
  logs(): string;
  trace(): LabTrace;
  stop(): Promise<void>;
}

export interface FleetLabOptions {
  /** How long the fake's create actions run (default 300 ms). */
  readonly actionDurationMs?: number;
  /** Progress lines (default: none). */
  readonly log?: (line: string) => void;
  /** The fleet to run (e.g. examples/fleet) with its seal private key; default: a generated `lab` fleet. */
  readonly fleet?: { readonly spec: FleetSpec; readonly sealPrivateKey: string };
  /**
   * Where the master's smoke (`POST /v1/projects/:name/smoke`) connects for a project's URL
   * and which CA it trusts, asked at each smoke (a test starts its Caddy after the lab).
   * In-process mode only: the namespace master reaches no edge on the host.
   */
  readonly masterSmokeEdge?: () => SmokeEdge;
}

/** What the namespace lab does not run for real. */
export const NAMESPACE_SIMULATED: readonly string[] = [
  'Hetzner Cloud: the local Hetzner fake; a created worker server boots as a network namespace',
  "a worker's OS-level bootstrap (apt, Docker, UFW, sshd hardening, systemd) is skipped and listed in its lab.log",
  'the Supabase services: stand-in processes run by the real agent (process runtime)',
  'backups: a stand-in backup.sh records a snapshot (no restic, no Storage Box)',
  'Kong: the Kong fake',
  "TLS for enrollment: a self-signed certificate for fleet.<domain>, trusted by the workers' curl",
  "Studio: the master's Studio front starts a stand-in process per project (e2e/lab/studio/) in place of Studio's container, with the settings the master renders for it",
];

/** The system tools the namespace lab runs (each maps to a package on .ci/packages). */
export const LAB_TOOLS: readonly Tool[] = [
  'ip',
  'wireguard-go',
  'wg',
  'wg-quick',
  'curl',
  'jq',
  'openssl',
  'bash',
];

/** Why the namespace lab cannot run here, or undefined when it can. */
export function namespaceLabSkipReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (network namespaces, mounts)';
  const absent = absentTools(LAB_TOOLS);
  if (absent.length > 0) return `needs ${describeTools(absent)}`;
  if (!existsSync('/etc/wireguard')) return 'needs /etc/wireguard (Debian wireguard-tools) as a mount point';
  return undefined;
}

function x25519(): { privateKey: string; publicKey: string } {
  const { privateKey, publicKey } = generateKeyPairSync('x25519');
  const b64 = (s: string) => Buffer.from(s, 'base64url').toString('base64');
  return {
    privateKey: b64(privateKey.export({ format: 'jwk' }).d!),
    publicKey: b64(publicKey.export({ format: 'jwk' }).x!),
  };
}

export async function startFleetLab(options: FleetLabOptions = {}): Promise<FleetLab> {
  const say = options.log ?? (() => undefined);
  const swept = describeSwept(sweepLeftovers());
  if (swept) say(swept);
  const id = randomBytes(2).toString('hex');
  const dir = mkdtempSync(join(tmpdir(), 'supafleet-lab-'));
  const names = { master: `sflm${id}`, bridge: `sflb${id}`, wg: `sflg${id}`, veth: `sl${id}` };
  const made = {
    namespaces: new Set<string>(),
    pids: new Set<number>(),
    sockets: new Set<string>(),
    dirs: new Set([dir]),
  };
  const run = new RunRecorder(id, 'lab');
  run.add({ dir });
  const secrets = new Set<string>();
  const workers = new Map<number, LabWorker>();
  /** Projects whose next server is left without a boot (holdBoot). */
  const held = new Set<string>();
  let pg: TestPostgres | undefined;
  /** The Postgres directory (its socket directory holds `data/`), for the exit handler. */
  let pgDir: string | undefined;
  let master: MasterNs | undefined;
  let hetzner: FakeHetzner | undefined;
  let watcher: NodeJS.Timeout | undefined;
  let stopped = false;

  /** Records the worker's PIDs and secrets; never throws (it runs on the way to a cleanup). */
  const remember = (w: LabWorker): void => {
    try {
      const p = workerPids(w);
      for (const pid of [p.agent, p.wireguardGo, ...p.all]) if (pid) made.pids.add(pid);
      for (const v of workerSecrets(w)) secrets.add(v);
    } catch (err) {
      say(`worker ${w.project}: could not record its pids and secrets: ${(err as Error).message}`);
    }
  };
  const destroying = new Map<number, Promise<void>>();
  const destroy = (w: LabWorker): Promise<void> => {
    let p = destroying.get(w.serverId);
    if (!p) {
      p = destroyNow(w).finally(() => {
        workers.delete(w.serverId);
        destroying.delete(w.serverId);
      });
      destroying.set(w.serverId, p);
    }
    return p;
  };
  const destroyNow = async (w: LabWorker): Promise<void> => {
    remember(w);
    const left = await destroyWorker(w);
    // the server's disk goes with it: its database on the lab's Postgres too
    if (pg && !stopped) await dropWorkerDatabase(pg.url, w.project).catch(() => undefined);
    say(
      `worker ${w.project}: namespace ${w.namespace} removed${left.pids.length ? ` (pids left: ${left.pids.join(' ')})` : ''}`,
    );
  };

  /**
   * Last resort when the process exits without stop() (a test runner killing a
   * hung test): SIGKILL every PID the lab recorded or finds in its namespaces,
   * delete the namespaces, the wg socket and the temp dir, stop the throwaway
   * Postgres. Synchronous, as exit handlers must be.
   */
  const onExit = (): void => {
    for (const ns of made.namespaces) for (const pid of namespacePids(ns)) made.pids.add(pid);
    for (const pid of made.pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    for (const ns of made.namespaces) sh('ip', ['netns', 'del', ns], 5000);
    for (const sock of made.sockets) rmSync(sock, { force: true });
    rmSync(dir, { recursive: true, force: true });
    if (pgDir) {
      sh(
        'runuser',
        [
          '-u',
          'postgres',
          '--',
          join(PG_BIN, 'pg_ctl'),
          '-D',
          join(pgDir, 'data'),
          '-m',
          'immediate',
          '-w',
          'stop',
        ],
        10_000,
      );
      rmSync(pgDir, { recursive: true, force: true });
    }
    run.done();
  };
  process.once('exit', onExit);

  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    process.off('exit', onExit);
    if (watcher) clearInterval(watcher);
    const problems: string[] = [];
    await Promise.all(
      [...workers.values()].map((w) => destroy(w).catch((e: Error) => problems.push(e.message))),
    );
    if (hetzner) await hetzner.close().catch((e: Error) => problems.push(e.message));
    if (master) {
      const p = master.pids();
      for (const pid of [p.master, p.kong, p.wireguardGo]) if (pid) made.pids.add(pid);
      problems.push(...(await master.stop()));
    } else {
      sh('ip', ['netns', 'del', names.master]);
    }
    if (pg) await pg.stop().catch((e: Error) => problems.push(e.message));
    rmSync(dir, { recursive: true, force: true });
    run.done();
    if (problems.length) say(`lab stop: ${problems.join('; ')}`);
  };

  try {
    made.namespaces.add(names.master);
    made.sockets.add(`/var/run/wireguard/${names.wg}.sock`);
    say('starting Postgres');
    pg = await startPostgres();
    const dbUrl = await pg.createDatabase('supafleet');
    const registry = new Registry(createPool(dbUrl, 2));
    let socketDir: string;
    const apiToken = mintApiToken();
    const writeToken = mintApiToken();
    const readToken = mintApiToken();
    const consoleToken = mintApiToken();
    try {
      await migrate(registry.pool);
      for (const [t, name, scope] of [
        [apiToken, 'lab', 'admin'],
        [writeToken, 'lab-writer', 'write'],
        [readToken, 'lab-reader', 'read'],
        [consoleToken, 'console', 'write'],
      ] as const) {
        await registry.insertApiToken({ id: t.id, name, scope, secretHash: t.secretHash });
      }
      socketDir = String(
        (await registry.pool.query('show unix_socket_directories')).rows[0].unix_socket_directories,
      );
      pgDir = socketDir;
      run.add({ dir: pgDir, postgres: join(pgDir, 'data') });
    } finally {
      await registry.close();
    }
    for (const t of [apiToken, writeToken, readToken, consoleToken]) secrets.add(t.token);

    const seal = options.fleet
      ? {
          publicKey: options.fleet.spec.seal.public_key,
          privateKey: new Secret(options.fleet.sealPrivateKey),
        }
      : await generateSealKeypair();
    const fleet: FleetSpec = options.fleet?.spec ?? {
      name: 'lab',
      domain: 'example.com',
      github: { repository: 'acme-corp/fleet', repository_id: 424242, owner_id: 777 },
      master: { server: { type: 'cx32', location: 'fsn1' } },
      network: { cidr: '10.100.0.0/24' },
      storage_box: { host: 'u123456.your-storagebox.de', user: 'u123456', shared_credential: true },
      seal: { public_key: seal.publicKey },
    };
    const fleetFile = join(dir, 'fleet.yaml');
    writeFileSync(fleetFile, stringify(fleet));
    const secretsKey = randomBytes(32).toString('base64');
    const wgKeys = x25519();
    for (const s of [seal.privateKey.reveal(), secretsKey, wgKeys.privateKey]) secrets.add(s);
    const masterHost = `fleet.${fleet.domain}`;
    const tls = makeCertificate(dir, masterHost);

    say('bundling the agent and the stand-ins');
    const agentBundle = join(dir, 'agent.mjs');
    const standinProgram = join(dir, 'standin.mjs');
    await Promise.all([buildAgent(agentBundle), buildStandins(standinProgram)]);

    say(`starting the master in namespace ${names.master}`);
    master = await startMasterNs({
      marker: run.marker,
      namespace: names.master,
      bridge: names.bridge,
      wgInterface: names.wg,
      dir,
      wgPrivateKey: wgKeys.privateKey,
      env: {
        DATABASE_URL: `postgres://postgres@localhost:${pg.port}/supafleet?host=${encodeURIComponent(socketDir)}`,
        SUPAFLEET_FLEET_FILE: fleetFile,
        SUPAFLEET_SECRETS_KEY: secretsKey,
        SUPAFLEET_SEAL_PRIVATE_KEY: seal.privateKey.reveal(),
        SUPAFLEET_WG_KEEPALIVE: '5',
        // a peer removed behind the master's back comes back within 2 s (30 s on a real master)
        SUPAFLEET_WG_RECONCILE_INTERVAL_S: '2',
        SUPAFLEET_AGENT_COMMAND_PORT: '8082',
        SUPAFLEET_OIDC_JWKS_URL: 'http://127.0.0.1:9/jwks',
        SUPAFLEET_LOG_LEVEL: 'info',
        LAB_TLS_CERT: tls.cert,
        LAB_TLS_KEY: tls.key,
        ...labSettingsEnv({
          program: standinProgram,
          pgMetaApp: pgMetaAppPath(),
          postgres: { socketDir: socketDir.split(',')[0]!.trim(), port: pg.port },
        }),
      },
    });
    const mp = master.pids();
    for (const pid of [mp.master, mp.kong, mp.wireguardGo]) if (pid) made.pids.add(pid);

    const hcloudToken = randomBytes(32).toString('hex');
    secrets.add(hcloudToken);
    let n = 0;
    const m = master;
    hetzner = await startFakeHetzner({
      token: hcloudToken,
      actionDurationMs: options.actionDurationMs ?? 300,
      onServerCreated: (server, userData) => {
        const labels = (server.labels ?? {}) as Record<string, string>;
        const project = labels['supafleet/project'];
        if (stopped || labels['supafleet/role'] !== 'worker' || !project || !userData) return;
        const serverId = server.id as number;
        if (held.delete(project)) {
          say(`worker ${project}: server ${serverId} is held: it never boots or enrolls`);
          return;
        }
        const k = ++n;
        const namespace = `sflw${id}-${k}`;
        const wdir = join(dir, 'workers', `${k}-${project}`);
        mkdirSync(wdir, { recursive: true });
        made.namespaces.add(namespace);
        try {
          const w = bootWorker({
            project,
            serverId,
            namespace,
            n: k,
            dir: wdir,
            userData,
            masterNs: names.master,
            bridge: names.bridge,
            vethPrefix: names.veth,
            masterHost,
            caFile: tls.cert,
            agentBundle,
            marker: run.marker,
          });
          workers.set(serverId, w);
          if (w.child.pid) made.pids.add(w.child.pid);
          say(`worker ${project}: server ${serverId} boots in namespace ${namespace}`);
        } catch (err) {
          note(wdir, `boot failed: ${(err as Error).message}`);
          say(`worker ${project}: boot failed: ${(err as Error).message}`);
        }
      },
    });
    void m;

    // A deleted server takes its worker with it.
    let sweeping = false;
    watcher = setInterval(() => {
      if (sweeping || stopped || !hetzner) return;
      sweeping = true;
      const alive = new Set(hetzner.state().servers.map((s) => s.id));
      const gone = [...workers.values()].filter((w) => !alive.has(w.serverId));
      void Promise.all(gone.map(destroy)).finally(() => (sweeping = false));
      for (const w of workers.values()) remember(w);
    }, 250);

    const lab: FleetLab = {
      mode: 'namespaces',
      simulated: NAMESPACE_SIMULATED,
      fleet,
      masterUrl: master.publicUrl,
      kongUrl: master.kongUrl,
      kongProxyUrl: master.kongProxyUrl,
      studioFrontUrl: master.studioFrontUrl,
      connectStudioEdge: (edge) => master!.connectStudioEdge(edge),
      hetzner,
      hcloudToken,
      apiToken: apiToken.token,
      scopedTokens: { write: writeToken.token, read: readToken.token },
      consoleToken: consoleToken.token,
      masterWgPublicKey: wgKeys.publicKey,
      secrets,
      masterWgInterface: names.wg,
      workers: () =>
        [...workers.values()].map((w) => {
          remember(w);
          w.wgIp ??= enrolledWgIp(w);
          return {
            name: w.project,
            serverId: w.serverId,
            namespace: w.namespace,
            wgIp: w.wgIp,
            pids: workerPids(w),
            state: workerState(w),
            logFile: join(w.dir, 'lab.log'),
          };
        }),
      workerUserData: (project, token) => {
        const resolved = resolveFleet(fleet);
        // a fleet with sub-accounts: apply makes the project's; the lab's boot never reads it
        const backup = placeholderBackupAccount(resolved);
        return renderWorkerUserData({
          fleet: resolved,
          project: resolveProject(project),
          enrollment: { token, masterUrl: `https://${masterHost}`, masterWgPublicKey: wgKeys.publicKey },
          ...(backup ? { backup } : {}),
        }).text;
      },
      getFromMaster: async (url) => {
        const r = m.exec('curl', ['-sS', '--max-time', '5', '-o', '-', '-w', '\n%{http_code}', url], 10_000);
        const i = r.stdout.lastIndexOf('\n');
        return { status: Number(r.stdout.slice(i + 1)) || 0, body: r.stdout.slice(0, Math.max(0, i)) };
      },
      execInMaster: (cmd, args) => m.exec(cmd, args),
      restartMaster: async (signal) => {
        const before = m.pids().master;
        if (before) made.pids.add(before);
        await m.restartMaster(signal);
        const after = m.pids().master;
        if (after) made.pids.add(after);
        say(`master restarted after ${signal ?? 'SIGTERM'}`);
      },
      holdBoot: (project) => {
        held.add(project);
      },
      restartAgent: async (project, signal) => {
        const w = [...workers.values()].find((x) => x.project === project);
        if (!w)
          throw new Error(
            `no worker for project "${project}"; expected one of ${[...workers.values()].map((x) => x.project).join(', ') || '(none)'}`,
          );
        remember(w);
        await restartAgent(w, signal);
        if (w.child.pid) made.pids.add(w.child.pid);
        say(`worker ${project}: agent restarted after ${signal ?? 'SIGKILL'}`);
      },
      stopService: async (project, service) => {
        const w = [...workers.values()].find((x) => x.project === project);
        if (!w) throw new Error(`no worker for project "${project}"`);
        const pid = standinPid(w.namespace, service);
        if (pid === undefined)
          throw new Error(
            `worker ${project} runs no ${service} service; expected one of ${Object.keys(LAB_SERVICES).join(', ')}`,
          );
        const left = await stopPids([pid], 5000);
        if (left.length) throw new Error(`the ${service} service of ${project} (pid ${pid}) did not stop`);
        say(`worker ${project}: ${service} stopped (pid ${pid})`);
      },
      logs: () => {
        for (const w of workers.values()) remember(w);
        return collectLogs(dir);
      },
      trace: () => ({
        namespaces: [...made.namespaces],
        pids: [...made.pids],
        sockets: [...made.sockets],
        dirs: [...made.dirs],
      }),
      stop,
    };
    return lab;
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Drops a worker's database from the lab's Postgres (a deleted server's disk is gone). */
export async function dropWorkerDatabase(url: string, project: string): Promise<void> {
  const client = new pgLib.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`drop database if exists "${labWorkerDatabase(project)}" with (force)`);
  } finally {
    await client.end();
  }
}

/** What of a trace still exists: namespaces, live PIDs, sockets, directories. Empty lists when all is gone. */
export function leftovers(t: LabTrace): LabTrace {
  const present = new Set(listNamespaces());
  return {
    namespaces: t.namespaces.filter((n) => present.has(n)),
    pids: t.pids.filter(isAlive),
    sockets: t.sockets.filter((s) => existsSync(s)),
    dirs: t.dirs.filter((d) => existsSync(d)),
  };
}

/** A worker's lab.log, for messages and the list of skipped steps. */
export function readWorkerLog(info: LabWorkerInfo): string {
  return existsSync(info.logFile) ? readFileSync(info.logFile, 'utf8') : '';
}

export { namespacePids };

/** The text of every `*.log` file under `dir` (bounded: at most 500 files). */
export function collectLogs(dir: string): string {
  const out: string[] = [];
  const walk = (d: string, depth: number): void => {
    if (depth > 8 || out.length > 500 || !existsSync(d)) return;
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p, depth + 1);
      else if (e.isFile() && e.name.endsWith('.log')) out.push(`==> ${p}\n${readFileSync(p, 'utf8')}`);
    }
  };
  walk(dir, 0);
  return out.join('\n');
}
