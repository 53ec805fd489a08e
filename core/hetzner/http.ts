/**
 * The transport under the Hetzner client: one place for authentication, timeouts,
 * retries with backoff and full jitter, `RateLimit-*` headers, pagination and the
 * per-kind call counter. Collaborators (fetch, clock, sleep, random) are injected so
 * tests run without waiting.
 */
import { HetznerApiError, HetznerNetworkError, isRetryable } from './errors.ts';
import { DEFAULT_BACKOFF, backoffDelay, rateLimitWait, type BackoffPolicy } from './retry.ts';
import type { Pagination } from './types.ts';

export const DEFAULT_ENDPOINT = 'https://api.hetzner.cloud/v1';

/** Emitted before each retry, for progress lines. Carries no secret. */
export interface RetryEvent {
  readonly kind: string;
  readonly attempt: number;
  readonly delayMs: number;
  readonly reason: string;
}

export interface TransportOptions {
  readonly token: string;
  /** API base URL including `/v1` (default Hetzner's). */
  readonly endpoint?: string;
  readonly fetch?: typeof fetch;
  /** Milliseconds since the epoch (default Date.now). */
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  /** Uniform in [0, 1) (default Math.random). */
  readonly random?: () => number;
  readonly backoff?: Partial<BackoffPolicy>;
  /** Give up on one request after this long (default 30 s); counts as a network timeout. */
  readonly requestTimeoutMs?: number;
  readonly onRetry?: (event: RetryEvent) => void;
}

export type Query = Readonly<Record<string, string | number | readonly (string | number)[] | undefined>>;

export interface RequestOptions {
  readonly query?: Query;
  readonly body?: unknown;
  /**
   * Told of each failure that is about to be retried, so a caller can tell a retry
   * after a possibly served request (network error, 502, 504) from a plain one.
   */
  readonly onRetry?: (failure: unknown) => void;
}

const MAX_PAGES = 1000;
export const PER_PAGE = 50;

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** `GET /servers/42/actions/change_type` → `GET /servers/{id}/actions/change_type`. */
export function callKind(method: string, path: string): string {
  return `${method} ${path.split('?')[0]!.replace(/\/\d+(?=\/|$)/g, '/{id}')}`;
}

function encodeQuery(query: Query | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const key of Object.keys(query).sort()) {
    const value = query[key];
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) params.append(key, String(v));
    else params.append(key, String(value));
  }
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

function fallbackCode(status: number): string {
  switch (status) {
    case 502:
      return 'bad_gateway';
    case 503:
      return 'unavailable';
    case 504:
      return 'timeout';
    case 429:
      return 'rate_limit_exceeded';
    default:
      return `http_${status}`;
  }
}

function headerNumber(headers: Headers, name: string): number | undefined {
  const raw = headers.get(name);
  if (raw === null || raw.trim() === '') return undefined;
  const n = Number(raw);
  return Number.isFinite(n) ? n : undefined;
}

export class HetznerTransport {
  private readonly endpoint: string;
  private readonly fetchFn: typeof fetch;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private readonly policy: BackoffPolicy;
  private readonly requestTimeoutMs: number;
  private readonly counts = new Map<string, number>();
  private remaining: number | undefined;
  private reset: number | undefined;

  constructor(private readonly options: TransportOptions) {
    if (!options.token)
      throw new Error('Hetzner API token is empty; expected the project token (64 characters)');
    this.endpoint = (options.endpoint ?? DEFAULT_ENDPOINT).replace(/\/+$/, '');
    this.fetchFn = options.fetch ?? fetch;
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? defaultSleep;
    this.random = options.random ?? Math.random;
    this.policy = { ...DEFAULT_BACKOFF, ...options.backoff };
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
  }

  /** Requests made so far, by kind (`POST /servers`, `GET /actions/{id}`, ...), retries included. */
  calls(): Record<string, number> {
    return Object.fromEntries([...this.counts.entries()].sort(([a], [b]) => a.localeCompare(b)));
  }

