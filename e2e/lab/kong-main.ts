/**
 * The lab's Kong, run inside the master namespace as its own process (so a
 * master restart keeps Kong's state, as with a real Kong): the Kong fake's Admin
 * API on 127.0.0.1:$LAB_KONG_PORT of the namespace, also served on the unix
 * socket $LAB_KONG_SOCKET for the host side, and its proxy (Kong's 8000) on
 * 127.0.0.1:$LAB_KONG_PROXY_PORT, also served on $LAB_KONG_PROXY_SOCKET: inside the
 * master namespace the proxy reaches the workers' wg addresses as a real Kong
 * would. Admin API writes reach the proxy after LAB_STATE_DELAY_MS, as Kong applies
 * them later too (each worker rebuilds its router every `worker_state_update_frequency`
 * = 5 s: Kong 3.9.1 kong/templates/kong_defaults.lua:186-189, fakes/kong/CONFORMANCE.md).
 * Prints `ready` once listening.
 */
import { once } from 'node:events';
import { rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { LAB_STATE_DELAY_MS, LAB_UPSTREAM_TIMEOUT_MS, startFakeKong } from '../../fakes/kong/fake.ts';

const port = Number(process.env.LAB_KONG_PORT);
const socket = process.env.LAB_KONG_SOCKET;
const proxyPort = Number(process.env.LAB_KONG_PROXY_PORT ?? '8000');
const proxySocket = process.env.LAB_KONG_PROXY_SOCKET;
if (!Number.isInteger(port) || port < 1 || !socket) {
  throw new Error('LAB_KONG_PORT (a port) and LAB_KONG_SOCKET (a path) must be set');
}
if (!Number.isInteger(proxyPort) || proxyPort < 1) {
  throw new Error(`LAB_KONG_PROXY_PORT is "${process.env.LAB_KONG_PROXY_PORT}"; expected a port`);
}
const kong = await startFakeKong({
  port,
  proxy: { port: proxyPort, maxTimeoutMs: LAB_UPSTREAM_TIMEOUT_MS, stateDelayMs: LAB_STATE_DELAY_MS },
});

/** Serves the unix socket `path` by piping each connection to 127.0.0.1:`to`. */
async function bridgeTo(path: string, to: number) {
  const server = createServer((c) => {
    const up = connect(to, '127.0.0.1');
    c.pipe(up).pipe(c);
    const end = () => {
      c.destroy();
      up.destroy();
    };
    c.on('error', end);
    up.on('error', end);
  });
  rmSync(path, { force: true });
  server.listen(path);
  await once(server, 'listening');
  return server;
}
const bridges = [await bridgeTo(socket, port)];
if (proxySocket) bridges.push(await bridgeTo(proxySocket, proxyPort));
process.stdout.write('ready\n');

const stop = async (): Promise<void> => {
  for (const b of bridges) b.close();
  await kong.close();
  process.exit(0);
};
process.once('SIGTERM', () => void stop());
process.once('SIGINT', () => void stop());
