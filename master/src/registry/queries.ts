import type pg from 'pg';
import type { ProjectSpec } from '../../../core/spec/types.ts';

/**
 * Every SQL statement of the master, parameterised, in one place. Routes and
 * services never build SQL; they call the methods of `Queries` (inside a
 * transaction) or `Registry` (on the pool).
 */
export const SQL = {
  migrationLock: `select pg_advisory_xact_lock(727000)`,
  migrationTable: `create table if not exists schema_migrations (
    version integer primary key, name text not null, applied_at timestamptz not null default now())`,
  migrationApplied: `select 1 from schema_migrations where version = $1`,
  migrationRecord: `insert into schema_migrations (version, name) values ($1, $2)`,

  allocationLock: `select pg_advisory_xact_lock(727001)`,
  projectForUpdate: `select name, subdomain, spec, revision, status, host(wg_ip) as wg_ip, created_at, updated_at, deleted_at
    from projects where name = $1 for update`,
  activeWgIps: `select host(wg_ip) as ip from projects where status = 'active'`,
  subdomainOwner: `select name from projects where subdomain = $1 and status = 'active' and name <> $2`,
  insertProject: `insert into projects (name, subdomain, spec, wg_ip, agent_token_hash) values ($1, $2, $3, $4, $5)
    returning revision`,
  reviveProject: `update projects set status = 'active', deleted_at = null, subdomain = $2, spec = $3, wg_ip = $4,
    revision = revision + 1, updated_at = now() where name = $1 returning revision`,
  updateProject: `update projects set subdomain = $2, spec = $3, revision = revision + $4, updated_at = now()
    where name = $1 returning revision`,
  tombstoneProject: `update projects set status = 'deleted', deleted_at = now(), updated_at = now()
    where name = $1 and status = 'active'`,

  insertSecrets: `insert into project_secrets (project, nonce, ciphertext) values ($1, $2, $3)
    on conflict (project) do nothing`,
  selectSecrets: `select nonce, ciphertext from project_secrets where project = $1`,
  replaceSecrets: `update project_secrets set nonce = $2, ciphertext = $3 where project = $1 and ciphertext = $4`,
  keepSecrets: `update project_secrets set purge_after = null where project = $1`,
  purgeExpiredSecrets: `delete from project_secrets where purge_after is not null and purge_after <= now()`,
  setAgentTokenHash: `update projects set agent_token_hash = $2 where name = $1`,
  purgeSecretsAfter: `update project_secrets set purge_after = now() + make_interval(days => $2) where project = $1`,

  insertEnrollmentToken: `insert into enrollment_tokens (token_hash, project, expires_at) values ($1, $2, $3)`,
  enrollmentTokenForUpdate: `select t.project, t.expires_at, t.used_at, p.status, host(p.wg_ip) as wg_ip
    from enrollment_tokens t join projects p on p.name = t.project where t.token_hash = $1 for update of t`,
  useEnrollmentToken: `update enrollment_tokens set used_at = now() where token_hash = $1`,
  killEnrollmentTokens: `update enrollment_tokens set used_at = now() where project = $1 and used_at is null`,

  peerOf: `select public_key, seal_public_key, host(wg_ip) as wg_ip, enrolled_at from peers where project = $1`,
  peerByKey: `select project from peers where public_key = $1`,
  upsertPeer: `insert into peers (project, public_key, seal_public_key, wg_ip) values ($1, $2, $3, $4)
    on conflict (project) do update set public_key = excluded.public_key, seal_public_key = excluded.seal_public_key,
    wg_ip = excluded.wg_ip, enrolled_at = now()`,
  deletePeer: `delete from peers where project = $1 returning public_key`,
  enrolledPeers: `select p.name, p.status, host(p.wg_ip) as wg_ip, pe.public_key
    from peers pe join projects p on p.name = pe.project order by p.name`,

  listProjects: `select p.name, p.subdomain, p.spec, p.revision, p.status, host(p.wg_ip) as wg_ip, p.created_at, p.updated_at,
      p.deleted_at, pe.public_key as peer_public_key, pe.enrolled_at,
      h.received_at as hb_received_at, h.report -> 'apply' as hb_apply, h.report -> 'services' as hb_services
    from projects p left join peers pe on pe.project = p.name left join heartbeats h on h.project = p.name
    where p.status = 'active' order by p.name`,
  getProject: `select p.name, p.subdomain, p.spec, p.revision, p.status, host(p.wg_ip) as wg_ip, p.created_at,
      p.updated_at, p.deleted_at, pe.public_key as peer_public_key, pe.enrolled_at,
      h.received_at as hb_received_at, h.report -> 'apply' as hb_apply, h.report -> 'services' as hb_services
    from projects p left join peers pe on pe.project = p.name left join heartbeats h on h.project = p.name
    where p.name = $1`,
  activeHosts: `select name, subdomain from projects where status = 'active'`,
  agentByIp: `select name, agent_token_hash, revision from projects where wg_ip = $1 and status = 'active'`,

  recordHeartbeats: `with input as (
      select project, report from unnest($1::text[]) with ordinality as p(project, i)
      join jsonb_array_elements($2::jsonb) with ordinality as r(report, j) on i = j),
    latest as (
      insert into heartbeats (project, seq, received_at, report)
      select project, 1, now(), report from input order by project
      on conflict (project) do update set seq = heartbeats.seq + 1, received_at = excluded.received_at,
        report = excluded.report
      returning project, seq, received_at, report),
    ring as (
      insert into heartbeat_history (project, slot, seq, received_at, report)
      select project, (seq % $3)::integer, seq, received_at, report from latest order by project
      on conflict (project, slot) do update set seq = excluded.seq, received_at = excluded.received_at,
        report = excluded.report)
    select p.name, p.revision from projects p join input i on i.project = p.name`,
  heartbeatHistory: `select seq, received_at, report from heartbeat_history where project = $1 order by seq desc`,
  recentHeartbeats: `select received_at, report -> 'apply' as apply, report -> 'services' as services
    from heartbeat_history where project = $1 order by seq desc limit $2`,

  insertCommand: `insert into commands (id, project, type, service, state, requested_by) values ($1, $2, $3, $4, 'pending', $5)`,
  finishCommand: `update commands set state = $2, result = $3,
    finished_at = case when $2 in ('succeeded', 'failed') then now() else null end where id = $1`,
  commandOf: `select id, project, type, service, state, result, created_at, finished_at from commands
    where id = $1 and project = $2`,
  insertBackup: `insert into backups (id, project, state) values ($1, $2, 'running')`,
  finishBackup: `update backups set state = $2, finished_at = case when $2 = 'running' then null else now() end,
    duration_s = $3, snapshot_id = $4, size_bytes = $5, error = $6 where id = $1`,
  listBackups: `select id, state, started_at, finished_at, duration_s, snapshot_id, size_bytes, error from backups
    where project = $1 order by started_at desc limit $2`,
  lastReportedBackup: `select report -> 'backup' as backup from heartbeats where project = $1`,
  latestBackups: `select p.name as project, h.report -> 'backup' as reported,
      b.state, b.started_at, b.finished_at, b.snapshot_id
    from projects p
    left join heartbeats h on h.project = p.name
    left join lateral (select state, started_at, finished_at, snapshot_id from backups
      where project = p.name order by started_at desc limit 1) b on true
    where p.status = 'active'`,

  audit: `insert into audit_log (actor, action, project, detail) values ($1, $2, $3, $4)`,
  listAudit: `select at, actor, action, project, detail from audit_log where ($1::text is null or project = $1)
    order by id`,

  insertApiToken: `insert into api_tokens (id, name, scope, secret_hash) values ($1, $2, $3, $4)`,
  apiTokenById: `select id, name, scope, secret_hash from api_tokens where id = $1 and revoked_at is null`,
  listApiTokens: `select id, name, scope, created_at from api_tokens where revoked_at is null
    order by name, created_at, id`,
  revokeApiTokensNamed: `update api_tokens set revoked_at = now() where name = $1 and revoked_at is null
    returning id`,
} as const;

