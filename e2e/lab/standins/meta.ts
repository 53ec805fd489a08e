/**
 * The `meta` service: the real @supabase/postgres-meta (its app factory,
 * dist/server/app.js, as its server.js builds it) on the worker's own database.
 * Its configuration is read from the environment when the module loads, as in
 * the container: PG_META_DB_URL (the connection) and CRYPTO_KEY (for the
 * encrypted connection header Studio sends). The admin app (metrics on
 * PG_META_PORT + 1) is not started.
 */
import { createServer, type Server } from 'node:net';
import { pathToFileURL } from 'node:url';

interface FastifyLike {
  listen(o: { port: number; host: string }): Promise<string>;
  ready(): Promise<unknown>;
  close(): Promise<void>;
  server: { emit(event: 'connection', socket: unknown): boolean };
}

export async function startMeta(o: {
  appPath: string;
  dbUrl: string;
  cryptoKey: string;
  port: number;
  wg?: { address: string; port: number };
}): Promise<{ close(): Promise<void> }> {
  // read by postgres-meta's constants.js when it loads
  process.env.PG_META_DB_URL = o.dbUrl;
  process.env.CRYPTO_KEY = o.cryptoKey;
  const mod = (await import(pathToFileURL(o.appPath).href)) as { build(opts: object): FastifyLike };
  const app = mod.build({ logger: false });
  await app.listen({ port: o.port, host: '127.0.0.1' });
  let wg: Server | undefined;
  if (o.wg) {
    // the same server on the worker's wg address (the container's port published there)
    wg = createServer((socket) => app.server.emit('connection', socket));
    await new Promise<void>((resolve, reject) => {
      wg!.once('error', reject);
      wg!.listen(o.wg!.port, o.wg!.address, () => resolve());
    });
  }
  return {
    close: async () => {
      wg?.close();
      await app.close();
    },
  };
}
