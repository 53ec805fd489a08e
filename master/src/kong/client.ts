import type {
  KongBodyMap,
  KongEntityMap,
  KongErrorBody,
  KongKind,
  KongPage,
  KongPutTarget,
  KongTagFilter,
} from './types.ts';

/**
 * A typed client for the part of Kong's Admin API supafleet uses. Lists follow Kong's
 * `{data, next, offset}` pages to the end; `PUT` inserts or replaces by name (or instance
 * name, or id); `DELETE` is idempotent like Kong's own.
 */
export interface KongAdminClient {
  /** Every entity of a kind matching the tag filter, across all pages; `onPage` sees each page fetched. */
  list<K extends KongKind>(kind: K, filter?: KongTagFilter, onPage?: () => void): Promise<KongEntityMap[K][]>;
  /** One entity by id or endpoint key (name, username, instance name), or null when Kong has none. */
  get<K extends KongKind>(kind: K, key: string): Promise<KongEntityMap[K] | null>;
  /** Inserts or replaces one entity; `target.parent` nests it under its service, route or consumer. */
  put<K extends KongKind>(kind: K, target: KongPutTarget, body: KongBodyMap[K]): Promise<KongEntityMap[K]>;
  /** Deletes one entity by id; deleting one that is already gone succeeds. */
  delete(kind: KongKind, id: string): Promise<void>;
}

export interface KongAdminClientOptions {
  /** Admin API base URL, e.g. `http://127.0.0.1:8001`. */
  baseUrl: string;
  /** Injected for tests; defaults to the global fetch. */
  fetch?: typeof fetch;
  /** Entities per list page (Kong allows 1 to 1000). Default 1000. */
  pageSize?: number;
  /** Per-request timeout. Default 10 s. */
  timeoutMs?: number;
  /** Upper bound on pages followed by one list call. Default 10,000. */
  maxPages?: number;
  /**
   * Extra attempts when Kong does not answer or answers 5xx (every call the client makes is
   * idempotent: GET, PUT, DELETE). Default 2, after 250 ms and 1 s.
   */
  retries?: number;
  /** Injected for tests. */
  sleep?: (ms: number) => Promise<void>;
}

/** An Admin API call that failed: carries the call, Kong's status and Kong's error code and name. */
export class KongAdminError extends Error {
  readonly status: number | null;
  readonly method: string;
  readonly path: string;
  readonly kongCode: number | null;
  readonly kongName: string | null;

  constructor(
    message: string,
    call: { method: string; path: string; status: number | null; body?: KongErrorBody | null },
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'KongAdminError';
    this.method = call.method;
    this.path = call.path;
    this.status = call.status;
    this.kongCode = typeof call.body?.code === 'number' ? call.body.code : null;
    this.kongName = typeof call.body?.name === 'string' ? call.body.name : null;
  }
}

/** Top-level collection path per kind. */
const COLLECTION: Record<KongKind, string> = {
  services: '/services',
  routes: '/routes',
  consumers: '/consumers',
  plugins: '/plugins',
  'key-auths': '/key-auths',
  acls: '/acls',
};

/** Nested collection path per kind: `/<parent collection>/{parent}/<child>`. */
const NESTED: Partial<Record<KongKind, { parent: string; child: string }>> = {
  routes: { parent: '/services', child: 'routes' },
  plugins: { parent: '/routes', child: 'plugins' },
  'key-auths': { parent: '/consumers', child: 'key-auth' },
  acls: { parent: '/consumers', child: 'acls' },
};

const seg = (s: string): string => encodeURIComponent(s);

/** The Admin API path a `PUT` of this kind and target goes to. */
export function putPath(kind: KongKind, target: KongPutTarget): string {
  const nested = NESTED[kind];
  if (target.parent !== undefined) {
    if (!nested)
      throw new Error(`Kong ${kind} have no parent entity, but parent "${target.parent}" was given`);
    return `${nested.parent}/${seg(target.parent)}/${nested.child}/${seg(target.key)}`;
  }
  return `${COLLECTION[kind]}/${seg(target.key)}`;
}

/** The `tags` query value of a filter, checked against Kong's rules. */
export function tagQuery(filter: KongTagFilter): string {
  if (filter.tags.length === 0 || filter.tags.length > 5) {
    throw new Error(`a Kong tag filter takes 1 to 5 tags, got ${filter.tags.length}`);
  }
  for (const t of filter.tags) {
    if (t === '' || t.includes(',') || t.includes('/')) {
      throw new Error(`Kong tag "${t}" is invalid: expected a non-empty tag without "," or "/"`);
    }
  }
  return filter.tags.join(filter.match === 'any' ? '/' : ',');
}