/** Anything that runs a query: the pool or a client inside a transaction. */
export type Queryable = Pick<pg.Pool, 'query'> | Pick<pg.PoolClient, 'query'>;

export interface ProjectRow {
  readonly name: string;
  readonly subdomain: string;
  readonly spec: ProjectSpec;
  readonly revision: number;
  readonly status: 'active' | 'deleted';
  readonly wgIp: string;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  readonly deletedAt: Date | null;
}

/** A project with what health is computed from (no spec in lists, to keep them light). */
export interface ProjectState {
  readonly name: string;
  readonly subdomain: string;
  readonly spec?: ProjectSpec;
  readonly revision: number;
  readonly status: 'active' | 'deleted';
  readonly wgIp: string;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  readonly deletedAt: Date | null;
  readonly peerPublicKey: string | null;
  readonly enrolledAt: Date | null;
  readonly heartbeatAt: Date | null;
  readonly apply: HeartbeatApply | null;
  readonly services: readonly HeartbeatService[] | null;
}

/** One stored heartbeat, as the console's timeline reads it. */
export interface RecentHeartbeat {
  readonly receivedAt: Date;
  readonly apply: HeartbeatApply | null;
  readonly services: readonly HeartbeatService[] | null;
}

export interface HeartbeatApply {
  readonly state: 'none' | 'applying' | 'applied' | 'failed';
  readonly revision: number;
  readonly running_revision?: number;
  readonly error?: string;
}
export interface HeartbeatService {
  readonly name: string;
  readonly state: 'healthy' | 'unhealthy' | 'starting' | 'down';
  readonly detail?: string;
  readonly latency_ms?: number;
}

