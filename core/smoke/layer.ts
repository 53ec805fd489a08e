/**
 * Naming the layer a failed request stopped at, from what the client saw: the
 * error code of a failed connection, or the headers of the answer. Kong marks
 * what it proxied with `Via: 1.1 kong/<version>` and X-Kong-Upstream-Latency, and
 * what it answered itself with `Server: kong/<version>` (Kong 3.9.1
 * kong/constants.lua HEADERS, kong/runloop/handler.lua header_filter); every
 * answer of its carries X-Kong-Request-Id (kong_defaults.lua:71). The master's
 * Caddy deletes `Server` on project hosts (`header -Server`, cloud-init/master/
 * caddyfile.ts), so Kong's own answer is known there by X-Kong-Request-Id alone.
 */
import type { SmokeLayer } from './types.ts';

/** What the smoke's fetch saw of one answer. */
export interface SeenResponse {
  readonly status: number;
  readonly server?: string;
  readonly via?: string;
  readonly upstreamLatency?: string;
  /** X-Kong-Request-Id: Kong saw the request (its own answer when nothing says it proxied it). */
  readonly kongRequestId?: string;
}

const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME', 'EAI_FAIL']);

/** The error codes of an error and its causes (undici wraps the socket error in `cause`). */
export function errorCodes(err: unknown): string[] {
  const out: string[] = [];
  let e = err as { code?: unknown; cause?: unknown; message?: unknown } | undefined;
  for (let i = 0; i < 5 && e; i++) {
    if (typeof e.code === 'string') out.push(e.code);
    e = e.cause as typeof e;
  }
  return out;
}

/** The layer of a request that failed before any answer (DNS, or the TLS connection to the edge). */
export function layerOfError(err: unknown): SmokeLayer {
  return errorCodes(err).some((c) => DNS_CODES.has(c)) ? 'dns' : 'tls';
}

/** The layer of an answer that was not the one expected. */
export function layerOfResponse(r: SeenResponse): SmokeLayer {
  const proxied = (r.via ?? '').toLowerCase().includes('kong/') || r.upstreamLatency !== undefined;
  const fromKong = (r.server ?? '').toLowerCase().includes('kong/') || r.kongRequestId !== undefined;
  if (proxied) return 'worker-service';
  if (fromKong)
    return r.status === 502 || r.status === 503 || r.status === 504 ? 'worker-service' : 'kong-route';
  // neither Kong's mark: the edge in front of Kong answered (Caddy without a working Kong behind it)
  return 'tls';
}

/** A short, secret-free reason for an answer: status and the upstream message. */
export function describeResponse(r: SeenResponse, body: string): string {
  let message = '';
  try {
    const j = JSON.parse(body) as Record<string, unknown>;
    const m = j.message ?? j.msg ?? j.error_description ?? j.error;
    if (typeof m === 'string') message = m;
  } catch {
    message = body.slice(0, 120);
  }
  return `HTTP ${r.status}${message ? `: ${message.slice(0, 200)}` : ''}`;
}
