/**
 * The lab's runtime for the master's Studio pool: the same interface as the Docker runtime
 * (master/src/studio/runtime.ts), with a process per project in place of a container. Each
 * process is the Studio stand-in (standin.ts), started with exactly the environment the master
 * rendered for that project's Studio (`studioEnvList`, as the Docker runtime hands it to the
 * container), plus three lab variables that are not Studio's: where to listen (the placement's
 * loopback port, as Docker publishes it) and how to reach the fleet's edge without DNS or a public
 * CA (a unix socket to Caddy and Caddy's root certificate). The image and the memory limit are
 * not used: nothing is pulled, and the process is not in a cgroup.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { StudioPlacement, StudioRuntime } from '../../../master/src/studio/runtime.ts';
import { studioEnvList, type StudioSettings } from '../../../master/src/studio/settings.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = join(HERE, '..', '..', '..');

export interface LabStudioRuntimeOptions {
  /** A unix socket that reaches the fleet's edge (Caddy's HTTPS port). */
  readonly edgeSocket: string;
  /** Caddy's root certificate (PEM file), read by the stand-in on every request. */
  readonly edgeCa: string;
  /** Folder for the stand-ins' logs (`studio-<project>.log`). */
  readonly logDir: string;
  /** Environment every stand-in also gets (PATH, the lab run's marker). */
  readonly baseEnv?: Readonly<Record<string, string>>;
}

/** The environment of one stand-in: the rendered Studio settings, then the lab's three variables. */
export function standinEnv(
  settings: StudioSettings,
  at: StudioPlacement,
  o: Pick<LabStudioRuntimeOptions, 'edgeSocket' | 'edgeCa' | 'baseEnv'>,
): Record<string, string> {
  const env: Record<string, string> = { ...o.baseEnv };
  for (const line of studioEnvList(settings)) {
    const eq = line.indexOf('=');
    env[line.slice(0, eq)] = line.slice(eq + 1);
  }
  env.LAB_STUDIO_LISTEN = `127.0.0.1:${at.port}`;
  env.LAB_STUDIO_EDGE_SOCKET = o.edgeSocket;
  env.LAB_STUDIO_EDGE_CA = o.edgeCa;
  return env;
}

export function createLabStudioRuntime(o: LabStudioRuntimeOptions): StudioRuntime & {
  /** PIDs of the stand-ins running now, by container name. */
  pids(): Record<string, number>;
} {
  const running = new Map<string, ChildProcess>();
  const alive = (c: ChildProcess): boolean => c.exitCode === null && c.signalCode === null;

  const remove = async (container: string): Promise<void> => {
    const c = running.get(container);
    running.delete(container);
    if (!c || !alive(c)) return;
    const exited = new Promise<void>((r) => c.once('exit', () => r()));
    c.kill('SIGTERM');
    const timer = setTimeout(() => c.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  };

  return {
    async start(settings, at) {
      await remove(settings.container);
      const log = openSync(join(o.logDir, `studio-${settings.project}.log`), 'a');
      const child = spawn(process.execPath, ['--import', 'tsx', join(HERE, 'standin.ts')], {
        cwd: REPO,
        env: standinEnv(settings, at, o),
        stdio: ['ignore', log, log],
      });
      running.set(settings.container, child);
      child.once('exit', () => {
        if (running.get(settings.container) === child) running.delete(settings.container);
      });
    },
    remove,
    async list() {
      return [...running.entries()].filter(([, c]) => alive(c)).map(([name]) => name);
    },
    pids() {
      const out: Record<string, number> = {};
      for (const [name, c] of running) if (alive(c) && c.pid) out[name] = c.pid;
      return out;
    },
  };
}