export interface PeerRow {
  readonly publicKey: string;
  readonly sealPublicKey: string;
  readonly wgIp: string;
  readonly enrolledAt: Date;
}

/** An enrolled worker's peer with its project's state: what the WireGuard reconciler wants live. */
export interface EnrolledPeerRow {
  readonly project: string;
  readonly status: 'active' | 'deleted';
  /** The project's worker address (the peer's only allowed IP, as /32). */
  readonly wgIp: string;
  readonly publicKey: string;
}

export interface EnrollmentTokenRow {
  readonly project: string;
  readonly expiresAt: Date;
  readonly usedAt: Date | null;
  readonly projectStatus: 'active' | 'deleted';
  readonly wgIp: string;
}

export interface BackupRow {
  readonly id: string;
  readonly state: 'running' | 'succeeded' | 'failed';
  readonly startedAt: Date;
  readonly finishedAt: Date | null;
  readonly durationS: number | null;
  readonly snapshotId: string | null;
  readonly sizeBytes: number | null;
  readonly error: string | null;
}

/** The backups the console shows for one project (`latestBackups`). */
export interface LatestBackupRow {
  readonly project: string;
  /** The `backup` object of the project's last heartbeat, as the agent sent it; null without one. */
  readonly reported: unknown;
  readonly started?: Pick<BackupRow, 'state' | 'startedAt' | 'finishedAt' | 'snapshotId'>;
}

export interface CommandRow {
  readonly id: string;
  readonly project: string;
  readonly type: 'backup' | 'restart' | 'refetch';
  readonly service: string | null;
  readonly state: 'pending' | 'running' | 'succeeded' | 'failed';
  readonly result: unknown;
  readonly createdAt: Date;
  readonly finishedAt: Date | null;
}

/** An operator API token as listed: never its secret or the secret's hash. */
export interface ApiTokenRow {
  readonly id: string;
  readonly name: string;
  readonly scope: string;
  readonly createdAt: Date;
}

export interface AuditRow {
  readonly at: Date;
  readonly actor: Record<string, unknown>;
  readonly action: string;
  readonly project: string | null;
  readonly detail: Record<string, unknown>;
}

type Row = Record<string, unknown>;

