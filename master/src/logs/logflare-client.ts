/**
 * The master's client of Logflare's ingest API (v1.31.2): `POST /api/logs?source_name=`
 * with a JSON array of events (router.ex:508-512, log_controller.ex:75-80) and the
 * public access token in `x-api-key` (verify_api_access.ex:114-121), the way
 * Supabase's own Vector sinks call it. Logflare listens on the master's loopback only.
 */
import type { Secret } from '../../../core/seal/index.ts';

export interface LogflareAnswer {
  readonly status: number;
  /** At most 512 characters of Logflare's answer, for the master's log. */
  readonly body: string;
}

export interface LogflareClient {
  /** Posts one batch; resolves with Logflare's answer, rejects when Logflare cannot be reached in time. */
  ingest(source: string, events: readonly object[]): Promise<LogflareAnswer>;
}

export interface LogflareClientOptions {
  /** Base URL, e.g. http://127.0.0.1:4000. */
  readonly url: string;
  /** LOGFLARE_PUBLIC_ACCESS_TOKEN (an `ingest`-capable token; see single_tenant.ex:147-152). */
  readonly token: Secret;
  readonly timeoutMs?: number;
  readonly fetch?: typeof fetch;
}

export function createLogflareClient(opts: LogflareClientOptions): LogflareClient {
  const base = opts.url.replace(/\/+$/, '');
  const doFetch = opts.fetch ?? fetch;
  const timeoutMs = opts.timeoutMs ?? 10_000;
  return {
    async ingest(source, events) {
      const url = `${base}/api/logs?source_name=${encodeURIComponent(source)}`;
      const res = await doFetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json',
          'x-api-key': opts.token.reveal(),
        },
        body: JSON.stringify(events),
        signal: AbortSignal.timeout(timeoutMs),
      });
      const text = await res.text();
      return { status: res.status, body: text.slice(0, 512) };
    },
  };
}
