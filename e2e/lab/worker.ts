/**
 * One lab worker: what a Hetzner server's first boot does, inside a network
 * namespace joined to the master's bridge. The lab plays cloud-init's part
 * (write_files, then runcmd in order) and skips what only makes sense on a real
 * host, listing each skipped step in the worker's lab.log.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { parse } from 'yaml';
import { must, namespacePids, sh, stopPids } from './commands.ts';

const STATIC = join(dirname(fileURLToPath(import.meta.url)), 'static');

/** runcmd entries the lab does not run: host-level setup with no meaning in a namespace. */
export const SKIPPED_RUNCMD: Readonly<Record<string, string>> = {
  '/usr/local/sbin/supafleet-harden':
    'hardening: apt packages, Docker from its apt repository, UFW, sshd, fail2ban, unattended-upgrades',
};

/** Top-level cloud-config keys the lab does not apply (the OS-level part of the bootstrap). */
const SKIPPED_KEYS: Readonly<Record<string, string>> = {
  package_update: 'apt-get update',
  package_upgrade: 'apt-get upgrade',
  packages: 'apt-get install',
  users: 'user accounts and SSH keys',
  disable_root: 'root login',
  ssh_pwauth: 'SSH password login',
};

export interface LabWorker {
  readonly project: string;
  readonly serverId: number;
  readonly namespace: string;
  readonly dir: string;
  /** Index of the worker on the bridge (its veth address is 192.168.77.<10 + n>). */
  readonly n: number;
  /** The boot script, which becomes the agent (replaced by restartAgent). */
  child: ChildProcess;
  readonly agentBundle: string;
  /** The run's marker (`SUPAFLEET_LAB_RUN=<id>`) in the environment of every process of the worker. */
  readonly marker: Readonly<Record<string, string>>;
  /** Set once enrollment wrote agent.json. */
  wgIp: string | undefined;
}

/** A line in the worker's lab.log. */
export function note(dir: string, text: string): void {
  writeFileSync(join(dir, 'lab.log'), `${new Date().toISOString()} lab: ${text}\n`, { flag: 'a' });
}

/**
 * Emulates cloud-init's write_files and prepares runcmd: every file lands under
 * `root`, each runcmd entry the lab runs becomes `runcmd/NN.sh`.
 */
export function prepareBoot(userData: string, root: string, dir: string): void {
  if (!userData.startsWith('#cloud-config\n')) throw new Error('user_data does not start with #cloud-config');
  const doc = parse(userData) as Record<string, unknown>;
  for (const key of Object.keys(doc).sort()) {
    if (key in SKIPPED_KEYS) note(dir, `skipped: cloud-config ${key} (${SKIPPED_KEYS[key]})`);
  }
  const files = (doc.write_files ?? []) as {
    path: string;
    content: string;
    encoding?: string;
    permissions?: string;
  }[];
  for (const f of files) {
    if (!/^\/[A-Za-z0-9._/-]+$/.test(f.path) || f.path.includes('..')) {
      throw new Error(`write_files path ${JSON.stringify(f.path)} is not a plain absolute path`);
    }
    const content =
      f.encoding === 'gzip+base64'
        ? gunzipSync(Buffer.from(f.content, 'base64'))
        : f.encoding === 'b64' || f.encoding === 'base64'
          ? Buffer.from(f.content, 'base64')
          : Buffer.from(f.content, 'utf8');
    const target = join(root, f.path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, content);
    chmodSync(target, parseInt(f.permissions ?? '0644', 8));
    note(dir, `write_files: ${f.path}`);
  }
  mkdirSync(join(dir, 'runcmd'), { recursive: true });
  const runcmd = (doc.runcmd ?? []) as unknown[];
  runcmd.forEach((entry, i) => {
    const step = join(dir, 'runcmd', `${String(i + 1).padStart(2, '0')}.sh`);
    if (Array.isArray(entry) && entry[0] === 'bash' && entry[1] === '-c' && typeof entry[2] === 'string') {
      writeFileSync(step, `# inline script ${i + 1} (bash -c)\n${entry[2]}\n`);
    } else if (Array.isArray(entry) && entry.length === 1 && typeof entry[0] === 'string') {
      const path = entry[0];
      if (path in SKIPPED_RUNCMD) {
        note(dir, `skipped: runcmd ${path} (${SKIPPED_RUNCMD[path]})`);
        return;
      }
      if (!/^\/[A-Za-z0-9._/-]+$/.test(path))
        throw new Error(`runcmd entry ${JSON.stringify(path)} is not a path`);
      writeFileSync(step, `# ${path}\nexec "$SUPAFLEET_ROOT${path}"\n`);
    } else {
      note(dir, `skipped: runcmd entry ${i + 1} (a form the lab does not run)`);
    }
  });
  for (const d of ['var/log', 'etc/cron.d', 'etc/supafleet']) mkdirSync(join(root, d), { recursive: true });
  mkdirSync(join(dir, 'bin'), { recursive: true });
  for (const stub of ['systemctl', 'docker', 'lab-wireguard-go']) {
    copyFileSync(join(STATIC, stub), join(dir, 'bin', stub));
    chmodSync(join(dir, 'bin', stub), 0o755);
  }
  note(dir, 'stand-ins on PATH: systemctl (wg-quick@ → wg-quick up), docker (skipped), lab-wireguard-go');
}