function toState(r: Row): ProjectState {
  return {
    name: r.name as string,
    subdomain: r.subdomain as string,
    ...(r.spec !== undefined ? { spec: r.spec as ProjectSpec } : {}),
    revision: r.revision as number,
    status: r.status as 'active' | 'deleted',
    wgIp: r.wg_ip as string,
    createdAt: r.created_at as Date,
    updatedAt: r.updated_at as Date,
    deletedAt: (r.deleted_at as Date | null) ?? null,
    peerPublicKey: (r.peer_public_key as string | null) ?? null,
    enrolledAt: (r.enrolled_at as Date | null) ?? null,
    heartbeatAt: (r.hb_received_at as Date | null) ?? null,
    apply: (r.hb_apply as HeartbeatApply | null) ?? null,
    services: (r.hb_services as HeartbeatService[] | null) ?? null,
  };
}

/** The statements, bound to a pool or a transaction's client. */
export class Queries {
  constructor(protected readonly db: Queryable) {}

  async lockAllocation(): Promise<void> {
    await this.db.query(SQL.allocationLock);
  }

  async projectForUpdate(name: string): Promise<ProjectRow | undefined> {
    const { rows } = await this.db.query(SQL.projectForUpdate, [name]);
    const r = rows[0] as Row | undefined;
    if (!r) return undefined;
    return {
      name: r.name as string,
      subdomain: r.subdomain as string,
      spec: r.spec as ProjectSpec,
      revision: r.revision as number,
      status: r.status as 'active' | 'deleted',
      wgIp: r.wg_ip as string,
      createdAt: r.created_at as Date,
      updatedAt: r.updated_at as Date,
      deletedAt: (r.deleted_at as Date | null) ?? null,
    };
  }

  async activeWgIps(): Promise<string[]> {
    const { rows } = await this.db.query(SQL.activeWgIps);
    return rows.map((r: Row) => r.ip as string);
  }

  async subdomainOwner(subdomain: string, exceptName: string): Promise<string | undefined> {
    const { rows } = await this.db.query(SQL.subdomainOwner, [subdomain, exceptName]);
    return (rows[0] as Row | undefined)?.name as string | undefined;
  }

  async insertProject(p: {
    name: string;
    subdomain: string;
    spec: ProjectSpec;
    wgIp: string;
    agentTokenHash: Buffer;
  }): Promise<number> {
    const { rows } = await this.db.query(SQL.insertProject, [
      p.name,
      p.subdomain,
      p.spec,
      p.wgIp,
      p.agentTokenHash,
    ]);
    return (rows[0] as Row).revision as number;
  }

  async reviveProject(p: {
    name: string;
    subdomain: string;
    spec: ProjectSpec;
    wgIp: string;
  }): Promise<number> {
    const { rows } = await this.db.query(SQL.reviveProject, [p.name, p.subdomain, p.spec, p.wgIp]);
    return (rows[0] as Row).revision as number;
  }

  async updateProject(p: {
    name: string;
    subdomain: string;
    spec: ProjectSpec;
    bump: boolean;
  }): Promise<number> {
    const { rows } = await this.db.query(SQL.updateProject, [p.name, p.subdomain, p.spec, p.bump ? 1 : 0]);
    return (rows[0] as Row).revision as number;
  }

  async tombstoneProject(name: string): Promise<boolean> {
    const r = await this.db.query(SQL.tombstoneProject, [name]);
    return (r.rowCount ?? 0) > 0;
  }

  /** Stores the encrypted secrets unless the project already has some; true when stored. */
  async insertSecrets(project: string, nonce: Buffer, ciphertext: Buffer): Promise<boolean> {
    const r = await this.db.query(SQL.insertSecrets, [project, nonce, ciphertext]);
    return (r.rowCount ?? 0) > 0;
  }

  async selectSecrets(project: string): Promise<{ nonce: Buffer; ciphertext: Buffer } | undefined> {
    const { rows } = await this.db.query(SQL.selectSecrets, [project]);
    const r = rows[0] as Row | undefined;
    return r ? { nonce: r.nonce as Buffer, ciphertext: r.ciphertext as Buffer } : undefined;
  }

