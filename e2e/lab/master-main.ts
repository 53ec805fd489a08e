/**
 * The lab's master, run inside the master network namespace by `FleetLab`
 * (`ip netns exec <ns> node --import tsx e2e/lab/master-main.ts`). It is the real
 * master API (configuration from the environment, as `supafleet master serve`
 * reads it, with the real WireGuard peer manager) with two lab additions:
 *
 * - the bundle renderer adds the stand-in services (see standins.ts), so the
 *   agent's process runtime can run the bundle (where the stand-in program,
 *   postgres-meta and the lab's Postgres are comes from LAB_* variables);
 * - the Kong Admin API is the Kong fake (kong-main.ts) on 127.0.0.1:8001 of this namespace;
 * - the Studio front runs with the lab's runtime (studio/front.ts) when LAB_STUDIO_* are set.
 *
 * It listens on the master's wg address (agents), on HTTPS :443 (workers enroll at
 * https://fleet.<domain>, the name resolving to the bridge address), and on unix
 * socket the host side forwards a loopback port to (the public API), since
 * nothing on the host's loopback reaches into a namespace.
 * Prints one `ready` line on stdout once everything listens.
 */
import { once } from 'node:events';
import { readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Server as NetServer } from 'node:net';
import { createAgentServer } from '../../master/src/agent-listener.ts';
import { createApp } from '../../master/src/app.ts';
import { loadConfig } from '../../master/src/config.ts';
import { createLogger } from '../../master/src/log.ts';
import { buildDeps } from '../../master/src/server.ts';
import { labBundleRenderer, labSettingsFromEnv } from './standins.ts';
import { labStudioFromEnv, startLabStudioFront } from './studio/front.ts';

const env = process.env;
const need = (k: string): string => {
  const v = env[k];
  if (!v) throw new Error(`${k} is not set; the lab's master needs it`);
  return v;
};

const publicSocket = need('LAB_PUBLIC_SOCKET');
const config = await loadConfig(env);
const log = createLogger(config.logLevel);
const deps = { ...(await buildDeps(config, log)), renderBundle: labBundleRenderer(labSettingsFromEnv(env)) };

const listen = async (server: Server | NetServer, ...args: unknown[]): Promise<void> => {
  (server.listen as (...a: unknown[]) => void)(...args);
  await once(server, 'listening');
};

const publicApp = createApp(deps, 'public');
const servers: (Server | NetServer)[] = [];
const plain = createServer(publicApp);
rmSync(publicSocket, { force: true });
await listen(plain, publicSocket);
servers.push(plain);
const loop = createServer(publicApp);
await listen(loop, config.listen.port, config.listen.host);
servers.push(loop);
const tls = createHttpsServer(
  { cert: readFileSync(need('LAB_TLS_CERT')), key: readFileSync(need('LAB_TLS_KEY')) },
  publicApp,
);
await listen(tls, 443, '0.0.0.0');
servers.push(tls);
// the master's Studio front with the lab's runtime (stand-in processes in place of containers)
const studioSettings = labStudioFromEnv(env);
const studio = studioSettings
  ? await startLabStudioFront(deps, studioSettings, log, {
      PATH: env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
      ...(env.SUPAFLEET_LAB_RUN ? { SUPAFLEET_LAB_RUN: env.SUPAFLEET_LAB_RUN } : {}),
    })
  : undefined;
const agents = createAgentServer(deps);
await listen(agents, config.agentListen.port, config.agentListen.host);
servers.push(agents);

log.info(
  { wg: config.wgInterface, agent: `${config.agentListen.host}:${config.agentListen.port}` },
  'lab master ready',
);
process.stdout.write('ready\n');

const stop = async (): Promise<void> => {
  for (const s of servers) {
    s.close();
    if ('closeAllConnections' in s) s.closeAllConnections();
  }
  await studio?.close();
  await deps.registry.close();
  process.exit(0);
};
process.once('SIGTERM', () => void stop());
process.once('SIGINT', () => void stop());