export function createKongAdminClient(options: KongAdminClientOptions): KongAdminClient {
  const base = options.baseUrl.replace(/\/+$/, '');
  if (!/^https?:\/\//.test(base)) {
    throw new Error(`Kong Admin URL "${options.baseUrl}" is invalid: expected http(s)://host:port`);
  }
  const doFetch = options.fetch ?? fetch;
  const pageSize = options.pageSize ?? 1000;
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1000) {
    throw new Error(`Kong page size ${pageSize} is invalid: expected an integer from 1 to 1000`);
  }
  const timeoutMs = options.timeoutMs ?? 10_000;
  const maxPages = options.maxPages ?? 10_000;
  const retries = Math.max(0, Math.min(options.retries ?? 2, 5));
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));

  /**
   * One call. `redact` lists values (credential keys) that must never reach an error message,
   * even when Kong echoes them back (its unique-violation messages do).
   */
  async function call<T>(
    method: string,
    path: string,
    body?: unknown,
    redact: readonly string[] = [],
  ): Promise<{ status: number; json: T | null }> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await once<T>(method, path, body, redact);
      } catch (err) {
        const transient = err instanceof KongAdminError && (err.status === null || err.status >= 500);
        if (!transient || attempt >= retries) throw err;
        await sleep(250 * 4 ** attempt);
      }
    }
  }

  async function once<T>(
    method: string,
    path: string,
    body: unknown,
    redact: readonly string[],
  ): Promise<{ status: number; json: T | null }> {
    let res: Response;
    try {
      res = await doFetch(base + path, {
        method,
        headers:
          body === undefined
            ? { accept: 'application/json' }
            : { 'content-type': 'application/json', accept: 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      throw new KongAdminError(
        `Kong Admin API ${method} ${path} failed: ${base} did not answer (${reason})`,
        { method, path, status: null },
        { cause: err },
      );
    }
    const text = await res.text();
    let json: unknown = null;
    if (text !== '') {
      try {
        json = JSON.parse(text);
      } catch {
        json = null;
      }
    }
    if (res.status >= 400) {
      const err = (json && typeof json === 'object' ? json : {}) as KongErrorBody;
      let detail = typeof err.message === 'string' ? err.message : text.slice(0, 200);
      for (const v of redact) if (v !== '') detail = detail.split(v).join('[redacted]');
      const kind = err.name ? ` ${err.name}` : '';
      throw new KongAdminError(
        `Kong Admin API ${method} ${path} failed with ${res.status}${kind}: ${detail}`,
        {
          method,
          path,
          status: res.status,
          body: err,
        },
      );
    }
    return { status: res.status, json: json as T | null };
  }

  return {
    async list<K extends KongKind>(
      kind: K,
      filter?: KongTagFilter,
      onPage?: () => void,
    ): Promise<KongEntityMap[K][]> {
      const params = new URLSearchParams({ size: String(pageSize) });
      if (filter) params.set('tags', tagQuery(filter));
      const out: KongEntityMap[K][] = [];
      const seen = new Set<string>();
      for (let page = 0; page < maxPages; page++) {
        const path = `${COLLECTION[kind]}?${params.toString()}`;
        const { json } = await call<KongPage<KongEntityMap[K]>>('GET', path);
        onPage?.();
        if (!json || !Array.isArray(json.data)) {
          throw new KongAdminError(`Kong Admin API GET ${path} answered without a "data" list`, {
            method: 'GET',
            path,
            status: 200,
          });
        }
        out.push(...json.data);
        const offset = json.offset;
        if (!json.next || typeof offset !== 'string' || offset === '') return out;
        if (seen.has(offset)) {
          throw new KongAdminError(`Kong Admin API GET ${path} repeated offset "${offset}": stopping`, {
            method: 'GET',
            path,
            status: 200,
          });
        }
        seen.add(offset);
        params.set('offset', offset);
      }
      throw new Error(`Kong Admin API list of ${kind} exceeded ${maxPages} pages`);
    },

    async get<K extends KongKind>(kind: K, key: string): Promise<KongEntityMap[K] | null> {
      try {
        const { json } = await call<KongEntityMap[K]>('GET', `${COLLECTION[kind]}/${seg(key)}`);
        return json;
      } catch (err) {
        if (err instanceof KongAdminError && err.status === 404) return null;
        throw err;
      }
    },

    async put<K extends KongKind>(
      kind: K,
      target: KongPutTarget,
      body: KongBodyMap[K],
    ): Promise<KongEntityMap[K]> {
      const redact = kind === 'key-auths' ? [(body as KongBodyMap['key-auths']).key] : [];
      const { json } = await call<KongEntityMap[K]>('PUT', putPath(kind, target), body, redact);
      if (!json) throw new Error(`Kong Admin API PUT ${putPath(kind, target)} answered without a body`);
      return json;
    },

    async delete(kind: KongKind, id: string): Promise<void> {
      try {
        await call('DELETE', `${COLLECTION[kind]}/${seg(id)}`);
      } catch (err) {
        if (err instanceof KongAdminError && err.status === 404) return;
        throw err;
      }
    },
  };
}
