import { randomBytes } from 'node:crypto';
import { Secret } from '../../core/seal/index.ts';
import { completeProjectSecrets } from '../../core/secrets/generate.ts';
import type { ProjectSecrets } from '../../core/secrets/types.ts';
import type { ProjectView, UpsertResult } from '../../core/master-client/types.ts';
import type { ProjectSpec } from '../../core/spec/types.ts';
import { sha256 } from './auth/api-tokens.ts';
import { requireScope, type Actor, type Principal } from './auth/principal.ts';
import { sendCommand } from './agents.ts';
import type { Deps } from './deps.ts';
import { BadRequestError, ConflictError, NotFoundError, UpstreamError } from './errors.ts';
import { computeHealth } from './health.ts';
import type { PoolerPorts, PoolerReport } from './pooler/types.ts';
import type { ProjectState, Queries } from './registry/queries.ts';
import { assertStorable } from './validation.ts';
import { nextFreeAddress } from './wg-ip.ts';

/** Days the encrypted secrets of a deleted project are kept. */
export const SECRETS_RETENTION_DAYS = 30;

/** JSON with sorted keys, to compare specs whatever their key order (jsonb reorders keys). */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonicalJson(x)}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/** A project as the API shows it (no spec secrets, no generated secrets): the client's own type. */
export type { ProjectView };

/**
 * What the master's WireGuard interface says of a project's peer: listed (with its latest
 * handshake, unix seconds) or not. Undefined when the project is not enrolled, the peer list
 * cannot be read, or WireGuard is not managed: health then ignores WireGuard.
 */
export type PeerSighting =
  { readonly listed: true; readonly latestHandshake: number | null } | { readonly listed: false };

export function projectView(
  deps: Pick<Deps, 'fleet'>,
  s: ProjectState,
  now: Date,
  peer?: PeerSighting,
): ProjectView {
  const since = s.enrolledAt && s.enrolledAt > s.createdAt ? s.enrolledAt : s.createdAt;
  const handshake = peer?.listed ? peer.latestHandshake : null;
  const handshakeAgeS = handshake === null ? null : Math.max(0, Math.floor(now.getTime() / 1000 - handshake));
  const h = computeHealth({
    now,
    since,
    desiredRevision: s.revision,
    heartbeatAt: s.heartbeatAt,
    apply: s.apply,
    services: s.services,
    handshakeAgeS,
    peerMissing: s.peerPublicKey !== null && peer?.listed === false,
  });
  return {
    name: s.name,
    subdomain: s.subdomain,
    host: `${s.subdomain}.${deps.fleet.domain}`,
    status: s.status,
    revision: s.revision,
    wg_ip: s.wgIp,
    enrolled: s.peerPublicKey !== null,
    enrolled_at: s.enrolledAt?.toISOString() ?? null,
    created_at: s.createdAt.toISOString(),
    updated_at: s.updatedAt.toISOString(),
    ...(s.spec ? { spec: s.spec } : {}),
    health: {
      state: h.state,
      reasons: h.reasons,
      heartbeat_age_s: h.heartbeatAgeS,
      applied_revision: h.appliedRevision,
      wg_handshake_age_s: handshakeAgeS,
    },
  };
}

/**
 * Latest handshake per live peer public key; null when WireGuard is not managed or its peers
 * cannot be read (health then ignores WireGuard).
 */
async function livePeers(deps: Pick<Deps, 'peers' | 'log'>): Promise<Map<string, number | null> | null> {
  if (deps.peers.managed === false) return null;
  try {
    return new Map((await deps.peers.list()).map((p) => [p.publicKey, p.latestHandshake]));
  } catch (err) {
    deps.log.warn({ err: (err as Error).message }, 'cannot list WireGuard peers');
    return null;
  }
}

function sighting(live: Map<string, number | null> | null, s: ProjectState): PeerSighting | undefined {
  if (!live || !s.peerPublicKey) return undefined;
  const hs = live.get(s.peerPublicKey);
  return hs === undefined ? { listed: false } : { listed: true, latestHandshake: hs };
}

export async function listProjects(deps: Deps): Promise<ProjectView[]> {
  const [rows, live] = await Promise.all([deps.registry.listProjects(), livePeers(deps)]);
  const now = deps.now();
  return rows.map((r) => projectView(deps, r, now, sighting(live, r)));
}

export async function getProject(deps: Deps, name: string): Promise<ProjectView> {
  const s = await deps.registry.getProject(name);
  if (!s || s.status !== 'active') throw new NotFoundError(`project "${name}" is not registered`);
  const live = s.peerPublicKey ? await livePeers(deps) : null;
  return projectView(deps, s, deps.now(), sighting(live, s));
}

