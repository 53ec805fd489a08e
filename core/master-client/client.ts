/**
 * Typed client of the master API (master/README.md): bearer authentication with a
 * GitHub OIDC token or an API token, errors carrying the master's `{error: {code,
 * message}}` and the HTTP status, and retries with exponential backoff and full
 * jitter on 502, 503, 504 and network errors for idempotent calls.
 */
import type { ProjectSpec } from '../spec/types.ts';
import { MasterApiError, MasterNetworkError, isRetryableMasterError } from './errors.ts';
import type {
  BackupView,
  CommandResult,
  Credentials,
  MasterApi,
  ProjectView,
  RoutesReport,
  UpsertResult,
} from './types.ts';
import type { SmokeReport } from '../smoke/types.ts';

export interface MasterClientOptions {
  /** Base URL of the master's public API, e.g. `https://fleet.example.com`. */
  readonly baseUrl: string;
  /** The bearer token, asked for before each request (OIDC tokens expire after minutes). */
  readonly token: () => Promise<string>;
  readonly fetch?: typeof fetch;
  readonly sleep?: (ms: number) => Promise<void>;
  /** Uniform in [0, 1). */
  readonly random?: () => number;
  /** Tries per request, the first included (default 5). */
  readonly tries?: number;
  /** First backoff step (default 1000 ms), doubled per try and capped at `maxDelayMs` (default 30 s). */
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
  /** Give up on one request after this long (default 60 s). */
  readonly requestTimeoutMs?: number;
  /** Told before each retry; carries no secret. */
  readonly onRetry?: (event: {
    method: string;
    path: string;
    attempt: number;
    delayMs: number;
    reason: string;
  }) => void;
}

interface Call {
  readonly method: 'GET' | 'PUT' | 'POST' | 'DELETE';
  readonly path: string;
  readonly body?: unknown;
  /** A repeated call does no harm (every call but sending a command and the smoke). */
  readonly idempotent: boolean;
  /** This call's limit instead of `requestTimeoutMs` (the smoke, which the master bounds itself). */
  readonly timeoutMs?: number;
}

/** How long the client waits for the master's smoke (the master's own limit is 10 to 900 s). */
export const SMOKE_REQUEST_TIMEOUT_MS = 960_000;

/** The smoke's steps, cleanup included (core/smoke/run.ts has 14), with room to spare. */
const SMOKE_STEPS_MAX = 16;

/**
 * How long to wait for the master's smoke when each step may take `stepTimeoutS`: every step at
 * its limit, plus 30 s for the master's own work, and never longer than the master's longest run.
 */
export function smokeWaitMs(stepTimeoutS: number): number {
  return Math.min(SMOKE_REQUEST_TIMEOUT_MS, Math.ceil(SMOKE_STEPS_MAX * stepTimeoutS * 1000) + 30_000);
}

const NAME_RE = /^[a-z][a-z0-9-]{1,31}$/;

function projectPath(name: string, rest = ''): string {
  if (!NAME_RE.test(name)) {
    throw new Error(`"${name}" is not a project name; expected 2-32 lowercase letters, digits and hyphens`);
  }
  return `/v1/projects/${name}${rest}`;
}

function parseError(method: string, path: string, status: number, text: string): MasterApiError {
  try {
    const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown; details?: unknown } };
    const e = body.error;
    if (e && typeof e.code === 'string' && typeof e.message === 'string') {
      const details = Array.isArray(e.details) ? e.details.map(String) : undefined;
      return new MasterApiError(method, path, status, e.code, e.message, details);
    }
  } catch {
    // not JSON: a proxy page; fall through
  }
  return new MasterApiError(
    method,
    path,
    status,
    'http_error',
    `unexpected answer (${text.length} bytes, not a master error body)`,
  );
}

