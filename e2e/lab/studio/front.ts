/**
 * The lab master's Studio front: the master's own (master/src/studio/service.ts: registry
 * settings, on-demand pool, Host router) with the lab's runtime (runtime.ts) in place of Docker.
 * The front listens where a master's does (127.0.0.1:8090, inside the master namespace); a unix
 * socket beside it lets the host side forward a loopback port there for Caddy, as for the
 * master's public API.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import { rmSync } from 'node:fs';
import type { Logger } from 'pino';
import { STUDIO_FRONT_LISTEN } from '../../../cloud-init/master/layout.ts';
import type { Deps } from '../../../master/src/deps.ts';
import { startStudioFront, type StudioConfig } from '../../../master/src/studio/service.ts';
import { createLabStudioRuntime } from './runtime.ts';

/** What the lab tells its master about Studio (LAB_STUDIO_* variables). */
export interface LabStudioSettings {
  readonly frontSocket: string;
  readonly edgeSocket: string;
  readonly edgeCa: string;
  readonly logDir: string;
}

/** The lab's Studio settings from the environment, or undefined when the lab runs no Studio front. */
export function labStudioFromEnv(
  env: Readonly<Record<string, string | undefined>>,
): LabStudioSettings | undefined {
  const keys = [
    'LAB_STUDIO_FRONT_SOCKET',
    'LAB_STUDIO_EDGE_SOCKET',
    'LAB_STUDIO_EDGE_CA',
    'LAB_STUDIO_LOG_DIR',
  ];
  const set = keys.filter((k) => env[k]);
  if (set.length === 0) return undefined;
  if (set.length < keys.length)
    throw new Error(
      `${keys.filter((k) => !env[k]).join(', ')} not set; the lab's Studio front needs all of ${keys.join(', ')}`,
    );
  return {
    frontSocket: env.LAB_STUDIO_FRONT_SOCKET!,
    edgeSocket: env.LAB_STUDIO_EDGE_SOCKET!,
    edgeCa: env.LAB_STUDIO_EDGE_CA!,
    logDir: env.LAB_STUDIO_LOG_DIR!,
  };
}

/** The master's Studio configuration as the lab runs it: every project's Studio at once. */
export function labStudioConfig(): StudioConfig {
  const [host, port] = STUDIO_FRONT_LISTEN.split(':') as [string, string];
  return {
    dockerUrl: '', // not used: the lab's runtime replaces Docker
    listen: { host, port: Number(port) },
    network: '',
    max: 4,
    memoryMb: 384,
    idleMinutes: 15,
    portBase: 3100,
  };
}

export async function startLabStudioFront(
  deps: Pick<Deps, 'registry' | 'secretBox' | 'fleet'>,
  s: LabStudioSettings,
  log: Logger,
  baseEnv: Readonly<Record<string, string>>,
): Promise<{ close(): Promise<void> }> {
  const config = labStudioConfig();
  const runtime = createLabStudioRuntime({
    edgeSocket: s.edgeSocket,
    edgeCa: s.edgeCa,
    logDir: s.logDir,
    baseEnv,
  });
  const front = await startStudioFront(deps, config, log, runtime);
  rmSync(s.frontSocket, { force: true });
  const open = new Set<Socket>();
  const bridge: Server = createServer((c) => {
    open.add(c);
    c.once('close', () => open.delete(c));
    const up = connect(config.listen.port, config.listen.host);
    c.pipe(up).pipe(c);
    const end = (): void => {
      c.destroy();
      up.destroy();
    };
    c.on('error', end);
    up.on('error', end);
  });
  await new Promise<void>((r) => bridge.listen(s.frontSocket, () => r()));
  return {
    async close() {
      const closed = new Promise<void>((r) => bridge.close(() => r()));
      for (const c of open) c.destroy();
      await closed;
      await front.close();
    },
  };
}