/** The answer to PUT /v1/projects/:name: the client's own type. */
export type { UpsertResult };

/**
 * PUT /v1/projects/:name. Under one advisory lock (so concurrent upserts get
 * distinct addresses): validates, allocates a wg address for a new project,
 * stores freshly generated secrets only when the project has none, bumps the
 * revision when the spec changed, and mints an enrollment token when asked.
 *
 * For a project whose worker has enrolled, a token would let a new worker replace it and
 * receive the project's secrets: that re-enrollment needs the admin scope, is audit-logged as
 * `project.reenroll`, and revokes the project's older unused tokens. Before the first
 * enrollment, tokens minted by applies that raced each other stay valid (the server one of them
 * created carries its token), and the first enrollment revokes the rest (enrollment.ts).
 */
export async function upsertProject(
  deps: Deps,
  name: string,
  body: unknown,
  principal: Principal,
  wantEnrollmentToken: boolean,
): Promise<UpsertResult> {
  const actor = principal.actor;
  const errors = deps.validateProject(body, deps.fleet, { file: `projects/${name}.yaml` });
  if (errors.length > 0) {
    const lines = errors.map((e) => `${e.path}: ${e.message}`);
    throw new BadRequestError(`invalid project spec: ${lines.slice(0, 5).join('; ')}`, lines);
  }
  const spec = body as ProjectSpec;
  assertStorable(spec, 'project spec');
  if (spec.name !== name) {
    throw new BadRequestError(
      `the spec's name "${spec.name}" differs from the URL's "${name}"; they must be equal`,
    );
  }
  const subdomain = spec.subdomain ?? spec.name;
  const fresh = await deps.generateSecrets();
  const sealedFresh = await deps.secretBox.seal(fresh);
  const freshHash = sha256(fresh.agent_token);
  const token = wantEnrollmentToken ? `sfe_${randomBytes(32).toString('base64url')}` : undefined;
  const expiresAt = new Date(deps.now().getTime() + deps.settings.enrollmentTtlMs);

  const out = await deps.registry.tx(async (q) => {
    await q.lockAllocation();
    const existing = await q.projectForUpdate(name);
    const owner = await q.subdomainOwner(subdomain, name);
    if (owner)
      throw new ConflictError(
        `subdomain "${subdomain}" is already used by project ${owner}`,
        'subdomain_taken',
      );
    let created = false;
    let changed = true;
    let revision: number;
    let wgIp: string;
    if (!existing) {
      wgIp = nextFreeAddress(deps.cidr, await q.activeWgIps());
      revision = await q.insertProject({ name, subdomain, spec, wgIp, agentTokenHash: freshHash });
      await q.insertSecrets(name, sealedFresh.nonce, sealedFresh.ciphertext);
      created = true;
    } else if (existing.status === 'deleted') {
      const used = await q.activeWgIps();
      wgIp = used.includes(existing.wgIp) ? nextFreeAddress(deps.cidr, used) : existing.wgIp;
      revision = await q.reviveProject({ name, subdomain, spec, wgIp });
      await q.keepSecrets(name);
      // the old secrets may have been purged after the retention: then the fresh ones are stored
      if (await q.insertSecrets(name, sealedFresh.nonce, sealedFresh.ciphertext)) {
        await q.setAgentTokenHash(name, freshHash);
      }
      created = true;
    } else {
      wgIp = existing.wgIp;
      changed = canonicalJson(existing.spec) !== canonicalJson(spec);
      revision = await q.updateProject({ name, subdomain, spec, bump: changed });
    }
    let revokedTokens = 0;
    if (token) {
      const enrolledPeer = created ? undefined : await q.peerOf(name);
      if (enrolledPeer) {
        // checked before anything of this call is committed: a refusal leaves the registry as it was
        requireScope(principal, 'admin', {
          what: `a new enrollment token for ${name}, whose worker has enrolled (re-enrollment replaces that worker)`,
        });
        await q.audit(actor, 'project.reenroll', name, {
          replaces_enrolled_worker: true,
          enrolled_peer: enrolledPeer.publicKey,
          enrolled_at: enrolledPeer.enrolledAt.toISOString(),
        });
        revokedTokens = await q.killEnrollmentTokens(name);
      }
      await q.insertEnrollmentToken(sha256(token), name, expiresAt);
    }
    await q.audit(actor, created ? 'project.create' : 'project.update', name, {
      revision,
      changed,
      wg_ip: wgIp,
      enrollment_token: token !== undefined,
      ...(token ? { revoked_tokens: revokedTokens } : {}),
    });
    return { created, changed };
  });
  deps.agentAuth.forget();
  deps.hosts.invalidate();
  deps.log.info({ project: name, created: out.created, changed: out.changed }, 'project upserted');
  const project = await getProject(deps, name);
  if (!out.created && out.changed && project.enrolled) nudgeAgent(deps, name, actor);
  const pooler = await syncPooler(deps, name, project.wg_ip, project.enrolled);
  return {
    ...out,
    project,
    ...(pooler ? { pooler } : {}),
    ...(token
      ? {
          enrollment: {
            token,
            expires_at: expiresAt.toISOString(),
            master_wg_public_key: await deps.peers.publicKey(),
          },
        }
      : {}),
  };
}

