/**
 * The `functions` stand-in: the Edge Functions main router of the bundle
 * (cloud-init/worker/static/functions-main.ts.txt) as @supabase/functions-js
 * reaches it: `/<name>`, the caller's JWT checked unless VERIFY_JWT is "false",
 * the function looked up in the bundle's functions/ directory. The lab runs no
 * Deno: `supafleet-health` answers as its source in the bundle does; any other
 * function answers 501. See README.md.
 */
import { existsSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { StandinConfig } from './config.ts';
import { bearer, readBody, sendJson } from './http.ts';
import { verifyJwt } from './jwt.ts';

export const HEALTH_FUNCTION = 'supafleet-health';

export function createFunctionsHandler(
  config: StandinConfig,
  root = '.',
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  return async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://functions');
    const name = url.pathname.split('/')[1] ?? '';
    if (name === '') {
      return sendJson(res, 200, {
        service: 'functions',
        project: config.project,
        revision: config.revision,
        stand_in: true,
      });
    }
    // the main router's checks, in its order
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(name) || name === 'main')
      return sendJson(res, 404, { msg: 'function not found' });
    if (config.verifyJwt && !verifyJwt(bearer(req), config.jwtSecret)) {
      return sendJson(res, 401, { msg: 'invalid or missing JWT' });
    }
    await readBody(req, 10 * 1024 * 1024);
    if (!existsSync(join(root, 'functions', name, 'index.ts')))
      return sendJson(res, 500, { msg: 'function failed' });
    if (name === HEALTH_FUNCTION) return sendJson(res, 200, { ok: true, function: HEALTH_FUNCTION });
    sendJson(res, 501, { msg: `the lab runs no Deno; only ${HEALTH_FUNCTION} answers` });
  };
}
