/**
 * Errors of the master client. An {@link MasterApiError} carries the master's
 * `{error: {code, message}}` and the HTTP status, so callers can branch on `code`.
 */

export class MasterApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details?: readonly string[];

  constructor(
    method: string,
    path: string,
    status: number,
    code: string,
    message: string,
    details?: readonly string[],
  ) {
    super(`master ${method} ${path} failed: HTTP ${status} ${code}: ${message}`);
    this.name = 'MasterApiError';
    this.status = status;
    this.code = code;
    if (details !== undefined) this.details = details;
  }
}

/** The master could not be reached (refused, reset, timeout). */
export class MasterNetworkError extends Error {
  constructor(method: string, path: string, cause: unknown) {
    super(`master ${method} ${path} failed: ${(cause as Error)?.message ?? String(cause)}`, { cause });
    this.name = 'MasterNetworkError';
  }
}

/** Statuses worth another try: the master's proxy or the master itself is briefly away. */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([502, 503, 504]);

export function isRetryableMasterError(err: unknown): boolean {
  if (err instanceof MasterNetworkError) return true;
  return err instanceof MasterApiError && RETRYABLE_STATUSES.has(err.status);
}
