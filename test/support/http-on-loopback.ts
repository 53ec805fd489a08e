/**
 * A plain HTTP request to a server on 127.0.0.1 with a Host header of the test's choosing, as a
 * front that routes by host (the Studio front, Caddy's upstreams) is reached in a test. The
 * HTTPS form, with a CA and SNI, is httpsOnLoopback in caddy.ts.
 */
import { request, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';

export interface HttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

/** The status, headers and whole body (as UTF-8 text) of a response, once it has ended. */
export function readAnswer(res: IncomingMessage): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () =>
      resolve({
        status: res.statusCode ?? 0,
        headers: res.headers,
        text: Buffer.concat(chunks).toString('utf8'),
      }),
    );
    res.on('error', reject);
  });
}

/** `method` (GET unless given) `path` on 127.0.0.1:`port` with `host: <host>`; an answer within `timeoutMs`. */
export function httpOnLoopback(options: {
  host: string;
  port: number;
  path: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  timeoutMs?: number;
}): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: options.port,
        method: options.method ?? 'GET',
        path: options.path,
        headers: { host: options.host, ...options.headers },
        timeout: options.timeoutMs ?? 10_000,
      },
      (res) => readAnswer(res).then(resolve, reject),
    );
    req.once('timeout', () =>
      req.destroy(
        new Error(`http://${options.host}${options.path} on port ${options.port}: no answer in time`),
      ),
    );
    req.once('error', reject);
    req.end(options.body);
  });
}
