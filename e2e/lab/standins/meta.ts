/**
 * The `meta` service: the real @supabase/postgres-meta (its app factory,
 * dist/server/app.js, as its server.js builds it) on the worker's own database.
 * Its configuration is read from the environment when the module loads, as in
 * the container: PG_META_DB_URL (the connection) and CRYPTO_KEY (for the
 * encrypted connection header Studio sends). The admin app (metrics on
 * PG_META_PORT + 1) is not started.
 *
 * The app loads in the background a second after the service listens (loading it
 * costs more than a second of CPU, which would hold up the agent starting the
 * worker's other services), or at once on a request other than `GET /health`;
 * until it is loaded the stand-in answers `/health` with the app's shape, `{date}`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { pathToFileURL } from 'node:url';

interface FastifyLike {
  ready(): Promise<unknown>;
  close(): Promise<void>;
  routing(req: IncomingMessage, res: ServerResponse): void;
}

export async function startMeta(o: {
  appPath: string;
  dbUrl: string;
  cryptoKey: string;
  port: number;
  wg?: { address: string; port: number };
}): Promise<{ close(): Promise<void> }> {
  let loading: Promise<FastifyLike> | undefined;
  const app = (): Promise<FastifyLike> =>
    (loading ??= (async () => {
      // read by postgres-meta's constants.js when it loads
      process.env.PG_META_DB_URL = o.dbUrl;
      process.env.CRYPTO_KEY = o.cryptoKey;
      const mod = (await import(pathToFileURL(o.appPath).href)) as { build(opts: object): FastifyLike };
      const built = mod.build({ logger: false });
      await built.ready();
      return built;
    })());
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    if (!loading && req.method === 'GET' && req.url === '/health') {
      const body = JSON.stringify({ date: new Date() });
      res.writeHead(200, {
        'content-type': 'application/json; charset=utf-8',
        'content-length': Buffer.byteLength(body),
      });
      res.end(body);
      return;
    }
    app().then(
      (a) => a.routing(req, res),
      (err: Error) => {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: `postgres-meta did not load: ${err.message}` }));
      },
    );
  };
  const at: [string, number][] = [['127.0.0.1', o.port]];
  if (o.wg) at.push([o.wg.address, o.wg.port]);
  const servers = await Promise.all(
    at.map(
      ([host, port]) =>
        new Promise<Server>((resolve, reject) => {
          const s = createServer(handler);
          s.once('error', reject);
          s.listen(port, host, () => resolve(s));
        }),
    ),
  );
  setTimeout(() => void app().catch(() => undefined), 1000).unref();
  return {
    close: async () => {
      for (const s of servers) s.close();
      if (loading) await (await loading.catch(() => undefined))?.close();
    },
  };
}