  /**
   * Replaces the encrypted secrets only if they are still the ones read (`previous`), so
   * two concurrent completions store one result; true when this call stored it.
   */
  async replaceSecrets(
    project: string,
    nonce: Buffer,
    ciphertext: Buffer,
    previous: Buffer,
  ): Promise<boolean> {
    const r = await this.db.query(SQL.replaceSecrets, [project, nonce, ciphertext, previous]);
    return (r.rowCount ?? 0) > 0;
  }

  async keepSecrets(project: string): Promise<void> {
    await this.db.query(SQL.keepSecrets, [project]);
  }

  /** Deletes the secrets of projects deleted longer ago than the retention; returns how many. */
  async purgeExpiredSecrets(): Promise<number> {
    const r = await this.db.query(SQL.purgeExpiredSecrets);
    return r.rowCount ?? 0;
  }

  async setAgentTokenHash(project: string, hash: Buffer): Promise<void> {
    await this.db.query(SQL.setAgentTokenHash, [project, hash]);
  }

  async purgeSecretsAfter(project: string, days: number): Promise<void> {
    await this.db.query(SQL.purgeSecretsAfter, [project, days]);
  }

  async insertEnrollmentToken(tokenHash: Buffer, project: string, expiresAt: Date): Promise<void> {
    await this.db.query(SQL.insertEnrollmentToken, [tokenHash, project, expiresAt]);
  }

  async enrollmentTokenForUpdate(tokenHash: Buffer): Promise<EnrollmentTokenRow | undefined> {
    const { rows } = await this.db.query(SQL.enrollmentTokenForUpdate, [tokenHash]);
    const r = rows[0] as Row | undefined;
    if (!r) return undefined;
    return {
      project: r.project as string,
      expiresAt: r.expires_at as Date,
      usedAt: (r.used_at as Date | null) ?? null,
      projectStatus: r.status as 'active' | 'deleted',
      wgIp: r.wg_ip as string,
    };
  }

  async useEnrollmentToken(tokenHash: Buffer): Promise<void> {
    await this.db.query(SQL.useEnrollmentToken, [tokenHash]);
  }

  /** Marks the project's unused enrollment tokens used; returns how many there were. */
  async killEnrollmentTokens(project: string): Promise<number> {
    const r = await this.db.query(SQL.killEnrollmentTokens, [project]);
    return r.rowCount ?? 0;
  }

  async peerOf(project: string): Promise<PeerRow | undefined> {
    const { rows } = await this.db.query(SQL.peerOf, [project]);
    const r = rows[0] as Row | undefined;
    if (!r) return undefined;
    return {
      publicKey: r.public_key as string,
      sealPublicKey: r.seal_public_key as string,
      wgIp: r.wg_ip as string,
      enrolledAt: r.enrolled_at as Date,
    };
  }

  async peerProjectByKey(publicKey: string): Promise<string | undefined> {
    const { rows } = await this.db.query(SQL.peerByKey, [publicKey]);
    return (rows[0] as Row | undefined)?.project as string | undefined;
  }

  async upsertPeer(p: {
    project: string;
    publicKey: string;
    sealPublicKey: string;
    wgIp: string;
  }): Promise<void> {
    await this.db.query(SQL.upsertPeer, [p.project, p.publicKey, p.sealPublicKey, p.wgIp]);
  }

  async deletePeer(project: string): Promise<string | undefined> {
    const { rows } = await this.db.query(SQL.deletePeer, [project]);
    return (rows[0] as Row | undefined)?.public_key as string | undefined;
  }

  /** Every enrolled peer and its project's status and address, by project name. */
  async enrolledPeers(): Promise<EnrolledPeerRow[]> {
    const { rows } = await this.db.query(SQL.enrolledPeers);
    return rows.map((r: Row) => ({
      project: r.name as string,
      status: r.status as 'active' | 'deleted',
      wgIp: r.wg_ip as string,
      publicKey: r.public_key as string,
    }));
  }

