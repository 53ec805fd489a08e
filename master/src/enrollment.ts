/**
 * Worker enrollment (POST /v1/enroll): a single-use token buys the worker its
 * WireGuard peer and everything it needs to join the fleet.
 */
import { sha256 } from './auth/api-tokens.ts';
import type { Deps } from './deps.ts';
import { ConflictError, GoneError, UnauthorizedError, UpstreamError } from './errors.ts';
import { projectSecrets } from './projects.ts';
import type { EnrollRequest } from './validation.ts';

/** The answer to POST /v1/enroll (schemas/api/enroll-response.schema.json). */
export interface EnrollResponse {
  readonly project: string;
  readonly wg: {
    readonly address: string;
    readonly master_public_key: string;
    readonly master_endpoint: string;
    readonly allowed_ips: string;
    readonly persistent_keepalive: number;
  };
  readonly agent: {
    readonly master_url: string;
    readonly token: string;
    readonly listen: string;
    readonly command_key: string;
  };
}

/**
 * POST /v1/enroll. The token is checked and consumed in one transaction, and the
 * peer is added inside it: when anything fails, the token stays unused and the
 * registry unchanged. A reused token is 401, an expired one 410.
 */
export async function enroll(deps: Deps, req: EnrollRequest): Promise<EnrollResponse> {
  // under the peer lock: the reconciler must not see the live peer before the registry has it
  return deps.peerLock.run(() => enrollLocked(deps, req));
}

async function enrollLocked(deps: Deps, req: EnrollRequest): Promise<EnrollResponse> {
  const hash = sha256(req.token);
  // asked before the token is consumed, so a failure here leaves the token usable
  const masterPublicKey = await deps.peers.publicKey();
  let replaced: string | undefined;
  const out = await deps.registry.tx(async (q) => {
    const t = await q.enrollmentTokenForUpdate(hash);
    if (!t) throw new UnauthorizedError('unknown enrollment token');
    if (t.usedAt)
      throw new UnauthorizedError(
        'the enrollment token was already used or replaced by a newer one; mint a new one with PUT ?enrollment_token=true',
      );
    if (t.expiresAt.getTime() <= deps.now().getTime()) {
      throw new GoneError('the enrollment token has expired (they last 60 minutes); mint a new one');
    }
    if (t.projectStatus !== 'active') throw new GoneError(`project ${t.project} has been deleted`);
    const owner = await q.peerProjectByKey(req.wg_public_key);
    if (owner && owner !== t.project) {
      throw new ConflictError(
        `this WireGuard public key is already enrolled for another project`,
        'key_in_use',
      );
    }
    const old = await q.peerOf(t.project);
    const secrets = await projectSecrets(deps, q, t.project);
    try {
      await deps.peers.add({ publicKey: req.wg_public_key, allowedIp: `${t.wgIp}/32` });
    } catch (err) {
      throw new UpstreamError(`adding the WireGuard peer failed: ${(err as Error).message}`, { cause: err });
    }
    await q.upsertPeer({
      project: t.project,
      publicKey: req.wg_public_key,
      sealPublicKey: req.seal_public_key,
      wgIp: t.wgIp,
    });
    await q.useEnrollmentToken(hash);
    // one worker enrolls: any other token minted for this project is dead from now on
    const revokedTokens = await q.killEnrollmentTokens(t.project);
    await q.audit({ kind: 'enrollment', project: t.project }, 'project.enroll', t.project, {
      wg_public_key: req.wg_public_key,
      revoked_tokens: revokedTokens,
      replaced_peer: old !== undefined && old.publicKey !== req.wg_public_key,
    });
    if (old && old.publicKey !== req.wg_public_key) replaced = old.publicKey;
    return { project: t.project, wgIp: t.wgIp, secrets };
  });
  if (replaced) {
    await deps.peers.remove(replaced).catch((err: Error) => {
      deps.log.warn(
        { project: out.project, err: err.message },
        'removing the replaced WireGuard peer failed',
      );
    });
  }
  deps.log.info({ project: out.project }, 'worker enrolled');
  return {
    project: out.project,
    wg: {
      address: `${out.wgIp}/${deps.cidr.prefix}`,
      master_public_key: masterPublicKey,
      master_endpoint: deps.settings.wgEndpoint,
      allowed_ips: deps.cidr.text,
      persistent_keepalive: deps.settings.wgKeepalive,
    },
    agent: {
      master_url: deps.settings.agentUrl,
      token: out.secrets.agent_token,
      listen: `${out.wgIp}:${deps.settings.agentCommandPort}`,
      command_key: out.secrets.command_key,
    },
  };
}
