/**
 * The lab's Kong, run inside the master namespace as its own process (so a
 * master restart keeps Kong's state, as with a real Kong): the Kong fake's Admin
 * API on 127.0.0.1:$LAB_KONG_PORT of the namespace, also served on the unix
 * socket $LAB_KONG_SOCKET for the host side. Prints `ready` once listening.
 */
import { once } from 'node:events';
import { rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { startFakeKong } from '../../master/src/kong/fake.ts';

const port = Number(process.env.LAB_KONG_PORT);
const socket = process.env.LAB_KONG_SOCKET;
if (!Number.isInteger(port) || port < 1 || !socket) {
  throw new Error('LAB_KONG_PORT (a port) and LAB_KONG_SOCKET (a path) must be set');
}
const kong = await startFakeKong({ port });
const bridge = createServer((c) => {
  const up = connect(port, '127.0.0.1');
  c.pipe(up).pipe(c);
  const end = () => {
    c.destroy();
    up.destroy();
  };
  c.on('error', end);
  up.on('error', end);
});
rmSync(socket, { force: true });
bridge.listen(socket);
await once(bridge, 'listening');
process.stdout.write('ready\n');

const stop = async (): Promise<void> => {
  bridge.close();
  await kong.close();
  process.exit(0);
};
process.once('SIGTERM', () => void stop());
process.once('SIGINT', () => void stop());
