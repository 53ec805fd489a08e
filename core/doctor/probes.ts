/**
 * The I/O of `supafleet doctor`, behind one small interface so the diagnosis (diagnose.ts) is
 * tested without a network: name lookups, TLS handshakes and HTTP requests, each bounded by a
 * timeout. The real implementation honours a connect override (curl's --connect-to: every
 * connection goes to one address and port, the TLS name and Host stay the host's) and an extra CA.
 */
import { lookup } from 'node:dns/promises';
import { checkServerIdentity, connect, rootCertificates, type PeerCertificate } from 'node:tls';
import { createTransport } from '../smoke/transport.ts';
import type { DnsSeen, KongSeen, TlsSeen } from './types.ts';

export interface DoctorIo {
  resolve(host: string): Promise<DnsSeen>;
  handshake(host: string): Promise<TlsSeen>;
  /** A fetch for the master API and the project hosts. */
  readonly fetch: typeof fetch;
  close(): Promise<void>;
}

export interface DoctorIoOptions {
  readonly connectTo?: { readonly address: string; readonly port: number };
  /** Extra trusted CA certificate(s), PEM. */
  readonly ca?: string;
  readonly timeoutMs: number;
}

function codeOf(err: unknown): string | undefined {
  let e = err as { code?: unknown; cause?: unknown } | undefined;
  for (let i = 0; i < 5 && e; i++) {
    if (typeof e.code === 'string') return e.code;
    e = e.cause as typeof e;
  }
  return undefined;
}

function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(Object.assign(new Error(`${what}: no answer in ${ms} ms`), { code: 'ETIMEDOUT' })),
        ms,
      );
    }),
  ]).finally(() => clearTimeout(timer));
}

function issuerOf(cert: PeerCertificate): string {
  const i = cert.issuer as unknown as Record<string, string | string[]> | undefined;
  const pick = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);
  return pick(i?.O) ?? pick(i?.CN) ?? 'an unknown issuer';
}

export function createDoctorIo(o: DoctorIoOptions): DoctorIo {
  const transport = createTransport({
    ...(o.connectTo ? { resolve: o.connectTo } : {}),
    ...(o.ca ? { ca: o.ca } : {}),
    timeoutMs: o.timeoutMs,
  });
  const ca = o.ca ? [...rootCertificates, o.ca] : undefined;
  return {
    async resolve(host) {
      try {
        const found = await within(lookup(host, { all: true }), o.timeoutMs, `lookup ${host}`);
        return { addresses: [...new Set(found.map((a) => a.address))].sort() };
      } catch (err) {
        const code = codeOf(err);
        return { error: (err as Error).message, ...(code ? { code } : {}) };
      }
    },
    handshake(host) {
      return new Promise<TlsSeen>((resolve) => {
        const socket = connect({
          host: o.connectTo?.address ?? host,
          port: o.connectTo?.port ?? 443,
          servername: host,
          ...(ca ? { ca } : {}),
          // verified below, so an untrusted or expired certificate is described, not just refused
          rejectUnauthorized: false,
          timeout: o.timeoutMs,
        });
        const done = (seen: TlsSeen): void => {
          socket.destroy();
          resolve(seen);
        };
        socket.once('secureConnect', () => {
          const cert = socket.getPeerCertificate();
          if (!cert || Object.keys(cert).length === 0) return done({ error: 'no certificate was sent' });
          const authError = socket.authorizationError as unknown as Error | string | null;
          done({
            authorized: socket.authorized,
            ...(socket.authorized
              ? {}
              : {
                  authorizationError: String(
                    (authError as { code?: string })?.code ?? authError ?? 'untrusted',
                  ),
                }),
            nameMatches: checkServerIdentity(host, cert) === undefined,
            validFrom: new Date(cert.valid_from).toISOString(),
            validTo: new Date(cert.valid_to).toISOString(),
            issuer: issuerOf(cert),
          });
        });
        socket.once('timeout', () => done({ error: `no handshake in ${o.timeoutMs} ms`, code: 'ETIMEDOUT' }));
        socket.once('error', (err) => {
          const code = codeOf(err);
          done({ error: err.message, ...(code ? { code } : {}) });
        });
      });
    },
    fetch: transport.fetch,
    close: () => transport.close(),
  };
}

/** `GET https://<host>/rest/v1/` without a key: Kong's own answer, or what it proxied. */
export async function askKong(
  io: Pick<DoctorIo, 'fetch'>,
  url: string,
  timeoutMs: number,
): Promise<KongSeen> {
  try {
    const res = await io.fetch(url, {
      headers: { accept: 'application/json' },
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = (await res.text()).slice(0, 4096);
    let message: string | undefined;
    try {
      const m = (JSON.parse(text) as { message?: unknown }).message;
      if (typeof m === 'string') message = m.slice(0, 200);
    } catch {
      // not JSON: no message to show
    }
    const h = res.headers;
    return {
      status: res.status,
      ...(h.get('server') ? { server: h.get('server')! } : {}),
      ...(h.get('via') ? { via: h.get('via')! } : {}),
      ...(h.get('x-kong-upstream-latency') ? { upstreamLatency: h.get('x-kong-upstream-latency')! } : {}),
      ...(message !== undefined ? { message } : {}),
    };
  } catch (err) {
    const code = codeOf(err);
    return {
      error:
        (err as Error).name === 'TimeoutError'
          ? `no answer in ${timeoutMs} ms`
          : ((err as { cause?: Error }).cause?.message ?? (err as Error).message),
      ...(code ? { code } : {}),
    };
  }
}
