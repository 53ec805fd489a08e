import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

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

/** Largest response body the agent reads (a bundle is at most a few MB). */
const MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

/**
 * The real client: node:http(s) with a timeout over the whole exchange. (Not
 * fetch: its extra machinery costs the agent several MB of resident memory.)
 * The error message names the URL's origin and path only.
 */
export const nodeHttpClient: HttpClient = (req) =>
  new Promise((resolve, reject) => {
    const url = new URL(req.url);
    const fail = (why: string, cause?: unknown): void =>
      reject(new Error(`${req.method} ${safeUrl(req.url)} failed: ${why}`, { cause }));
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const headers: Record<string, string | number> = { ...req.headers };
    if (req.body !== undefined) headers['content-length'] = Buffer.byteLength(req.body);
    const r = send(url, { method: req.method, headers }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_RESPONSE_BYTES) {
          r.destroy();
          fail(`the answer is larger than ${MAX_RESPONSE_BYTES} bytes`);
        } else chunks.push(c);
      });
      res.on('end', () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('error', (err) => fail(err.message, err));
    });
    const timer = setTimeout(() => {
      r.destroy();
      fail(`timed out after ${req.timeoutMs} ms`);
    }, req.timeoutMs);
    r.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      fail(err.code ?? err.message, err);
    });
    r.end(req.body);
  });

/** A URL without credentials or query (which could carry a key). */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}