  async listProjects(): Promise<ProjectState[]> {
    const { rows } = await this.db.query({ name: 'sf_list_projects', text: SQL.listProjects });
    return rows.map(toState);
  }

  async getProject(name: string): Promise<ProjectState | undefined> {
    const { rows } = await this.db.query({ name: 'sf_get_project', text: SQL.getProject, values: [name] });
    return rows[0] ? toState(rows[0] as Row) : undefined;
  }

  /** The name and subdomain of every active project, in one read (the TLS ask's set). */
  async activeHosts(): Promise<{ name: string; subdomain: string }[]> {
    const { rows } = await this.db.query(SQL.activeHosts);
    return rows.map((r: Row) => ({ name: r.name as string, subdomain: r.subdomain as string }));
  }

  async agentByIp(ip: string): Promise<{ name: string; tokenHash: Buffer; revision: number } | undefined> {
    const { rows } = await this.db.query({ name: 'sf_agent_by_ip', text: SQL.agentByIp, values: [ip] });
    const r = rows[0] as Row | undefined;
    return r
      ? { name: r.name as string, tokenHash: r.agent_token_hash as Buffer, revision: r.revision as number }
      : undefined;
  }

  /**
   * Stores a batch of reports (at most one per project) in one statement: each
   * project's latest row and its ring slot. Rows are written in project order, so
   * concurrent batches lock in the same order and cannot deadlock. Returns each
   * project's desired revision.
   */
  async recordHeartbeats(
    batch: readonly { project: string; reportJson: string }[],
    historySize: number,
  ): Promise<Map<string, number>> {
    const { rows } = await this.db.query({
      name: 'sf_heartbeats',
      text: SQL.recordHeartbeats,
      // the reports travel as one JSON array (no per-element array escaping)
      values: [batch.map((b) => b.project), `[${batch.map((b) => b.reportJson).join(',')}]`, historySize],
    });
    return new Map(rows.map((r: Row) => [r.name as string, r.revision as number]));
  }

  /**
   * The project's newest `limit` heartbeats, newest first: when each arrived, its apply report and
   * its services (nothing else of the report).
   */
  async recentHeartbeats(project: string, limit: number): Promise<RecentHeartbeat[]> {
    const { rows } = await this.db.query(SQL.recentHeartbeats, [project, limit]);
    return rows.map((r: Row) => ({
      receivedAt: r.received_at as Date,
      apply: (r.apply as HeartbeatApply | null) ?? null,
      services: (r.services as HeartbeatService[] | null) ?? null,
    }));
  }

  async heartbeatHistory(project: string): Promise<{ seq: number; receivedAt: Date; report: unknown }[]> {
    const { rows } = await this.db.query(SQL.heartbeatHistory, [project]);
    return rows.map((r: Row) => ({
      seq: Number(r.seq),
      receivedAt: r.received_at as Date,
      report: r.report,
    }));
  }

  async insertCommand(c: {
    id: string;
    project: string;
    type: CommandRow['type'];
    service: string | null;
    requestedBy: Record<string, unknown>;
  }): Promise<void> {
    await this.db.query(SQL.insertCommand, [c.id, c.project, c.type, c.service, c.requestedBy]);
  }

  async finishCommand(id: string, state: CommandRow['state'], result: unknown): Promise<void> {
    await this.db.query(SQL.finishCommand, [id, state, result === undefined ? null : JSON.stringify(result)]);
  }

  async commandOf(id: string, project: string): Promise<CommandRow | undefined> {
    const { rows } = await this.db.query(SQL.commandOf, [id, project]);
    const r = rows[0] as Row | undefined;
    if (!r) return undefined;
    return {
      id: r.id as string,
      project: r.project as string,
      type: r.type as CommandRow['type'],
      service: (r.service as string | null) ?? null,
      state: r.state as CommandRow['state'],
      result: r.result,
      createdAt: r.created_at as Date,
      finishedAt: (r.finished_at as Date | null) ?? null,
    };
  }

  async insertBackup(id: string, project: string): Promise<void> {
    await this.db.query(SQL.insertBackup, [id, project]);
  }

