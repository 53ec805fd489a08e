import type { RequestHandler, Response } from 'express';
import { UnauthorizedError } from '../errors.ts';
import { isApiTokenShaped, verifyApiToken, type ApiTokenStore } from './api-tokens.ts';
import type { AgentAuthenticator, AgentIdentity } from './agent.ts';
import type { OidcVerifier } from './oidc.ts';
import { requireScope, type Principal, type Scope } from './principal.ts';

/**
 * `Authorization: Bearer <token>` on the public API: an operator API token
 * (`sft_…`) or a GitHub Actions OIDC token (a JWT). Sets `res.locals.principal`.
 */
export function authenticate(deps: { oidc: OidcVerifier; tokens: ApiTokenStore }): RequestHandler {
  return async (req, res, next) => {
    const m = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '');
    if (!m)
      throw new UnauthorizedError('missing credentials; expected Authorization: Bearer <OIDC or API token>');
    const token = m[1]!;
    res.locals.principal = isApiTokenShaped(token)
      ? await verifyApiToken(deps.tokens, token)
      : await deps.oidc(token);
    next();
  };
}

/** Lets the request through only when its principal holds `scope`. */
export function needs(scope: Scope): RequestHandler {
  return (_req, res, next) => {
    requireScope(principalOf(res), scope);
    next();
  };
}

export function principalOf(res: Response): Principal {
  const p = res.locals.principal as Principal | undefined;
  if (!p) throw new UnauthorizedError('not authenticated');
  return p;
}

/** Agent calls: source address = the project's wg address, plus its agent token. Sets `res.locals.agent`. */
export function authenticateAgent(auth: AgentAuthenticator): RequestHandler {
  return async (req, res, next) => {
    res.locals.agent = await auth.authenticate(req.socket.remoteAddress, req.headers.authorization);
    next();
  };
}

export function agentOf(res: Response): AgentIdentity {
  const a = res.locals.agent as AgentIdentity | undefined;
  if (!a) throw new UnauthorizedError('not authenticated');
  return a;
}
