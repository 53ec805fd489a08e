import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FakeKongState, FakeKongStoreOptions, FakeResponse } from './store.ts';
import { FakeKongStore } from './store.ts';
import type { KongProxyOptions, StartedKongProxy } from './proxy.ts';
import { KONG_WORKER_STATE_UPDATE_MS, startKongProxy, storeState } from './proxy.ts';

export type { FakeKongState } from './store.ts';
export { FakeKongStore } from './store.ts';

/**
 * A local fake of Kong's Admin API for tests and benchmarks: the same store behind either an
 * in-memory `fetch` (no socket, for unit tests) or an HTTP server on loopback.
 */

/** One Admin API call the fake answered. Bodies are never recorded (they carry credentials). */
export interface CallLog {
  method: string;
  path: string;
  /** The query string without `?`, empty when none. */
  query: string;
  status: number;
}

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** True for calls that change Kong's state. */
export function isMutating(call: CallLog): boolean {
  return MUTATING.has(call.method);
}

export interface FakeKong {
  /** A fetch that answers from the fake, for `createKongAdminClient({ baseUrl: FAKE_KONG_URL, fetch })`. */
  fetch: typeof fetch;
  /** A copy of everything the fake holds. */
  state(): FakeKongState;
  /** Every call so far, in order. */
  calls(): CallLog[];
  resetCalls(): void;
  /** Direct access, e.g. to alter an entity behind the reconciler's back. */
  store: FakeKongStore;
}

/** Base URL to pair with the in-memory fetch (never dialled). */
export const FAKE_KONG_URL = 'http://fake-kong.invalid:8001';

function answer(
  store: FakeKongStore,
  log: CallLog[],
  method: string,
  url: URL,
  text: string | null,
): FakeResponse {
  let body: unknown;
  let res: FakeResponse;
  try {
    body = text === null || text === '' ? undefined : (JSON.parse(text) as unknown);
    res = store.handle({ method, path: url.pathname, query: url.searchParams, body });
  } catch {
    res = { status: 400, json: JSON.stringify({ message: 'Cannot parse JSON body' }) };
  }
  log.push({ method, path: url.pathname, query: url.search.replace(/^\?/, ''), status: res.status });
  return res;
}

/** A fetch that answers from `store` without any socket, logging into `log()`. */
function storeFetch(store: FakeKongStore, log: () => CallLog[]): typeof fetch {
  const fakeFetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const method = (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase();
    let text: string | null = null;
    if (init?.body !== undefined && init.body !== null) text = String(init.body);
    else if (input instanceof Request) text = await input.text();
    const res = answer(store, log(), method, url, text);
    return new Response(res.json, {
      status: res.status,
      headers: { 'content-type': 'application/json; charset=utf-8' },
    });
  };
  return fakeFetch as typeof fetch;
}

/** A fake whose Admin API is reached through its `fetch`, without any socket. */
export function createFakeKong(options: FakeKongStoreOptions = {}): FakeKong {
  const store = new FakeKongStore(options);
  let log: CallLog[] = [];
  return {
    fetch: storeFetch(store, () => log),
    state: () => store.snapshot(),
    calls: () => log.map((c) => ({ ...c })),
    resetCalls: () => {
      log = [];
    },
    store,
  };
}

export interface StartedFakeKong {
  /** Base URL of the Admin API, e.g. `http://127.0.0.1:40123`. */
  url: string;
  /** Base URL of the proxy (Kong's 8000), when started with `proxy`; null otherwise. */
  proxyUrl: string | null;
  /** The same fake without the socket (pair it with FAKE_KONG_URL), e.g. to seed it quickly. */
  fetch: typeof fetch;
  close(): Promise<void>;
  state(): FakeKongState;
  calls(): CallLog[];
  resetCalls(): void;
  store: FakeKongStore;
}

const MAX_BODY = 1024 * 1024;

/**
 * The state delay labs and demos use: short so a run stays quick, never 0, so whatever
 * reconciles and then probes has to poll as it must against Kong (5 s by default).
 */
export const LAB_STATE_DELAY_MS = 500;

/**
 * The cap labs and demos put on a service's upstream timeouts (Kong's are 60 s): long enough for
 * postgres-meta, which loads its app on its first request, on a busy two-core machine.
 */
export const LAB_UPSTREAM_TIMEOUT_MS = 30_000;

/** The proxy's settings when started beside the Admin API (state and host come from the fake). */
export type FakeKongProxySettings = Omit<KongProxyOptions, 'state' | 'host'> & {
  /**
   * How long after an Admin API write the proxy starts routing by it, in ms: Kong's
   * `worker_state_update_frequency` (5 s by default, KONG_WORKER_STATE_UPDATE_MS). Must be
   * positive: callers that reconcile and then probe poll until the change shows.
   */
  stateDelayMs?: number;
};

/**
 * Serves the fake over HTTP on loopback (a random port unless one is given); with `proxy`, also
 * the proxy port routing requests by the fake's entities (see `fake-proxy.ts`).
 */
export async function startFakeKong(
  options: {
    host?: '127.0.0.1' | '::1';
    port?: number;
    proxy?: true | FakeKongProxySettings;
  } & FakeKongStoreOptions = {},
): Promise<StartedFakeKong> {
  const host = options.host ?? '127.0.0.1';
  const store = new FakeKongStore(options);
  let log: CallLog[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooBig = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) tooBig = true;
      else chunks.push(c);
    });
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://fake-kong');
      const method = (req.method ?? 'GET').toUpperCase();
      const out: FakeResponse = tooBig
        ? { status: 413, json: JSON.stringify({ message: 'Request size limit exceeded' }) }
        : answer(
            store,
            log,
            method,
            url,
            chunks.length === 0 ? null : Buffer.concat(chunks).toString('utf8'),
          );
      if (out.json === null) {
        res.writeHead(out.status).end();
        return;
      }
      const payload = out.json;
      res
        .writeHead(out.status, {
          'content-type': 'application/json; charset=utf-8',
          'content-length': Buffer.byteLength(payload),
        })
        .end(payload);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  let proxy: StartedKongProxy | null = null;
  if (options.proxy !== undefined) {
    const { stateDelayMs, ...settings } = options.proxy === true ? {} : options.proxy;
    try {
      proxy = await startKongProxy({
        ...settings,
        host,
        state: storeState(store, stateDelayMs ?? KONG_WORKER_STATE_UPDATE_MS),
      });
    } catch (err) {
      server.close();
      throw err;
    }
  }
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    proxyUrl: proxy?.url ?? null,
    fetch: storeFetch(store, () => log),
    close: async () => {
      await proxy?.close();
      await new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      });
    },
    state: () => store.snapshot(),
    calls: () => log.map((c) => ({ ...c })),
    resetCalls: () => {
      log = [];
    },
    store,
  };
}