/**
 * Creates or updates the project's Supavisor tenant once its worker has enrolled (before, no
 * database answers Supavisor's credential check). A failure is reported and logged, never
 * thrown: the upsert stands, and the next upsert or routes reconcile tries again. Undefined
 * when the master runs without Supavisor.
 */
async function syncPooler(
  deps: Deps,
  name: string,
  wgIp: string,
  enrolled: boolean,
): Promise<PoolerReport | undefined> {
  if (!deps.pooler) return undefined;
  if (!enrolled) {
    return { state: 'skipped', message: 'the worker has not enrolled yet; its tenant is made once it has' };
  }
  try {
    const secrets = await projectSecrets(deps, deps.registry, name);
    const state = await deps.pooler.sync({
      name,
      wgIp,
      pgbouncerPassword: new Secret(secrets.role_passwords.pgbouncer),
    });
    if (state !== 'unchanged') deps.log.info({ project: name, state }, 'Supavisor tenant synced');
    return { state };
  } catch (err) {
    const message = (err as Error).message;
    deps.log.warn(
      { project: name, err: message },
      'syncing the Supavisor tenant failed; the next upsert, routes reconcile or periodic reconcile tries again',
    );
    return { state: 'failed', message };
  }
}

/**
 * Tells an enrolled worker's agent that a new revision is stored, so it fetches and
 * applies it now instead of at its next heartbeat. Best effort and not awaited: the
 * agent still learns the revision from its next heartbeat when the command fails.
 */
function nudgeAgent(deps: Deps, name: string, actor: Actor): void {
  sendCommand(deps, name, 'refetch', undefined, actor).then(
    () => deps.log.info({ project: name }, 'agent told to fetch the new revision'),
    (err: Error) =>
      deps.log.warn(
        { project: name, err: err.message },
        'telling the agent about the new revision failed; it learns of it with its next heartbeat',
      ),
  );
}

/**
 * DELETE /v1/projects/:name: routes and peer first (so a failure leaves the row for a retry), then
 * the tombstone. Refused while the stored spec has `protect: true` and a worker has enrolled.
 */
export async function deleteProject(deps: Deps, name: string, actor: Actor): Promise<{ deleted: boolean }> {
  const s = await deps.registry.getProject(name);
  if (!s) throw new NotFoundError(`project "${name}" is not registered`);
  if (s.status === 'deleted') return { deleted: false };
  // A protected project keeps its data; one whose worker never enrolled has none yet, so a
  // failed first apply can still undo its registry row.
  if (s.spec?.protect === true && s.peerPublicKey) {
    throw new ConflictError(
      `project ${name} is protected (protect: true); set protect: false in a pull request of its own, then delete it`,
      'protected',
    );
  }
  try {
    await deps.kong.remove(name);
  } catch (err) {
    throw new UpstreamError(`removing the Kong routes of ${name} failed: ${(err as Error).message}`, {
      cause: err,
    });
  }
  // before the tombstone, so a failure leaves the row for a retry: a stale tenant would point
  // at a wg address the next project may get
  try {
    await deps.pooler?.remove(name);
  } catch (err) {
    throw new UpstreamError(`removing the Supavisor tenant of ${name} failed: ${(err as Error).message}`, {
      cause: err,
    });
  }
  // Under the peer lock from the live removal to the tombstone, so the reconciler never reads
  // the project as enrolled after its peer is gone (it would put the peer back for good).
  await deps.peerLock.run(async () => {
    const peerKey = (await deps.registry.getProject(name))?.peerPublicKey ?? null;
    if (peerKey) {
      try {
        await deps.peers.remove(peerKey);
      } catch (err) {
        throw new UpstreamError(`removing the WireGuard peer of ${name} failed: ${(err as Error).message}`, {
          cause: err,
        });
      }
    }
    await deps.registry.tx(async (q) => {
      await q.deletePeer(name);
      await q.tombstoneProject(name);
      await q.killEnrollmentTokens(name);
      await q.purgeSecretsAfter(name, SECRETS_RETENTION_DAYS);
      await q.audit(actor, 'project.delete', name, { secrets_kept_days: SECRETS_RETENTION_DAYS });
    });
  });
  deps.agentAuth.forget();
  deps.hosts.invalidate();
  // after the tombstone, so a Studio start racing this delete finds the project gone
  await deps.studios.stop(name);
  deps.log.info({ project: name }, 'project deleted');
  return { deleted: true };
}

