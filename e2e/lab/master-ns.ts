/**
 * The lab's master side: a network namespace with a bridge (192.168.77.1/24, where
 * every worker's veth is plugged), the master's wireguard-go interface (10.100.0.1),
 * and the real master API as a child process in it (master-main.ts). The host side
 * reaches the master's public API and the Kong fake through loopback ports forwarded
 * to unix sockets the master process listens on.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { delay, GiveUp, must, sh, stopPids, until } from './commands.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = join(HERE, '..', '..');

export interface MasterNsOptions {
  readonly namespace: string;
  readonly bridge: string;
  readonly wgInterface: string;
  readonly dir: string;
  /** The master's wg private key (base64), written 0600 into the wg-quick file the peer manager keeps. */
  readonly wgPrivateKey: string;
  readonly env: Readonly<Record<string, string>>;
  /** The run's marker (`SUPAFLEET_LAB_RUN=<id>`) for every process started here. */
  readonly marker?: Readonly<Record<string, string>>;
}

export interface MasterNs {
  readonly publicUrl: string;
  readonly kongUrl: string;
  /** The Kong fake's proxy, forwarded from the host's loopback to port 8000 in the namespace. */
  readonly kongProxyUrl: string;
  /** The master's Studio front (lab runtime), forwarded from the host's loopback to 127.0.0.1:8090 in the namespace. */
  readonly studioFrontUrl: string;
  /**
   * Lets the master's Studio stand-ins reach the fleet's edge: a unix socket in the lab's folder
   * forwarded to Caddy's HTTPS port on the host's loopback, and Caddy's root certificate beside it.
   */
  connectStudioEdge(edge: { readonly httpsPort: number; readonly rootCa: string }): Promise<void>;
  readonly pids: () => { master?: number; kong?: number; wireguardGo?: number };
  /** Stops the master process (SIGTERM, or SIGKILL for a crash) and starts it again; resolves once it listens. */
  restartMaster(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  /** Runs a command inside the master namespace (bounded). */
  exec(
    cmd: string,
    args: readonly string[],
    timeoutMs?: number,
  ): { status: number | null; stdout: string; stderr: string };
  stop(): Promise<string[]>;
}

/** Open connections per forwarding server, destroyed when the lab stops (a keep-alive would hold `close`). */
const open = new WeakMap<Server, Set<Socket>>();
function track(server: Server, c: Socket): void {
  const set = open.get(server) ?? new Set<Socket>();
  open.set(server, set);
  set.add(c);
  c.once('close', () => set.delete(c));
}
function closeServer(server: Server): Promise<void> {
  const closed = new Promise<void>((r) => server.close(() => r()));
  for (const c of open.get(server) ?? []) c.destroy();
  return closed;
}

/** Forwards connections on a loopback port to a unix socket. */
async function forward(socketPath: string): Promise<{ url: string; server: Server }> {
  const server = createServer((c) => {
    track(server, c);
    const up = connect(socketPath);
    c.pipe(up).pipe(c);
    const end = () => {
      c.destroy();
      up.destroy();
    };
    c.on('error', end);
    up.on('error', end);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}`, server };
}

/** Starts `script` (in this folder) with tsx inside the namespace; resolves once it prints `ready`. */
async function startChild(
  o: MasterNsOptions,
  script: string,
  logName: string,
  env: Record<string, string>,
): Promise<ChildProcess> {
  const logPath = join(o.dir, logName);
  const err = openSync(logPath, 'a');
  const child = spawn(
    'ip',
    ['netns', 'exec', o.namespace, process.execPath, '--import', 'tsx', join(HERE, script)],
    // own process group: a Ctrl-C at the terminal reaches the demo, which stops this in order
    { cwd: REPO, env: { ...env, ...o.marker }, stdio: ['ignore', 'pipe', err], detached: true },
  );
  let ready = false;
  let text = '';
  child.stdout!.on('data', (c: Buffer) => {
    const s = c.toString('utf8');
    writeFileSync(logPath, s, { flag: 'a' });
    if (!ready) {
      text = (text + s).slice(-4096);
      if (/^ready$/m.test(text)) ready = true;
    }
  });
  try {
    await until(
      `${script} to listen (see ${logName})`,
      () => {
        if (child.exitCode !== null) {
          const tail = readFileSync(logPath, 'utf8').trim().split('\n').slice(-5).join('\n');
          throw new GiveUp(`${script} exited with code ${child.exitCode}:\n${tail}`);
        }
        return ready ? true : undefined;
      },
      30_000,
      100,
    );
  } catch (e) {
    if (child.exitCode === null && child.pid) await stopPids([child.pid], 2000);
    throw e;
  }
  return child;
}

export async function startMasterNs(o: MasterNsOptions): Promise<MasterNs> {
  const children: ChildProcess[] = [];
  const servers: Server[] = [];
  const stop = async (): Promise<string[]> => {
    const problems: string[] = [];
    for (const s of servers) await closeServer(s);
    const pids = children
      .map((c) => c.pid)
      .filter(
        (p): p is number => p !== undefined && children.some((c) => c.pid === p && c.exitCode === null),
      );
    const left = await stopPids(pids, 5000);
    if (left.length) problems.push(`master processes still alive: ${left.join(' ')}`);
    const rest = sh('ip', ['netns', 'pids', o.namespace])
      .stdout.split('\n')
      .map(Number)
      .filter((n) => n > 0);
    const left2 = await stopPids(rest, 2000);
    if (left2.length) problems.push(`processes in ${o.namespace} still alive: ${left2.join(' ')}`);
    sh('ip', ['netns', 'del', o.namespace]);
    rmSync(`/var/run/wireguard/${o.wgInterface}.sock`, { force: true });
    return problems;
  };
  try {
    must('ip', ['netns', 'add', o.namespace]);
    must('ip', ['-n', o.namespace, 'link', 'set', 'lo', 'up']);
    must('ip', ['-n', o.namespace, 'link', 'add', o.bridge, 'type', 'bridge']);
    must('ip', ['-n', o.namespace, 'addr', 'add', '192.168.77.1/24', 'dev', o.bridge]);
    must('ip', ['-n', o.namespace, 'link', 'set', o.bridge, 'up']);

    const wgLog = openSync(join(o.dir, 'master-wireguard-go.log'), 'a');
    const wg = spawn('ip', ['netns', 'exec', o.namespace, 'wireguard-go', '-f', o.wgInterface], {
      env: { ...process.env, ...o.marker },
      stdio: ['ignore', wgLog, wgLog],
      detached: true,
    });
    children.push(wg);
    await until(
      'the master wireguard-go socket',
      () => (existsSync(`/var/run/wireguard/${o.wgInterface}.sock`) ? true : undefined),
      5000,
      100,
    );
    const wgConf = join(o.dir, `${o.wgInterface}.conf`);
    writeFileSync(wgConf, `[Interface]\nPrivateKey = ${o.wgPrivateKey}\nListenPort = 51820\n`, {
      mode: 0o600,
    });
    must('ip', ['-n', o.namespace, 'addr', 'add', '10.100.0.1/24', 'dev', o.wgInterface]);
    must('ip', ['-n', o.namespace, 'link', 'set', o.wgInterface, 'up']);

    const publicSocket = join(o.dir, 'master-public.sock');
    const kongSocket = join(o.dir, 'kong-admin.sock');
    const kongProxySocket = join(o.dir, 'kong-proxy.sock');
    const studioFrontSocket = join(o.dir, 'studio-front.sock');
    const edgeSocket = join(o.dir, 'edge.sock');
    const edgeCa = join(o.dir, 'edge-root.crt');
    const base = { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin' };
    const kongProcess = await startChild(o, 'kong-main.ts', 'kong.log', {
      ...base,
      LAB_KONG_PORT: '8001',
      LAB_KONG_SOCKET: kongSocket,
      LAB_KONG_PROXY_PORT: '8000',
      LAB_KONG_PROXY_SOCKET: kongProxySocket,
    });
    children.push(kongProcess);
    const masterEnv = {
      ...base,
      ...o.env,
      SUPAFLEET_WG_INTERFACE: o.wgInterface,
      SUPAFLEET_WG_CONFIG: wgConf,
      SUPAFLEET_WG_ENDPOINT: '192.168.77.1:51820',
      SUPAFLEET_AGENT_LISTEN: '10.100.0.1:8081',
      SUPAFLEET_LISTEN: '127.0.0.1:8080',
      KONG_ADMIN_URL: 'http://127.0.0.1:8001',
      LAB_PUBLIC_SOCKET: publicSocket,
      LAB_STUDIO_FRONT_SOCKET: studioFrontSocket,
      LAB_STUDIO_EDGE_SOCKET: edgeSocket,
      LAB_STUDIO_EDGE_CA: edgeCa,
      LAB_STUDIO_LOG_DIR: o.dir,
    };
    let master = await startChild(o, 'master-main.ts', 'master.log', masterEnv);
    children.push(master);
    const pub = await forward(publicSocket);
    const kong = await forward(kongSocket);
    const kongProxy = await forward(kongProxySocket);
    const studioFront = await forward(studioFrontSocket);
    servers.push(pub.server, kong.server, kongProxy.server, studioFront.server);
    await delay(0);
    return {
      publicUrl: pub.url,
      kongUrl: kong.url,
      kongProxyUrl: kongProxy.url,
      studioFrontUrl: studioFront.url,
      async connectStudioEdge(edge) {
        writeFileSync(edgeCa, edge.rootCa);
        rmSync(edgeSocket, { force: true });
        const server = createServer((c) => {
          track(server, c);
          const up = connect(edge.httpsPort, '127.0.0.1');
          c.pipe(up).pipe(c);
          const end = () => {
            c.destroy();
            up.destroy();
          };
          c.on('error', end);
          up.on('error', end);
        });
        await new Promise<void>((r) => server.listen(edgeSocket, () => r()));
        servers.push(server);
      },
      pids: () => ({
        ...(master.exitCode === null && master.pid ? { master: master.pid } : {}),
        ...(kongProcess.exitCode === null && kongProcess.pid ? { kong: kongProcess.pid } : {}),
        ...(wg.exitCode === null && wg.pid ? { wireguardGo: wg.pid } : {}),
      }),
      async restartMaster(signal = 'SIGTERM') {
        const old = master;
        if (old.exitCode === null && old.pid) {
          if (signal === 'SIGKILL') old.kill('SIGKILL');
          const left = await stopPids([old.pid], 5000);
          if (left.length) throw new Error(`the lab master (pid ${old.pid}) did not stop`);
        }
        master = await startChild(o, 'master-main.ts', 'master.log', masterEnv);
        children.push(master);
      },
      exec: (cmd, args, timeoutMs) => sh('ip', ['netns', 'exec', o.namespace, cmd, ...args], timeoutMs),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