export interface BootOptions {
  readonly project: string;
  readonly serverId: number;
  readonly namespace: string;
  readonly n: number;
  readonly dir: string;
  readonly userData: string;
  /** Master namespace and its bridge (the worker's veth is enslaved there). */
  readonly masterNs: string;
  readonly bridge: string;
  readonly vethPrefix: string;
  readonly masterHost: string;
  readonly caFile: string;
  readonly agentBundle: string;
  readonly marker?: Readonly<Record<string, string>>;
}

/** Creates the namespace, joins it to the bridge, and starts the boot (enrollment, wg, agent) in it. */
export function bootWorker(o: BootOptions): LabWorker {
  const root = join(o.dir, 'root');
  mkdirSync(root, { recursive: true });
  prepareBoot(o.userData, root, o.dir);
  writeFileSync(join(o.dir, 'hosts'), `127.0.0.1 localhost\n192.168.77.1 ${o.masterHost}\n`);

  must('ip', ['netns', 'add', o.namespace]);
  must('ip', ['-n', o.namespace, 'link', 'set', 'lo', 'up']);
  const inside = `${o.vethPrefix}w${o.n}`;
  const outside = `${o.vethPrefix}m${o.n}`;
  must('ip', [
    'link',
    'add',
    outside,
    'netns',
    o.masterNs,
    'type',
    'veth',
    'peer',
    'name',
    inside,
    'netns',
    o.namespace,
  ]);
  must('ip', ['-n', o.masterNs, 'link', 'set', outside, 'master', o.bridge]);
  must('ip', ['-n', o.masterNs, 'link', 'set', outside, 'up']);
  must('ip', ['-n', o.namespace, 'addr', 'add', `192.168.77.${10 + o.n}/24`, 'dev', inside]);
  must('ip', ['-n', o.namespace, 'link', 'set', inside, 'up']);
  note(o.dir, `namespace ${o.namespace}: veth ${inside} 192.168.77.${10 + o.n}/24 on the master's bridge`);

  const out = openSync(join(o.dir, 'agent.log'), 'a');
  const child = spawn('ip', ['netns', 'exec', o.namespace, 'bash', join(STATIC, 'worker-boot.sh')], {
    env: {
      PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
      LAB_ROOT: root,
      LAB_DIR: o.dir,
      LAB_HOSTS: join(o.dir, 'hosts'),
      LAB_NODE: process.execPath,
      LAB_AGENT: o.agentBundle,
      CURL_CA_BUNDLE: o.caFile,
      ...o.marker,
    },
    stdio: ['ignore', out, out],
    // own process group: a Ctrl-C at the terminal reaches the demo, which stops this in order
    detached: true,
  });
  return {
    project: o.project,
    serverId: o.serverId,
    namespace: o.namespace,
    dir: o.dir,
    n: o.n,
    child,
    agentBundle: o.agentBundle,
    marker: o.marker ?? {},
    wgIp: undefined,
  };
}

/** The worker's wg address once enrollment wrote it (from wg0.conf), else undefined. */
export function enrolledWgIp(w: LabWorker): string | undefined {
  const conf = join(w.dir, 'root', 'etc', 'wireguard', 'wg0.conf');
  if (!existsSync(conf)) return undefined;
  return /^Address = ([0-9.]+)\//m.exec(readFileSync(conf, 'utf8'))?.[1];
}

/** PIDs of the worker's processes: the agent (the boot shell became it), wireguard-go, and all in its namespace. */
export function workerPids(w: LabWorker): { agent?: number; wireguardGo?: number; all: number[] } {
  const pidFile = join(w.dir, 'wireguard-go.pid');
  const wg = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').trim()) : undefined;
  return {
    ...(w.child.pid !== undefined && w.child.exitCode === null ? { agent: w.child.pid } : {}),
    ...(wg ? { wireguardGo: wg } : {}),
    all: namespacePids(w.namespace),
  };
}