  resetCalls(): void {
    this.counts.clear();
  }

  /** One call with retries; resolves to the parsed JSON body (undefined for 204). */
  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const kind = callKind(method, path);
    for (let attempt = 1; ; attempt++) {
      let failure: unknown;
      try {
        return await this.once<T>(method, path, kind, options);
      } catch (err) {
        failure = err;
      }
      if (!isRetryable(failure) || attempt >= this.policy.maxTries) throw failure;
      let delayMs = backoffDelay(this.policy, attempt, this.random);
      if (failure instanceof HetznerApiError && failure.status === 429) {
        delayMs = Math.max(delayMs, rateLimitWait(0, this.reset, this.now(), this.policy.capMs));
      }
      this.options.onRetry?.({ kind, attempt, delayMs, reason: (failure as Error).message });
      options.onRetry?.(failure);
      await this.sleep(delayMs);
    }
  }

  /** Every item of a list endpoint, following `meta.pagination.next_page` (`per_page` 50). */
  async list<T>(path: string, key: string, query: Query = {}): Promise<T[]> {
    const items: T[] = [];
    let page: number | null = 1;
    for (let n = 0; page !== null && n < MAX_PAGES; n++) {
      const body: Record<string, unknown> & { meta?: { pagination?: Pagination } } = await this.request(
        'GET',
        path,
        { query: { ...query, page, per_page: PER_PAGE } },
      );
      const chunk = body[key];
      if (!Array.isArray(chunk)) throw new Error(`Hetzner API GET ${path}: answer has no "${key}" list`);
      items.push(...(chunk as T[]));
      const next: number | null | undefined = body.meta?.pagination?.next_page;
      page = typeof next === 'number' && next > page ? next : null;
    }
    return items;
  }

  private async once<T>(method: string, path: string, kind: string, options: RequestOptions): Promise<T> {
    const wait = rateLimitWait(this.remaining, this.reset, this.now(), this.policy.capMs);
    if (wait > 0) await this.sleep(wait);
    if (this.remaining === 0) this.remaining = undefined;
    this.counts.set(kind, (this.counts.get(kind) ?? 0) + 1);
    const url = `${this.endpoint}${path}${encodeQuery(options.query)}`;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.requestTimeoutMs);
    let response: Response;
    let text: string;
    try {
      response = await this.fetchFn(url, {
        method,
        headers: {
          Authorization: `Bearer ${this.options.token}`,
          Accept: 'application/json',
          ...(options.body !== undefined ? { 'Content-Type': 'application/json' } : {}),
        },
        ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
        signal: controller.signal,
      });
      text = await response.text();
    } catch (err) {
      const reason = controller.signal.aborted
        ? `no answer within ${this.requestTimeoutMs} ms`
        : `network error (${(err as Error).message})`;
      throw new HetznerNetworkError(method, path, reason, { cause: err });
    } finally {
      clearTimeout(timer);
    }
    this.remaining = headerNumber(response.headers, 'ratelimit-remaining') ?? this.remaining;
    this.reset = headerNumber(response.headers, 'ratelimit-reset') ?? this.reset;
    let body: unknown;
    if (text !== '') {
      try {
        body = JSON.parse(text);
      } catch {
        body = undefined;
      }
    }
    if (!response.ok) {
      const error = (body as { error?: { code?: unknown; message?: unknown; details?: unknown } } | undefined)
        ?.error;
      const code = typeof error?.code === 'string' ? error.code : fallbackCode(response.status);
      const message =
        typeof error?.message === 'string' ? error.message : response.statusText || 'no message';
      throw new HetznerApiError(method, path, response.status, code, message, error?.details);
    }
    if (text !== '' && body === undefined) {
      throw new Error(`Hetzner API ${method} ${path}: answer is not JSON (HTTP ${response.status})`);
    }
    return body as T;
  }
}
