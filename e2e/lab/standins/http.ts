/** Small HTTP helpers shared by the stand-ins. */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** The request body, refusing more than `max` bytes. */
export async function readBody(req: IncomingMessage, max = 50 * 1024 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    const b = c as Buffer;
    size += b.length;
    if (size > max) throw new Error(`request body larger than ${max} bytes`);
    chunks.push(b);
  }
  return Buffer.concat(chunks);
}

/** The body parsed as JSON (undefined when empty). */
export async function readJson(req: IncomingMessage): Promise<unknown> {
  const text = (await readBody(req)).toString('utf8');
  return text.trim() === '' ? undefined : (JSON.parse(text) as unknown);
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, {
    ...(body === undefined ? {} : { 'content-type': 'application/json; charset=utf-8' }),
    'content-length': String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

/** The bearer token of the Authorization header, if any. */
export function bearer(req: IncomingMessage): string | undefined {
  const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  return m?.[1];
}
