import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type JWTPayload } from 'jose';

/** GitHub Actions' OIDC issuer (`iss`). */
export const GITHUB_ACTIONS_ISSUER = 'https://token.actions.githubusercontent.com';

export interface FakeOidcIssuerOptions {
  /** `owner/name` of the repository the workflow runs in. */
  readonly repository: string;
  readonly repositoryId: number;
  readonly ownerId: number;
  /** `aud` when a mint names none: by default GitHub's, the owner's URL (CONFORMANCE.md). */
  readonly defaultAudience?: string;
}

/** Claims of one job's token; anything given replaces what the fake would set. */
export type OidcClaims = Partial<JWTPayload> & Record<string, unknown>;

/**
 * A JWKS on loopback and a minter of the ID tokens GitHub Actions gives a job
 * (`core.getIDToken`), signed RS256 with the key the JWKS lists.
 */
export interface FakeOidcIssuer {
  readonly jwksUrl: string;
  readonly publicPem: string;
  mint(claims?: OidcClaims, opts?: { kid?: string; expiresIn?: number; iat?: number }): Promise<string>;
  close(): Promise<void>;
}

/**
 * The `sub` GitHub builds for a job (CONFORMANCE.md, "OIDC"): the environment when the job
 * names one, else `pull_request` for that event, else the ref.
 */
export function githubSubject(claims: {
  repository: string;
  environment?: unknown;
  event_name?: unknown;
  ref?: unknown;
}): string {
  if (typeof claims.environment === 'string' && claims.environment !== '')
    return `repo:${claims.repository}:environment:${claims.environment}`;
  if (claims.event_name === 'pull_request') return `repo:${claims.repository}:pull_request`;
  return `repo:${claims.repository}:ref:${String(claims.ref)}`;
}

export async function startFakeOidcIssuer(options: FakeOidcIssuerOptions): Promise<FakeOidcIssuer> {
  const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid: 'test-key-1', alg: 'RS256', use: 'sig' };
  const server = createServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  const owner = options.repository.split('/')[0]!;
  return {
    jwksUrl: `http://127.0.0.1:${port}/.well-known/jwks`,
    publicPem: await exportSPKI(publicKey),
    async mint(claims = {}, opts = {}) {
      const iat = opts.iat ?? Math.floor(Date.now() / 1000);
      const payload: Record<string, unknown> = {
        repository: options.repository,
        repository_id: String(options.repositoryId),
        repository_owner: owner,
        repository_owner_id: String(options.ownerId),
        repository_visibility: 'private',
        ref: 'refs/heads/main',
        ref_type: 'branch',
        sha: 'a'.repeat(40),
        event_name: 'push',
        head_ref: '',
        base_ref: '',
        run_id: '9001',
        run_number: '1',
        run_attempt: '1',
        actor: 'octocat',
        actor_id: '583231',
        workflow: 'apply',
        workflow_ref: `${options.repository}/.github/workflows/apply.yml@refs/heads/main`,
        job_workflow_ref: `${options.repository}/.github/workflows/apply.yml@refs/heads/main`,
        environment: 'production',
        runner_environment: 'github-hosted',
        ...claims,
      };
      for (const [k, v] of Object.entries(payload)) if (v === undefined) delete payload[k];
      const sub =
        typeof claims.sub === 'string'
          ? claims.sub
          : githubSubject({ ...payload, repository: String(payload.repository) });
      return new SignJWT({ ...payload, jti: randomUUID() })
        .setProtectedHeader({ alg: 'RS256', kid: opts.kid ?? 'test-key-1', typ: 'JWT' })
        .setIssuer((claims.iss as string | undefined) ?? GITHUB_ACTIONS_ISSUER)
        .setAudience(
          (claims.aud as string | undefined) ?? options.defaultAudience ?? `https://github.com/${owner}`,
        )
        .setSubject(sub)
        .setIssuedAt(iat)
        .setNotBefore(iat - 600)
        .setExpirationTime(iat + (opts.expiresIn ?? 300))
        .sign(privateKey);
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
