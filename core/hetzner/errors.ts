/**
 * Errors of the Hetzner client. Messages name the call and Hetzner's code and message;
 * they never carry the token or a request body (user_data holds an enrollment token).
 */

/** Hetzner answered with an error body (`{error: {code, message, details}}`) or a bare error status. */
export class HetznerApiError extends Error {
  override readonly name = 'HetznerApiError';
  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number,
    readonly code: string,
    readonly apiMessage: string,
    readonly details?: unknown,
  ) {
    super(`Hetzner API ${method} ${path} failed: HTTP ${status} ${code}: ${apiMessage}`);
  }
}

/** The request never got an answer (connection refused or reset, or no answer within the timeout). */
export class HetznerNetworkError extends Error {
  override readonly name = 'HetznerNetworkError';
  constructor(
    readonly method: string,
    readonly path: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(`Hetzner API ${method} ${path} failed: ${reason}`, options);
  }
}

/** An action finished with status `error`, or did not finish in time. */
export class HetznerActionError extends Error {
  override readonly name = 'HetznerActionError';
  constructor(
    readonly actionId: number,
    readonly command: string,
    readonly code: string,
    message: string,
  ) {
    super(`Hetzner action ${actionId} (${command}) failed: ${code}: ${message}`);
  }
}

/** A guarded operation refused to act (e.g. deleting a server that lacks the fleet's labels). */
export class HetznerRefusedError extends Error {
  override readonly name = 'HetznerRefusedError';
}

/** Error codes after which a retry can succeed. */
export const RETRYABLE_CODES: ReadonlySet<string> = new Set([
  'conflict',
  'rate_limit_exceeded',
  'bad_gateway',
  'timeout',
  // 503 during an incident: safe here because every mutating call supafleet makes is
  // idempotent (create is keyed by name and labels; a retried create meets uniqueness_error;
  // a retried rebuild meets locked and resumes the running one).
  'unavailable',
]);

/** HTTP statuses retried even without a recognised error body. */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([502, 503, 504]);

/** True when a failed call is worth retrying. */
export function isRetryable(err: unknown): boolean {
  if (err instanceof HetznerNetworkError) return true;
  if (err instanceof HetznerApiError)
    return RETRYABLE_CODES.has(err.code) || RETRYABLE_STATUSES.has(err.status);
  return false;
}

/**
 * True when a failed call may still have been carried out by Hetzner: the answer was
 * lost on the way (network error, request timeout) or came from a gateway (502, 504).
 * A 429 or 503 means the request was turned away before it was served.
 */
export function mayHaveBeenServed(err: unknown): boolean {
  if (err instanceof HetznerNetworkError) return true;
  if (err instanceof HetznerApiError)
    return err.status === 502 || err.status === 504 || err.code === 'bad_gateway' || err.code === 'timeout';
  return false;
}
