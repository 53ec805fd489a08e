/**
 * The smoke's HTTP and WebSocket clients: undici's fetch and WebSocket over one
 * dispatcher, so both honour a connect override (curl's --resolve, for a fleet
 * reached through a tunnel or a test edge) and an extra CA. Node 20 has no
 * global WebSocket, which supabase-js's Realtime client needs; undici's is the
 * WHATWG one Node 22 exposes.
 */
import { rootCertificates } from 'node:tls';
import { Agent, buildConnector, fetch as undiciFetch, WebSocket as UndiciWebSocket } from 'undici';
import type { SeenResponse } from './layer.ts';

export interface SmokeTransport {
  /** A fetch for supabase-js (`global.fetch`) that records what it saw. */
  readonly fetch: typeof fetch;
  /** A WebSocket class for supabase-js (`realtime.transport`). */
  readonly WebSocket: new (url: string | URL, protocols?: string | string[]) => object;
  /** The last answer seen, or the last error, since `mark()`. */
  seen(): { response?: SeenResponse; error?: unknown };
  /** Forgets what was seen (at the start of each step). */
  mark(): void;
  close(): Promise<void>;
}

export function createTransport(o: {
  resolve?: { address: string; port: number };
  ca?: string;
  timeoutMs: number;
}): SmokeTransport {
  const base = buildConnector({
    ...(o.ca ? { ca: [...rootCertificates, o.ca] } : {}),
    timeout: o.timeoutMs,
  });
  const agent = new Agent({
    connect: o.resolve
      ? (opts, cb) =>
          base(
            {
              ...opts,
              hostname: o.resolve!.address,
              host: `${o.resolve!.address}:${o.resolve!.port}`,
              port: String(o.resolve!.port),
              servername: opts.servername ?? opts.hostname,
            },
            cb,
          )
      : base,
    headersTimeout: o.timeoutMs,
    bodyTimeout: o.timeoutMs,
  });
  let last: { response?: SeenResponse; error?: unknown } = {};
  const recordingFetch = (async (input: string | URL, init?: RequestInit) => {
    try {
      const res = await undiciFetch(input as Parameters<typeof undiciFetch>[0], {
        ...(init as Parameters<typeof undiciFetch>[1]),
        dispatcher: agent,
      });
      const h = res.headers;
      last = {
        response: {
          status: res.status,
          ...(h.get('server') ? { server: h.get('server')! } : {}),
          ...(h.get('via') ? { via: h.get('via')! } : {}),
          ...(h.get('x-kong-upstream-latency') ? { upstreamLatency: h.get('x-kong-upstream-latency')! } : {}),
          ...(h.get('x-kong-request-id') ? { kongRequestId: h.get('x-kong-request-id')! } : {}),
        },
      };
      return res;
    } catch (err) {
      last = { error: err };
      throw err;
    }
  }) as unknown as typeof fetch;
  class SmokeWebSocket extends UndiciWebSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, { dispatcher: agent, ...(protocols !== undefined ? { protocols } : {}) });
    }
  }
  return {
    fetch: recordingFetch,
    WebSocket: SmokeWebSocket,
    seen: () => last,
    mark: () => void (last = {}),
    close: () => agent.close(),
  };
}
