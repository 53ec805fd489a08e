/**
 * Reads the fleet from the master: `GET /healthz` (does the master answer at all) and
 * `GET /console/api/fleet` with an operator token of read scope. The master's API host
 * (`fleet.<domain>`) redirects `/console/*` to the admin host (`fleet.<admin_domain>`,
 * cloud-init/master/caddyfile.ts); fetch would drop the token on that cross-origin hop, so the
 * reader follows one such redirect itself, and only to another `https://fleet.…` host.
 * Every request is bounded by a timeout; no answer, error or message carries the token.
 */
import type { FleetStatus } from './types.ts';

/** Why the fleet could not be read: the master did not answer, or refused the token, or answered nonsense. */
export type FleetReadFailure =
  | { readonly kind: 'unreachable'; readonly message: string }
  | { readonly kind: 'unauthorized' | 'forbidden'; readonly status: number; readonly message: string }
  | { readonly kind: 'answer'; readonly status: number; readonly message: string };

export type FleetRead =
  | {
      readonly ok: true;
      readonly fleet: FleetStatus;
      /** Where the fleet data came from (after the admin-host redirect). */
      readonly consoleUrl: string;
    }
  | ({ readonly ok: false } & FleetReadFailure);

export interface FleetReadOptions {
  /** e.g. `https://fleet.example.com` */
  readonly masterUrl: string;
  readonly token: string;
  readonly fetch?: typeof fetch;
  /** Each request's limit (default 10 s). */
  readonly timeoutMs?: number;
}

/** The `{error: {message}}` of a master answer, or a short description of what came back. */
function messageOf(status: number, text: string): string {
  try {
    const m = (JSON.parse(text) as { error?: { message?: unknown } }).error?.message;
    if (typeof m === 'string') return `HTTP ${status}: ${m.slice(0, 200)}`;
  } catch {
    // not JSON: a proxy's page
  }
  return `HTTP ${status} (${text.length} bytes, not a master answer)`;
}

function causeOf(err: unknown): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError') return 'no answer in time';
  const code = e?.cause?.code;
  const detail = e?.cause?.message ?? e?.message ?? String(err);
  return code && !detail.includes(code) ? `${code}: ${detail}` : detail;
}

/** The admin host's console URL a redirect names, when it is one the token may follow to. */
function followable(location: string | null, from: URL): URL | undefined {
  if (!location) return undefined;
  let to: URL;
  try {
    to = new URL(location, from);
  } catch {
    return undefined;
  }
  const sameSite = to.protocol === 'https:' && to.hostname.startsWith('fleet.');
  return sameSite && to.pathname === from.pathname ? to : undefined;
}

export async function readFleet(o: FleetReadOptions): Promise<FleetRead> {
  const get = o.fetch ?? fetch;
  const timeoutMs = o.timeoutMs ?? 10_000;
  const base = o.masterUrl.replace(/\/+$/, '');
  try {
    const health = await get(`${base}/healthz`, { signal: AbortSignal.timeout(timeoutMs) });
    const text = await health.text();
    if (health.status !== 200) {
      return {
        ok: false,
        kind: 'unreachable',
        message: `GET /healthz answered ${messageOf(health.status, text)}`,
      };
    }
  } catch (err) {
    return { ok: false, kind: 'unreachable', message: `GET ${base}/healthz: ${causeOf(err)}` };
  }
  let url = new URL(`${base}/console/api/fleet`);
  for (let hop = 0; hop < 2; hop++) {
    let res: Response;
    let text: string;
    try {
      res = await get(url, {
        headers: { authorization: `Bearer ${o.token}`, accept: 'application/json' },
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
      });
      text = await res.text();
    } catch (err) {
      return { ok: false, kind: 'unreachable', message: `GET ${url.href}: ${causeOf(err)}` };
    }
    if (res.status >= 300 && res.status < 400) {
      const next = hop === 0 ? followable(res.headers.get('location'), url) : undefined;
      if (!next) {
        return {
          ok: false,
          kind: 'answer',
          status: res.status,
          message: `GET ${url.pathname} redirected to ${JSON.stringify(res.headers.get('location') ?? '')}; expected the fleet data or one redirect to https://fleet.<admin_domain>`,
        };
      }
      url = next;
      continue;
    }
    if (res.status === 401)
      return { ok: false, kind: 'unauthorized', status: 401, message: messageOf(401, text) };
    if (res.status === 403)
      return { ok: false, kind: 'forbidden', status: 403, message: messageOf(403, text) };
    if (res.status !== 200)
      return { ok: false, kind: 'answer', status: res.status, message: messageOf(res.status, text) };
    try {
      const fleet = JSON.parse(text) as FleetStatus;
      if (!fleet || !Array.isArray(fleet.projects) || typeof fleet.master !== 'object')
        throw new Error('shape');
      return { ok: true, fleet, consoleUrl: url.href };
    } catch {
      return {
        ok: false,
        kind: 'answer',
        status: res.status,
        message: `GET ${url.pathname} did not answer the fleet data (${text.length} bytes)`,
      };
    }
  }
  /* c8 ignore next */
  return { ok: false, kind: 'answer', status: 0, message: 'too many redirects' };
}