/**
 * Stops every process of the worker by PID (the agent first, so it stops its
 * stand-ins), then deletes the namespace (its veth goes with it; the private
 * tmpfs with the wg socket goes with the last process). Returns what is left.
 */
export async function destroyWorker(w: LabWorker): Promise<{ pids: number[]; namespace: boolean }> {
  const agent = w.child.pid !== undefined && w.child.exitCode === null ? [w.child.pid] : [];
  await stopPids(agent, 4000);
  const left = await stopPids(namespacePids(w.namespace), 2000);
  sh('ip', ['netns', 'del', w.namespace]);
  const still = sh('ip', ['netns', 'list'])
    .stdout.split('\n')
    .some((l) => l.split(' ')[0] === w.namespace);
  note(
    w.dir,
    `destroyed: namespace ${w.namespace}${left.length ? `, pids still alive: ${left.join(' ')}` : ''}`,
  );
  return { pids: left, namespace: still };
}

/** Where the boot is: the agent line in lab.log means the boot script became the agent. */
export function workerState(w: LabWorker): 'booting' | 'enrolled' | 'running' | 'failed' {
  if (w.child.exitCode !== null || w.child.signalCode !== null) return 'failed';
  const log = join(w.dir, 'lab.log');
  if (existsSync(log) && / lab: agent: /.test(readFileSync(log, 'utf8'))) return 'running';
  return enrolledWgIp(w) ? 'enrolled' : 'booting';
}

/**
 * The worker's secrets, read from its root as they appear: the enrollment token
 * (until enrollment deletes it), the agent token and command key, the seal and
 * WireGuard private keys. For leak searches.
 */
export function workerSecrets(w: LabWorker): string[] {
  const root = join(w.dir, 'root');
  const read = (...p: string[]): string | undefined => {
    const f = join(root, ...p);
    return existsSync(f) ? readFileSync(f, 'utf8') : undefined;
  };
  const out: string[] = [];
  const json = (text: string | undefined): Record<string, unknown> => {
    try {
      return text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      return {};
    }
  };
  const enroll = json(read('etc', 'supafleet', 'enroll.json'));
  const agent = json(read('etc', 'supafleet', 'agent.json'));
  for (const v of [enroll.token, agent.token, agent.command_key]) if (typeof v === 'string' && v) out.push(v);
  for (const key of [read('etc', 'supafleet', 'seal.key'), read('etc', 'wireguard', 'wg0.key')]) {
    if (key?.trim()) out.push(key.trim());
  }
  return out;
}

/**
 * Kills the agent (a crash with SIGKILL, or SIGTERM) and starts it again in the
 * worker's namespaces (network, and the mount namespace that holds its wg
 * socket, entered through wireguard-go's). Stand-ins the killed agent left
 * behind are stopped by PID first: the process runtime cannot adopt them, as
 * Compose would adopt running containers.
 */
export async function restartAgent(w: LabWorker, signal: 'SIGKILL' | 'SIGTERM' = 'SIGKILL'): Promise<void> {
  const { agent, wireguardGo } = workerPids(w);
  if (!wireguardGo)
    throw new Error(`worker ${w.project} has no wireguard-go to enter its namespaces through`);
  if (agent) {
    if (signal === 'SIGKILL') w.child.kill('SIGKILL');
    const left = await stopPids([agent], 5000);
    if (left.length) throw new Error(`the agent of ${w.project} (pid ${agent}) did not stop`);
  }
  const orphans = namespacePids(w.namespace).filter((p) => p !== wireguardGo);
  await stopPids(orphans, 2000);
  note(
    w.dir,
    `agent stopped with ${signal}; ${orphans.length} stand-in(s) stopped by PID; starting the agent again`,
  );
  const out = openSync(join(w.dir, 'agent.log'), 'a');
  const config = join(w.dir, 'root', 'etc', 'supafleet', 'agent.lab.json');
  w.child = spawn(
    'nsenter',
    [
      '--target',
      String(wireguardGo),
      '--mount',
      '--net',
      '--',
      process.execPath,
      w.agentBundle,
      '--runtime',
      'process',
      config,
    ],
    {
      env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', ...w.marker },
      stdio: ['ignore', out, out],
      detached: true,
    },
  );
  note(w.dir, `agent: ${process.execPath} ${w.agentBundle} --runtime process (restarted)`);
}