  async finishBackup(
    id: string,
    b: {
      state: BackupRow['state'];
      durationS?: number;
      snapshotId?: string;
      sizeBytes?: number;
      error?: string;
    },
  ): Promise<void> {
    await this.db.query(SQL.finishBackup, [
      id,
      b.state,
      b.durationS ?? null,
      b.snapshotId ?? null,
      b.sizeBytes ?? null,
      b.error ?? null,
    ]);
  }

  async listBackups(project: string, limit: number): Promise<BackupRow[]> {
    const { rows } = await this.db.query(SQL.listBackups, [project, limit]);
    return rows.map((r: Row) => ({
      id: r.id as string,
      state: r.state as BackupRow['state'],
      startedAt: r.started_at as Date,
      finishedAt: (r.finished_at as Date | null) ?? null,
      durationS: (r.duration_s as number | null) ?? null,
      snapshotId: (r.snapshot_id as string | null) ?? null,
      sizeBytes: r.size_bytes === null || r.size_bytes === undefined ? null : Number(r.size_bytes),
      error: (r.error as string | null) ?? null,
    }));
  }

  /** Per active project, in one statement: the backup its last heartbeat reports and the newest one the master started. */
  async latestBackups(): Promise<LatestBackupRow[]> {
    const { rows } = await this.db.query(SQL.latestBackups);
    return rows.map((r: Row) => ({
      project: r.project as string,
      reported: r.reported ?? null,
      started:
        r.state === null || r.state === undefined
          ? undefined
          : {
              state: r.state as BackupRow['state'],
              startedAt: r.started_at as Date,
              finishedAt: (r.finished_at as Date | null) ?? null,
              snapshotId: (r.snapshot_id as string | null) ?? null,
            },
    }));
  }

  async lastReportedBackup(project: string): Promise<unknown> {
    const { rows } = await this.db.query(SQL.lastReportedBackup, [project]);
    return (rows[0] as Row | undefined)?.backup ?? null;
  }

  async audit(
    actor: Record<string, unknown>,
    action: string,
    project: string | null,
    detail: Record<string, unknown> = {},
  ): Promise<void> {
    await this.db.query(SQL.audit, [actor, action, project, detail]);
  }

  async listAudit(project?: string): Promise<AuditRow[]> {
    const { rows } = await this.db.query(SQL.listAudit, [project ?? null]);
    return rows.map((r: Row) => ({
      at: r.at as Date,
      actor: r.actor as Record<string, unknown>,
      action: r.action as string,
      project: (r.project as string | null) ?? null,
      detail: r.detail as Record<string, unknown>,
    }));
  }

  async insertApiToken(t: { id: string; name: string; scope: string; secretHash: Buffer }): Promise<void> {
    await this.db.query(SQL.insertApiToken, [t.id, t.name, t.scope, t.secretHash]);
  }

  async apiTokenById(
    id: string,
  ): Promise<{ id: string; name: string; scope: string; secretHash: Buffer } | undefined> {
    const { rows } = await this.db.query({ name: 'sf_api_token', text: SQL.apiTokenById, values: [id] });
    const r = rows[0] as Row | undefined;
    return r
      ? {
          id: r.id as string,
          name: r.name as string,
          scope: r.scope as string,
          secretHash: r.secret_hash as Buffer,
        }
      : undefined;
  }

  /** The tokens not revoked, by name then age. */
  async listApiTokens(): Promise<ApiTokenRow[]> {
    const { rows } = await this.db.query(SQL.listApiTokens);
    return rows.map((r: Row) => ({
      id: r.id as string,
      name: r.name as string,
      scope: r.scope as string,
      createdAt: r.created_at as Date,
    }));
  }

  /** Revokes every token of that name not revoked yet; answers their ids (none: no such token). */
  async revokeApiTokensNamed(name: string): Promise<string[]> {
    const { rows } = await this.db.query(SQL.revokeApiTokensNamed, [name]);
    return rows.map((r: Row) => r.id as string).sort();
  }
}
