import type { Secret } from '../../../core/seal/index.ts';
import { supavisorApiToken } from './token.ts';

/** A user of a tenant as Supavisor renders it (lib/supavisor_web/views/user_view.ex:4-14 at v2.7.4). */
export interface SupavisorUser {
  readonly db_user_alias: string;
  readonly db_user: string;
  /** Supavisor answers with the stored password: never log a tenant. */
  readonly db_password: string;
  readonly pool_size: number;
  readonly is_manager: boolean;
  readonly mode_type: 'transaction' | 'session';
  readonly pool_checkout_timeout?: number;
  readonly max_clients?: number | null;
}

/** A tenant as Supavisor renders it (tenant_view.ex:14-16, the fields of tenants/tenant.ex:15-45). */
export interface SupavisorTenant {
  readonly external_id: string;
  readonly db_host: string;
  readonly db_port: number;
  readonly db_database: string;
  readonly require_user: boolean;
  readonly auth_query: string | null;
  readonly default_pool_size: number;
  readonly default_max_clients: number;
  readonly users: readonly SupavisorUser[];
  readonly [field: string]: unknown;
}

/** The `tenant` object of `PUT /api/tenants/:external_id` (the fields supafleet sets). */
export interface SupavisorTenantParams {
  readonly db_host: string;
  readonly db_port: number;
  readonly db_database: string;
  readonly require_user: boolean;
  readonly auth_query: string;
  readonly default_pool_size: number;
  readonly default_max_clients: number;
  readonly users: readonly {
    readonly db_user: string;
    readonly db_password: string;
    readonly mode_type: 'transaction' | 'session';
    readonly pool_size: number;
    readonly is_manager: boolean;
  }[];
}

/** The part of Supavisor's management API (router.ex:41-46 at v2.7.4) supafleet uses. */
export interface SupavisorClient {
  /** The tenant, or null when Supavisor has none by that external_id. */
  getTenant(externalId: string): Promise<SupavisorTenant | null>;
  /** Creates (201, after Supavisor checked the credentials against the database) or updates (200). */
  putTenant(externalId: string, params: SupavisorTenantParams): Promise<{ created: boolean }>;
  /** Deletes the tenant; false when there was none (Supavisor's 404). */
  deleteTenant(externalId: string): Promise<boolean>;
}

export interface SupavisorClientOptions {
  /** Management API base URL, e.g. `http://127.0.0.1:4100`. */
  readonly baseUrl: string;
  /** Supavisor's API_JWT_SECRET; each call carries a short-lived token signed with it. */
  readonly jwtSecret: Secret;
  readonly fetch?: typeof fetch;
  readonly now?: () => Date;
  /** Per-request timeout. Default 15 s (a create connects to the worker's database first). */
  readonly timeoutMs?: number;
}

/** A management API call that failed: the call, Supavisor's status and its error text. Never a body. */
export class SupavisorApiError extends Error {
  readonly status: number | null;
  readonly method: string;
  readonly path: string;
  constructor(
    message: string,
    call: { method: string; path: string; status: number | null },
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'SupavisorApiError';
    this.method = call.method;
    this.path = call.path;
    this.status = call.status;
  }
}

/**
 * Supavisor's error text: `{"error": "..."}` (tenant_view.ex:18-20), `{"errors": {...}}` from a
 * changeset (changeset_view.ex:14-18), or nothing (403 from the auth plug, router.ex:103-107).
 */
function errorText(status: number, text: string): string {
  if (status === 403) return "the API token was refused (API_JWT_SECRET differs from the master's?)";
  try {
    const body = JSON.parse(text) as { error?: unknown; errors?: unknown };
    if (typeof body.error === 'string') return body.error.slice(0, 300);
    if (body.errors !== undefined) return JSON.stringify(body.errors).slice(0, 300);
  } catch {
    // not JSON
  }
  return text === '' ? 'no body' : 'an unreadable body';
}

export function createSupavisorClient(options: SupavisorClientOptions): SupavisorClient {
  const base = options.baseUrl.replace(/\/+$/, '');
  if (!/^https?:\/\//.test(base)) {
    throw new Error(`Supavisor API URL "${options.baseUrl}" is invalid: expected http(s)://host:port`);
  }
  const doFetch = options.fetch ?? fetch;
  const now = options.now ?? (() => new Date());
  const timeoutMs = options.timeoutMs ?? 15_000;

  const call = async (
    method: string,
    externalId: string,
    body?: unknown,
  ): Promise<{ status: number; text: string }> => {
    const path = `/api/tenants/${encodeURIComponent(externalId)}`;
    let res: Response;
    try {
      res = await doFetch(`${base}${path}`, {
        method,
        headers: {
          accept: 'application/json',
          authorization: `Bearer ${supavisorApiToken(options.jwtSecret, now())}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      throw new SupavisorApiError(
        `Supavisor ${method} ${path} did not answer: ${(err as Error).message}`,
        { method, path, status: null },
        { cause: err },
      );
    }
    const text = await res.text();
    return { status: res.status, text };
  };

  const fail = (method: string, externalId: string, status: number, text: string): never => {
    const path = `/api/tenants/${encodeURIComponent(externalId)}`;
    throw new SupavisorApiError(
      `Supavisor ${method} ${path} answered ${status}: ${errorText(status, text)}`,
      {
        method,
        path,
        status,
      },
    );
  };

  return {
    async getTenant(externalId) {
      const r = await call('GET', externalId);
      if (r.status === 404) return null;
      if (r.status !== 200) return fail('GET', externalId, r.status, r.text);
      return (JSON.parse(r.text) as { data: SupavisorTenant }).data;
    },
    async putTenant(externalId, params) {
      const r = await call('PUT', externalId, { tenant: params });
      if (r.status === 201) return { created: true };
      if (r.status === 200) return { created: false };
      return fail('PUT', externalId, r.status, r.text);
    },
    async deleteTenant(externalId) {
      const r = await call('DELETE', externalId);
      if (r.status === 204) return true;
      if (r.status === 404) return false;
      return fail('DELETE', externalId, r.status, r.text);
    },
  };
}
