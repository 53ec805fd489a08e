/**
 * A lab worker's stand-in service (bundled into one file, run by the agent's
 * process runtime in the revision directory). SERVICE picks which: auth, rest,
 * storage, functions and realtime speak the subset of their protocol that
 * supabase-js uses (README.md); meta is the real postgres-meta; db creates the
 * worker's database and answers its probe. Each listens on 127.0.0.1:$PORT (the
 * agent's probe) and on $WG_ADDRESS:$WG_PORT (Kong's upstream over wg).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { loadConfig } from './config.ts';
import { sendJson } from './http.ts';

const config = loadConfig();
type Handler = (req: IncomingMessage, res: ServerResponse) => unknown;
type Upgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

const identity: Handler = (_req, res) =>
  sendJson(
    res,
    200,
    { service: config.service, project: config.project, revision: config.revision, stand_in: true },
    { connection: 'close' },
  );

async function serve(handler: Handler, upgrade?: Upgrade): Promise<Server[]> {
  const wrap = (req: IncomingMessage, res: ServerResponse): void => {
    Promise.resolve(handler(req, res)).catch((err: Error) => {
      if (!res.headersSent) sendJson(res, 500, { message: err.message });
      else res.destroy();
    });
  };
  const at: [string, number][] = [['127.0.0.1', config.port]];
  if (config.wgAddress) at.push([config.wgAddress, config.wgPort]);
  return Promise.all(
    at.map(
      ([host, port]) =>
        new Promise<Server>((resolve, reject) => {
          const s = createServer(wrap);
          if (upgrade) s.on('upgrade', upgrade);
          s.once('error', reject);
          s.listen(port, host, () => resolve(s));
        }),
    ),
  );
}

const closers: (() => Promise<unknown>)[] = [];
// each service imports only its own module (the bundle splits them into chunks)
switch (config.service) {
  case 'rest': {
    const { createRestHandler } = await import('./rest.ts');
    const rest = createRestHandler(config);
    closers.push(rest.close);
    await serve(rest.handle);
    break;
  }
  case 'auth': {
    const { createAuthHandler } = await import('./auth.ts');
    await serve(createAuthHandler(config));
    break;
  }
  case 'storage': {
    const { createStorageHandler } = await import('./storage.ts');
    await serve(createStorageHandler(config));
    break;
  }
  case 'functions': {
    const { createFunctionsHandler } = await import('./functions.ts');
    await serve(createFunctionsHandler(config));
    break;
  }
  case 'realtime': {
    const { createRealtime } = await import('./realtime.ts');
    const rt = createRealtime(config);
    await serve(rt.handle, rt.upgrade);
    break;
  }
  case 'meta':
    if (config.pgMetaApp && config.dbUrl) {
      const { startMeta } = await import('./meta.ts');
      const meta = await startMeta({
        appPath: config.pgMetaApp,
        dbUrl: config.dbUrl,
        cryptoKey: config.pgMetaCryptoKey,
        port: config.port,
        ...(config.wgAddress ? { wg: { address: config.wgAddress, port: config.wgPort } } : {}),
      });
      closers.push(meta.close);
    } else await serve(identity);
    break;
  case 'db':
    if (config.dbUrl) await (await import('./db.ts')).ensureWorkerDatabase(config.dbUrl);
    await serve(identity);
    break;
  default:
    await serve(identity);
}

const stop = async (): Promise<void> => {
  await Promise.race([Promise.allSettled(closers.map((c) => c())), new Promise((r) => setTimeout(r, 1000))]);
  process.exit(0);
};
process.once('SIGTERM', () => void stop());
process.once('SIGINT', () => void stop());
