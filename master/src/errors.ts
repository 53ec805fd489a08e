import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { CidrFullError } from './wg-ip.ts';

/**
 * Domain errors. Each carries a stable code; `toHttp` maps them to a status in
 * one place, and the funnel writes every error as `{ "error": { code, message } }`.
 * Messages never contain a secret: they name the bad value's place and what is expected.
 */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
export class BadRequestError extends ApiError {
  constructor(
    message: string,
    readonly details?: readonly unknown[],
  ) {
    super('invalid_request', message);
  }
}
export class UnauthorizedError extends ApiError {
  constructor(message: string) {
    super('unauthorized', message);
  }
}
export class ForbiddenError extends ApiError {
  constructor(message: string) {
    super('forbidden', message);
  }
}
export class NotFoundError extends ApiError {
  constructor(message: string) {
    super('not_found', message);
  }
}
export class ConflictError extends ApiError {
  constructor(message: string, code = 'conflict') {
    super(code, message);
  }
}
export class GoneError extends ApiError {
  constructor(message: string) {
    super('gone', message);
  }
}
export class RateLimitedError extends ApiError {
  constructor(readonly retryAfterS: number) {
    super('rate_limited', `too many requests; retry in ${retryAfterS} s`);
  }
}
/** A system the master drives (WireGuard, Kong, an agent) failed. */
export class UpstreamError extends ApiError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('upstream_failed', message, options);
  }
}

interface HttpError {
  readonly status: number;
  readonly code: string;
  readonly message: string;
  readonly details?: readonly unknown[];
}

/** The one mapping from errors to HTTP. Unknown errors become a 500 without their message. */
export function toHttp(err: unknown): HttpError {
  if (err instanceof BadRequestError) {
    return {
      status: 400,
      code: err.code,
      message: err.message,
      ...(err.details ? { details: err.details } : {}),
    };
  }
  if (err instanceof UnauthorizedError) return { status: 401, code: err.code, message: err.message };
  if (err instanceof ForbiddenError) return { status: 403, code: err.code, message: err.message };
  if (err instanceof NotFoundError) return { status: 404, code: err.code, message: err.message };
  if (err instanceof ConflictError) return { status: 409, code: err.code, message: err.message };
  if (err instanceof CidrFullError) return { status: 409, code: 'network_full', message: err.message };
  if (err instanceof GoneError) return { status: 410, code: err.code, message: err.message };
  if (err instanceof RateLimitedError) return { status: 429, code: err.code, message: err.message };
  if (err instanceof UpstreamError) return { status: 502, code: err.code, message: err.message };
  const e = err as { type?: unknown; status?: unknown };
  // body-parser's errors: their messages are fixed strings, safe to show
  if (e?.type === 'entity.parse.failed')
    return { status: 400, code: 'invalid_json', message: 'the body is not valid JSON' };
  if (e?.type === 'entity.too.large')
    return { status: 413, code: 'too_large', message: 'the body is too large' };
  if (e?.type === 'encoding.unsupported' || e?.type === 'charset.unsupported') {
    return { status: 415, code: 'unsupported_encoding', message: 'unsupported body encoding' };
  }
  return { status: 500, code: 'internal', message: 'internal error; see the master log' };
}

/** The error funnel: the last middleware of each app. */
export function errorFunnel(log: Logger): ErrorRequestHandler {
  return (err, req, res, next) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    const http = toHttp(err);
    if (http.status >= 500) {
      const e = err as Error;
      log.error(
        { err: { name: e?.name, message: e?.message, stack: e?.stack }, path: req.path },
        'request failed',
      );
    }
    if (err instanceof RateLimitedError) res.setHeader('Retry-After', String(err.retryAfterS));
    res.status(http.status).json({
      error: { code: http.code, message: http.message, ...(http.details ? { details: http.details } : {}) },
    });
  };
}

/** 404 for every route no router answered. */
export const notFoundRoute: RequestHandler = (req, _res, next) => {
  next(new NotFoundError(`no route ${req.method} ${req.path}`));
};
