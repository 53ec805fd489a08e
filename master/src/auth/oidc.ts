import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import { ForbiddenError, UnauthorizedError, UpstreamError } from '../errors.ts';
import { workflowScope } from './oidc-policy.ts';
import type { Principal } from './principal.ts';

export { MAIN_REF } from './oidc-policy.ts';

export interface OidcSettings {
  readonly issuer: string;
  readonly audience: string;
  readonly jwksUrl: string;
  readonly repositoryId: number;
  readonly ownerId: number;
  /** The deployment environment write tokens must come from (`environment` claim). */
  readonly environment: string;
}

export type OidcVerifier = (token: string) => Promise<Principal>;

/**
 * Verifies GitHub Actions OIDC tokens: RS256 only, signed by a key of the
 * configured JWKS, with the configured issuer and audience, not expired, from
 * the fleet's repository and owner (by numeric id, not by name). The scope then
 * comes from `workflowScope`: an allow-list of workflow files and events on main,
 * and the deployment environment for write; all others read.
 */
export function createOidcVerifier(s: OidcSettings): OidcVerifier {
  const jwks = createRemoteJWKSet(new URL(s.jwksUrl), { timeoutDuration: 5000, cooldownDuration: 30_000 });
  return async (token) => {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, jwks, {
        issuer: s.issuer,
        audience: s.audience,
        algorithms: ['RS256'],
        requiredClaims: ['exp', 'repository_id', 'repository_owner_id'],
      }));
    } catch (err) {
      throw mapJoseError(err);
    }
    const repoId = String(payload.repository_id);
    const ownerId = String(payload.repository_owner_id);
    if (repoId !== String(s.repositoryId)) {
      throw new ForbiddenError(
        `token from repository id ${repoId}; this fleet accepts ${s.repositoryId} only`,
      );
    }
    if (ownerId !== String(s.ownerId)) {
      throw new ForbiddenError(`token from owner id ${ownerId}; this fleet accepts ${s.ownerId} only`);
    }
    const str = (k: string): string => (typeof payload[k] === 'string' ? (payload[k] as string) : '');
    const ref = str('ref');
    const event = str('event_name');
    // GitHub's tokens carry job_workflow_ref (the called file for a reusable workflow's job); its
    // reference describes it for reusable workflows only, so a token without it is judged by
    // workflow_ref, the same `<owner>/<repo>/.github/workflows/<file>@<ref>` of the run's file
    const jobWorkflowRef = str('job_workflow_ref') || str('workflow_ref');
    const environment = str('environment');
    const decision = workflowScope(
      {
        repository: str('repository'),
        ref,
        event_name: event,
        job_workflow_ref: jobWorkflowRef,
        environment,
      },
      { environment: s.environment },
    );
    return {
      scope: decision.scope,
      actor: {
        kind: 'oidc',
        repository: str('repository'),
        run_id: str('run_id'),
        actor: str('actor'),
        workflow: jobWorkflowRef || str('workflow'),
        ref,
        event_name: event,
        ...(environment ? { environment } : {}),
      },
      ...(decision.limitedBecause ? { limitedBecause: decision.limitedBecause } : {}),
    };
  };
}

function mapJoseError(err: unknown): Error {
  if (err instanceof joseErrors.JWTExpired) return new UnauthorizedError('the token has expired');
  if (err instanceof joseErrors.JWTClaimValidationFailed) {
    return new UnauthorizedError(`the token's "${err.claim}" claim is not accepted (${err.reason})`);
  }
  if (err instanceof joseErrors.JOSEAlgNotAllowed) {
    return new UnauthorizedError('the token algorithm is not accepted; expected RS256');
  }
  if (err instanceof joseErrors.JWKSNoMatchingKey) {
    return new UnauthorizedError('no key of the issuer matches the token (unknown kid)');
  }
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) {
    return new UnauthorizedError('the token signature does not verify');
  }
  if (err instanceof joseErrors.JWKSTimeout || err instanceof joseErrors.JWKSInvalid) {
    return new UpstreamError('the OIDC key set could not be fetched; retry later', { cause: err });
  }
  if (err instanceof joseErrors.JOSEError)
    return new UnauthorizedError(`the token is not accepted (${err.code})`);
  if (err instanceof TypeError)
    return new UpstreamError('the OIDC key set could not be fetched; retry later', { cause: err });
  return new UnauthorizedError('the token is not accepted');
}
