/** One HTTP exchange; the agent's only way to talk HTTP (master and probes), so tests can pass a fake. */
export interface HttpRequest {
  readonly method: 'GET' | 'POST';
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly timeoutMs: number;
}

export interface HttpResponse {
  readonly status: number;
  readonly body: string;
}

/** Rejects on network errors and timeouts; any HTTP status resolves. */
export type HttpClient = (request: HttpRequest) => Promise<HttpResponse>;

/** The real client: Node's fetch with a timeout; the error message names the URL's origin and path only. */
export const fetchHttpClient: HttpClient = async (req) => {
  let res: Response;
  try {
    res = await fetch(req.url, {
      method: req.method,
      headers: req.headers ? { ...req.headers } : undefined,
      body: req.body,
      signal: AbortSignal.timeout(req.timeoutMs),
      redirect: 'manual',
    });
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    const why =
      e.name === 'TimeoutError' ? `timed out after ${req.timeoutMs} ms` : (e.cause?.code ?? e.message);
    throw new Error(`${req.method} ${safeUrl(req.url)} failed: ${why}`, { cause: err });
  }
  return { status: res.status, body: await res.text() };
};

/** A URL without credentials or query (which could carry a key). */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}
