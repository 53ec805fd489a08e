import type { Secret } from '../../core/seal/secret.ts';
import type { HttpClient } from './http-client.ts';
import type { Redactor } from './redactor.ts';
import { describeErrors, validators, type Validator } from './schema.ts';

/** The master's agent listener, as the agent uses it. */
export interface MasterClient {
  /** GET /v1/agent/bundle: the raw answer, checked by openBundle. */
  fetchBundle(): Promise<unknown>;
  /** POST /v1/agent/heartbeat → the revision the master wants running. */
  heartbeat(body: object): Promise<number>;
  /** POST /v1/agent/commands/:id/result. */
  postResult(id: string, result: object): Promise<void>;
}

const validateResponse = validators.heartbeatResponse as Validator<{ desired_revision: number }>;

/** The real client over HTTP with the agent's bearer token. Errors carry the status and the master's message only. */
export function httpMasterClient(opts: {
  readonly baseUrl: string;
  readonly token: Secret;
  readonly http: HttpClient;
  readonly redactor: Redactor;
  readonly timeoutMs?: number;
}): MasterClient {
  const call = async (method: 'GET' | 'POST', path: string, body?: object): Promise<unknown> => {
    const res = await opts.http({
      method,
      url: `${opts.baseUrl}${path}`,
      headers: {
        authorization: `Bearer ${opts.token.reveal()}`,
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      ...(body ? { body: JSON.stringify(body) } : {}),
      timeoutMs: opts.timeoutMs ?? 30_000,
    });
    let parsed: unknown;
    try {
      parsed = res.body === '' ? undefined : JSON.parse(res.body);
    } catch {
      parsed = undefined;
    }
    if (res.status < 200 || res.status >= 300) {
      const msg = (parsed as { error?: { message?: unknown } } | undefined)?.error?.message;
      const detail = typeof msg === 'string' ? `: ${opts.redactor.scrub(msg).slice(0, 300)}` : '';
      throw new Error(`the master answered ${res.status} to ${method} ${path}${detail}`);
    }
    return parsed;
  };
  return {
    fetchBundle: () => call('GET', '/v1/agent/bundle'),
    heartbeat: async (body) => {
      const r = await call('POST', '/v1/agent/heartbeat', body);
      if (!validateResponse(r)) {
        throw new Error(
          `the heartbeat answer is malformed: ${describeErrors(validateResponse.errors).join('; ')}`,
        );
      }
      return r.desired_revision;
    },
    postResult: async (id, result) => {
      await call('POST', `/v1/agent/commands/${encodeURIComponent(id)}/result`, result);
    },
  };
}