/** The master client over HTTP. */
export function createMasterClient(options: MasterClientOptions): MasterApi {
  const base = options.baseUrl.replace(/\/+$/, '');
  if (!/^https?:\/\/[^/\s]+$/.test(base)) {
    throw new Error(
      `master URL ${JSON.stringify(options.baseUrl)} is not valid; expected https://fleet.<domain>`,
    );
  }
  const doFetch = options.fetch ?? fetch;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const random = options.random ?? Math.random;
  const tries = Math.max(1, options.tries ?? 5);
  const baseDelay = options.baseDelayMs ?? 1000;
  const maxDelay = options.maxDelayMs ?? 30_000;
  const timeoutMs = options.requestTimeoutMs ?? 60_000;

  async function once<T>(call: Call): Promise<T> {
    const token = await options.token();
    let res: Response;
    try {
      res = await doFetch(`${base}${call.path}`, {
        method: call.method,
        headers: {
          authorization: `Bearer ${token}`,
          accept: 'application/json',
          ...(call.body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(call.body !== undefined ? { body: JSON.stringify(call.body) } : {}),
        signal: AbortSignal.timeout(call.timeoutMs ?? timeoutMs),
      });
    } catch (err) {
      throw new MasterNetworkError(call.method, call.path, err);
    }
    const text = await res.text().catch((err: unknown) => {
      throw new MasterNetworkError(call.method, call.path, err);
    });
    if (!res.ok) throw parseError(call.method, call.path, res.status, text);
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new MasterApiError(call.method, call.path, res.status, 'invalid_json', 'the answer is not JSON');
    }
  }

  async function request<T>(call: Call): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await once<T>(call);
      } catch (err) {
        const retry =
          attempt < tries &&
          (call.idempotent
            ? isRetryableMasterError(err)
            : err instanceof MasterApiError && err.status === 503);
        if (!retry) throw err;
        const delayMs = Math.floor(random() * Math.min(maxDelay, baseDelay * 2 ** (attempt - 1)));
        const reason = err instanceof MasterApiError ? `HTTP ${err.status} ${err.code}` : 'network error';
        options.onRetry?.({ method: call.method, path: call.path, attempt, delayMs, reason });
        await sleep(delayMs);
      }
    }
  }

  return {
    async listProjects() {
      return (
        await request<{ projects: ProjectView[] }>({ method: 'GET', path: '/v1/projects', idempotent: true })
      ).projects;
    },
    async getProject(name) {
      try {
        return await request<ProjectView>({ method: 'GET', path: projectPath(name), idempotent: true });
      } catch (err) {
        if (err instanceof MasterApiError && err.status === 404) return undefined;
        throw err;
      }
    },
    putProject(name, spec: ProjectSpec, opts = {}) {
      const query = opts.enrollmentToken ? '?enrollment_token=true' : '';
      return request<UpsertResult>({
        method: 'PUT',
        path: projectPath(name, query),
        body: spec,
        idempotent: true,
      });
    },
    deleteProject(name) {
      return request<{ deleted: boolean }>({ method: 'DELETE', path: projectPath(name), idempotent: true });
    },
    putRoutes(name) {
      return request<RoutesReport>({ method: 'PUT', path: projectPath(name, '/routes'), idempotent: true });
    },
    deleteRoutes(name) {
      return request<RoutesReport>({
        method: 'DELETE',
        path: projectPath(name, '/routes'),
        idempotent: true,
      });
    },
    startBackup(name) {
      return request<CommandResult>({
        method: 'POST',
        path: projectPath(name, '/backups'),
        idempotent: false,
      });
    },
    async listBackups(name) {
      return (
        await request<{ backups: BackupView[] }>({
          method: 'GET',
          path: projectPath(name, '/backups'),
          idempotent: true,
        })
      ).backups;
    },
    credentials(name) {
      return request<Credentials>({
        method: 'GET',
        path: projectPath(name, '/credentials'),
        idempotent: true,
      });
    },
    smoke(name, opts = {}) {
      // not repeated on a lost answer: a second call while the first runs gets 409
      return request<SmokeReport>({
        method: 'POST',
        path: projectPath(name, '/smoke'),
        ...(opts.stepTimeoutS !== undefined ? { body: { step_timeout_s: opts.stepTimeoutS } } : {}),
        idempotent: false,
        timeoutMs: opts.waitMs ?? SMOKE_REQUEST_TIMEOUT_MS,
      });
    },
  };
}
