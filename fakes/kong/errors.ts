import { randomBytes } from 'node:crypto';

/**
 * How Kong 3.9.1 writes the error answers of its proxy, transcribed from its source (paths are
 * Kong/kong at tag 3.9.1; see CONFORMANCE.md):
 *
 * - `kong.response.error(status, message)` (kong/pdk/response.lua:1098-1180), used by the router's
 *   404 and by key-auth and acl: the body follows the request's `Accept` header
 *   (kong/tools/http.lua:453-488 `get_response_type`), JSON when there is none.
 * - the upstream error handler (kong/error_handlers.lua:50-91), used for 502 and 504: `Accept`,
 *   else the request's `Content-Type`, else `error_default_type = text/plain`
 *   (kong/templates/kong_defaults.lua:74).
 * - `kong.response.exit(status, {message})` (kong/pdk/response.lua:943-990 and 654-760), used by
 *   request-termination: plain JSON without a request id.
 */

/** The answer's status, headers (lowercase names) and body. */
export interface KongErrorAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** kong/tools/http.lua:382-391: media type → Content-Type sent. */
const MIME: Readonly<Record<string, string>> = {
  'application/grpc': '',
  'text/html': 'text/html; charset=utf-8',
  'application/json': 'application/json; charset=utf-8',
  'text/plain': 'text/plain; charset=utf-8',
  'application/xml': 'application/xml; charset=utf-8',
  application: 'application/json; charset=utf-8',
  text: 'text/plain; charset=utf-8',
  default: 'application/json; charset=utf-8',
};

/** kong/tools/http.lua:460-467: one `Accept` entry, its media type and q. Case-insensitive, anchored. */
const ACCEPT_ENTRY =
  /^((?:[a-z0-9][a-z0-9!#$&^_+.-]+|\*)\/(?:[a-z0-9][a-z0-9!#$&^_+.-]+|\*))(?:\s*;\s*q=(1(?:\.0{0,3}|)|0(?:\.\d{0,3}|))|\s*;\s*[a-z0-9][a-z0-9!#$&^_+.-]+(?:=[^;]*|))*/i;

/** kong/tools/http.lua:491-515 `get_mime_type` (with its default). */
function mimeType(media: string): string {
  const type = media.trim().split(';')[0]!;
  const parts = type.split('/');
  let found: string | undefined;
  if (parts.length > 1) {
    if (parts[1] === '*') found = parts[0] === '*' ? MIME.default : MIME[parts[0]!];
    else found = MIME[type];
  }
  return found ?? MIME.default!;
}

/** kong/tools/http.lua:453-488 `get_response_type`: the highest q wins, the first on a tie. */
export function responseType(accept: string | undefined): string {
  let type = MIME.default!;
  if (accept === undefined) return type;
  let best = 0;
  for (const raw of accept.split(',')) {
    const m = ACCEPT_ENTRY.exec(raw.trim());
    if (!m) continue;
    const q = m[2] === undefined ? 1 : Number(m[2]);
    if (q > best) {
      best = q;
      type = mimeType(m[1]!);
    }
  }
  return type;
}

/** kong/tools/http.lua:393-422: the error templates, `%s` replaced by message and request id, unescaped. */
function render(mime: string, message: string, requestId: string): string {
  if (mime === MIME['application/json'])
    return `{\n  "message":"${message}",\n  "request_id":"${requestId}"\n}`;
  if (mime === MIME['text/html']) {
    return (
      '<!doctype html>\n<html>\n  <head>\n    <meta charset="utf-8">\n    <title>Error</title>\n' +
      `  </head>\n  <body>\n    <h1>Error</h1>\n    <p>${message}.</p>\n    <p>request_id: ${requestId}</p>\n` +
      '  </body>\n</html>\n'
    );
  }
  if (mime === MIME['application/xml']) {
    return (
      '<?xml version="1.0" encoding="UTF-8"?>\n<error>\n' +
      `  <message>${message}</message>\n  <requestid>${requestId}</requestid>\n</error>\n`
    );
  }
  if (mime === MIME['text/plain']) return `${message}\nrequest_id: ${requestId}\n`;
  return '';
}

/** nginx's `$request_id`: 16 random bytes in hex (Kong sends it as X-Kong-Request-Id, kong_defaults.lua:71-72). */
export function newRequestId(): string {
  return randomBytes(16).toString('hex');
}

/** kong/pdk/response.lua:124-180: the message `kong.response.error` uses when given none. */
const HTTP_ERROR_MESSAGES: Readonly<Record<number, string>> = {
  400: 'Bad request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not found',
  405: 'Method not allowed',
  500: 'An unexpected error occurred',
  502: 'An invalid response was received from the upstream server',
  503: 'The upstream server is currently unavailable',
  504: 'The upstream server is timing out',
};

/** `kong.response.error(status, message, headers)` (kong/pdk/response.lua:1098-1180). */
export function pdkError(
  status: number,
  message: string | undefined,
  req: { accept: string | undefined; requestId: string },
  headers: Record<string, string> = {},
): KongErrorAnswer {
  const type = responseType(req.accept);
  const text = message ?? HTTP_ERROR_MESSAGES[status] ?? `The upstream server responded with ${status}`;
  return {
    status,
    headers: { ...headers, 'content-type': type, 'x-kong-request-id': req.requestId },
    body: render(type, text, req.requestId),
  };
}

/** kong/error_handlers.lua:13-28: the bodies of Kong's own error pages (upstream failures). */
const ERROR_PAGE_BODIES: Readonly<Record<number, string>> = {
  500: 'An unexpected error occurred',
  502: 'An invalid response was received from the upstream server',
  503: 'The upstream server is currently unavailable',
  504: 'The upstream server is timing out',
};

/** kong/error_handlers.lua:50-91: the answer when the upstream failed (502) or timed out (504). */
export function errorPage(
  status: number,
  req: { accept: string | undefined; contentType: string | undefined; requestId: string },
): KongErrorAnswer {
  const accept = req.accept ?? req.contentType ?? 'text/plain';
  const message = ERROR_PAGE_BODIES[status] ?? `The upstream server responded with ${status}`;
  if (accept.startsWith('application/grpc')) {
    return {
      status,
      headers: { 'content-type': MIME['application/json']!, 'x-kong-request-id': req.requestId },
      body: JSON.stringify({ message }),
    };
  }
  const type = responseType(accept);
  return {
    status,
    headers: { 'content-type': type, 'x-kong-request-id': req.requestId },
    body: render(type, message, req.requestId),
  };
}

/** `kong.response.exit(status, {message})` (kong/pdk/response.lua:943-990, 654-760): JSON, no request id in the body. */
export function exitMessage(status: number, message: string, requestId: string): KongErrorAnswer {
  return {
    status,
    headers: { 'content-type': MIME['application/json']!, 'x-kong-request-id': requestId },
    body: JSON.stringify({ message }),
  };
}
