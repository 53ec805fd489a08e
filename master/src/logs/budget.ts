/**
 * Each project's log budget: a token bucket of bytes and one of requests, refilled
 * continuously. Only authenticated projects reach it, so it holds at most one entry
 * per project. A worker over budget is answered 429 with Retry-After, which Vector's
 * http sink retries (vector v0.53.0 src/sinks/util/http.rs:578).
 */

export interface LogBudgetLimits {
  /** Bytes a project may ship per minute (the bucket holds one minute's worth). */
  readonly bytesPerMinute: number;
  /** Requests a project may make per minute. */
  readonly requestsPerMinute: number;
}

export interface LogBudget {
  /** Takes one request of `bytes` from the project's buckets; returns seconds to wait when they are short. */
  take(project: string, bytes: number): { ok: true } | { ok: false; retryAfterS: number };
}

interface Bucket {
  bytes: number;
  requests: number;
  at: number;
}

export function createLogBudget(limits: LogBudgetLimits, now: () => number = Date.now): LogBudget {
  const buckets = new Map<string, Bucket>();
  const bytesPerMs = limits.bytesPerMinute / 60_000;
  const requestsPerMs = limits.requestsPerMinute / 60_000;
  return {
    take(project, bytes) {
      const t = now();
      let b = buckets.get(project);
      if (!b) {
        b = { bytes: limits.bytesPerMinute, requests: limits.requestsPerMinute, at: t };
        buckets.set(project, b);
      }
      const elapsed = Math.max(0, t - b.at);
      b.bytes = Math.min(limits.bytesPerMinute, b.bytes + elapsed * bytesPerMs);
      b.requests = Math.min(limits.requestsPerMinute, b.requests + elapsed * requestsPerMs);
      b.at = t;
      if (b.bytes >= bytes && b.requests >= 1) {
        b.bytes -= bytes;
        b.requests -= 1;
        return { ok: true };
      }
      const waitBytes = b.bytes >= bytes ? 0 : (bytes - b.bytes) / bytesPerMs;
      const waitRequests = b.requests >= 1 ? 0 : (1 - b.requests) / requestsPerMs;
      return { ok: false, retryAfterS: Math.max(1, Math.ceil(Math.max(waitBytes, waitRequests) / 1000)) };
    },
  };
}