/**
 * The project's generated secrets, decrypted. A record stored before a secret was
 * introduced (Storage's S3-protocol keys) gets it generated and stored here, once:
 * the write only lands if the record is still the one read, and a lost race reads
 * the winner's values, so a secret is never regenerated.
 */
export async function projectSecrets(
  deps: Pick<Deps, 'secretBox'>,
  q: Queries,
  name: string,
): Promise<ProjectSecrets> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const record = await q.selectSecrets(name);
    if (!record) throw new NotFoundError(`project "${name}" has no secrets`);
    const { secrets, added } = completeProjectSecrets(await deps.secretBox.open(record));
    if (added.length === 0) return secrets;
    const sealed = await deps.secretBox.seal(secrets);
    if (await q.replaceSecrets(name, sealed.nonce, sealed.ciphertext, record.ciphertext)) return secrets;
  }
  throw new Error(`the secrets of project "${name}" kept changing while missing ones were being added`);
}

export async function activeProject(deps: Deps, name: string): Promise<ProjectState> {
  const s = await deps.registry.getProject(name);
  if (!s || s.status !== 'active') throw new NotFoundError(`project "${name}" is not registered`);
  return s;
}

/** GET /v1/projects/:name/credentials (admin; audit-logged). */
export async function credentials(deps: Deps, name: string, actor: Actor): Promise<Record<string, string>> {
  const s = await activeProject(deps, name);
  const secrets = await projectSecrets(deps, deps.registry, name);
  await deps.registry.audit(actor, 'project.credentials', name, {});
  return {
    url: `https://${s.subdomain}.${deps.fleet.domain}`,
    anon_key: secrets.anon_key,
    service_role_key: secrets.service_role_key,
    jwt_secret: secrets.jwt_secret,
    postgres_password: secrets.postgres_password,
    ...(deps.pooler
      ? poolerUrls(`${s.subdomain}.${deps.fleet.domain}`, name, secrets.postgres_password, deps.pooler.ports)
      : {}),
  };
}

/**
 * The project's Postgres connection strings through the master's Supavisor: user
 * `postgres.<project>` (Supavisor reads the tenant from the part after the last dot), the
 * transaction-mode port for pooled use and the session-mode port for a connection of one's own.
 */
export function poolerUrls(
  host: string,
  name: string,
  password: string,
  ports: PoolerPorts,
): { postgres_url_pooled: string; postgres_url_session: string } {
  const auth = `${encodeURIComponent(`postgres.${name}`)}:${encodeURIComponent(password)}`;
  return {
    postgres_url_pooled: `postgres://${auth}@${host}:${ports.transaction}/postgres`,
    postgres_url_session: `postgres://${auth}@${host}:${ports.session}/postgres`,
  };
}

/** PUT /v1/projects/:name/routes: reconciles the project's Kong entities. */
export async function reconcileRoutes(deps: Deps, name: string, actor: Actor) {
  const s = await activeProject(deps, name);
  const secrets = await projectSecrets(deps, deps.registry, name);
  let report;
  try {
    report = await deps.kong.reconcile({
      name,
      subdomain: s.subdomain,
      domain: deps.fleet.domain,
      upstreamHost: s.wgIp,
      anonKey: new Secret(secrets.anon_key),
      serviceRoleKey: new Secret(secrets.service_role_key),
      corsOrigins: s.spec?.api?.cors_origins ?? [],
    });
  } catch (err) {
    throw new UpstreamError(`reconciling the Kong routes of ${name} failed: ${(err as Error).message}`, {
      cause: err,
    });
  }
  await deps.registry.audit(actor, 'routes.reconcile', name, { ...report });
  // the routes are reconciled once the worker is healthy, so its database answers Supavisor's check
  const pooler = await syncPooler(deps, name, s.wgIp, s.peerPublicKey !== null);
  return { ...report, ...(pooler ? { pooler } : {}) };
}

/** DELETE /v1/projects/:name/routes. */
export async function removeRoutes(deps: Deps, name: string, actor: Actor) {
  const s = await deps.registry.getProject(name);
  if (!s) throw new NotFoundError(`project "${name}" is not registered`);
  let report;
  try {
    report = await deps.kong.remove(name);
  } catch (err) {
    throw new UpstreamError(`removing the Kong routes of ${name} failed: ${(err as Error).message}`, {
      cause: err,
    });
  }
  await deps.registry.audit(actor, 'routes.remove', name, { ...report });
  return report;
}
