import { randomUUID } from 'node:crypto';
import { Secret } from '../../core/seal/index.ts';
import type { Actor } from './auth/principal.ts';
import { buildSealedBundle, type SealedBundle } from './bundle.ts';
import type { Deps } from './deps.ts';
import { BadRequestError, ConflictError, ForbiddenError, NotFoundError, UpstreamError } from './errors.ts';
import { projectSecrets } from './projects.ts';
import type { AgentCommand } from './ports.ts';
import type { BackupRow, CommandRow } from './registry/queries.ts';
import { validateCommandResult, type CommandResult, type HeartbeatBody } from './validation.ts';

/** GET /v1/agent/bundle: the project's bundle sealed to its enrolled worker's seal key. */
export async function agentBundle(deps: Deps, project: string): Promise<SealedBundle> {
  const s = await deps.registry.getProject(project);
  if (!s || s.status !== 'active' || !s.spec)
    throw new NotFoundError(`project "${project}" is not registered`);
  const peer = await deps.registry.peerOf(project);
  if (!peer) throw new ConflictError(`project ${project} has no enrolled worker`, 'not_enrolled');
  const secrets = await projectSecrets(deps, deps.registry, project);
  return buildSealedBundle({
    fleet: deps.fleet,
    spec: s.spec,
    secrets,
    revision: s.revision,
    wgAddress: s.wgIp,
    workerSealPublicKey: peer.sealPublicKey,
    fleetKeys: deps.fleetKeys,
    render: deps.renderBundle,
  });
}

/** POST /v1/agent/heartbeat: one statement stores the report; the answer is the desired revision. */
export async function recordHeartbeat(
  deps: Deps,
  project: string,
  body: HeartbeatBody,
  /** The body's JSON text as received, when at hand (saves serialising it again). */
  raw?: string,
): Promise<{ desired_revision: number }> {
  if (body.project !== project) {
    throw new ForbiddenError(
      `the heartbeat names project "${body.project}" but comes from ${project}'s address`,
    );
  }
  // validateHeartbeat refused every string Postgres cannot store (NUL, lone surrogates), so the
  // report cannot fail the batch it is written with
  const json = raw ?? JSON.stringify(body);
  const revision = await deps.heartbeats.write(project, json);
  if (revision === undefined) throw new NotFoundError(`project "${project}" is not registered`);
  deps.metrics.heartbeats.inc({ project });
  return { desired_revision: revision };
}

/** POST /v1/agent/commands/:id/result: an agent reports how a command ended. */
export async function recordCommandResult(
  deps: Deps,
  project: string,
  id: string,
  result: CommandResult,
): Promise<void> {
  if (result.id !== id) throw new BadRequestError(`the result is for command ${result.id}, posted to ${id}`);
  const command = await deps.registry.commandOf(id, project);
  if (!command) throw new NotFoundError(`project ${project} has no command ${id}`);
  await deps.registry.tx(async (q) => {
    await q.finishCommand(id, result.state, result);
    if (command.type === 'backup') await q.finishBackup(id, backupFields(result));
    await q.audit({ kind: 'agent', project }, 'command.result', project, {
      id,
      type: command.type,
      state: result.state,
    });
  });
}

function backupFields(r: CommandResult): Parameters<Deps['registry']['finishBackup']>[1] {
  return {
    state: r.state,
    ...(r.duration_s !== undefined ? { durationS: r.duration_s } : {}),
    ...(r.snapshot_id !== undefined ? { snapshotId: r.snapshot_id } : {}),
    ...(r.size_bytes !== undefined ? { sizeBytes: r.size_bytes } : {}),
    ...(r.error !== undefined ? { error: r.error } : {}),
  };
}

export interface CommandOutcome {
  readonly status: 200 | 202;
  readonly body: CommandResult;
}

/**
 * Sends a signed command to a project's agent and records the outcome. A backup
 * is answered 202 (running) and finishes through the agent's result call;
 * restart and refetch are answered with their result.
 */
export async function sendCommand(
  deps: Deps,
  name: string,
  type: CommandRow['type'],
  service: string | undefined,
  actor: Actor,
): Promise<CommandOutcome> {
  const s = await deps.registry.getProject(name);
  if (!s || s.status !== 'active') throw new NotFoundError(`project "${name}" is not registered`);
  if (!s.peerPublicKey)
    throw new ConflictError(`project ${name} has no enrolled worker to send a ${type} to`, 'not_enrolled');
  if (service !== undefined && !/^[a-z0-9][a-z0-9_.-]{0,62}$/.test(service)) {
    throw new BadRequestError(`service "${service}" is not a compose service name`);
  }
  const secrets = await projectSecrets(deps, deps.registry, name);
  const id = randomUUID();
  await deps.registry.tx(async (q) => {
    await q.insertCommand({ id, project: name, type, service: service ?? null, requestedBy: actor });
    if (type === 'backup') await q.insertBackup(id, name);
    await q.audit(actor, `command.${type}`, name, { id, ...(service ? { service } : {}) });
  });
  const command: AgentCommand = { id, type, ...(service !== undefined ? { service } : {}) };
  const fail = async (message: string): Promise<never> => {
    await deps.registry.finishCommand(id, 'failed', { id, state: 'failed', error: message });
    if (type === 'backup') await deps.registry.finishBackup(id, { state: 'failed', error: message });
    throw new UpstreamError(message);
  };
  let answer: { status: number; body: unknown };
  try {
    answer = await deps.commander.send({ ip: s.wgIp, commandKey: new Secret(secrets.command_key) }, command);
  } catch (err) {
    return fail(`the ${type} command could not be delivered: ${(err as Error).message}`);
  }
  if (answer.status !== 200 && answer.status !== 202)
    return fail(`the agent refused the ${type} command (HTTP ${answer.status})`);
  let result: CommandResult;
  try {
    result = validateCommandResult(answer.body);
  } catch {
    return fail(`the agent's answer to the ${type} command is not a command result`);
  }
  if (result.id !== id) return fail(`the agent answered for command ${result.id}, not ${id}`);
  await deps.registry.tx(async (q) => {
    await q.finishCommand(id, result.state, result);
    if (type === 'backup') await q.finishBackup(id, backupFields(result));
  });
  return { status: result.state === 'running' ? 202 : 200, body: result };
}

export interface BackupView {
  readonly id: string;
  readonly state: BackupRow['state'];
  readonly started_at: string;
  readonly finished_at: string | null;
  readonly duration_s: number | null;
  readonly snapshot_id: string | null;
  readonly size_bytes: number | null;
  readonly error: string | null;
}

/** GET /v1/projects/:name/backups: triggered backups, newest first, and the last one the agent reported. */
export async function listBackups(
  deps: Deps,
  name: string,
): Promise<{ backups: BackupView[]; last_reported: unknown }> {
  const s = await deps.registry.getProject(name);
  if (!s || s.status !== 'active') throw new NotFoundError(`project "${name}" is not registered`);
  const rows = await deps.registry.listBackups(name, 100);
  return {
    backups: rows.map((b) => ({
      id: b.id,
      state: b.state,
      started_at: b.startedAt.toISOString(),
      finished_at: b.finishedAt?.toISOString() ?? null,
      duration_s: b.durationS,
      snapshot_id: b.snapshotId,
      size_bytes: b.sizeBytes,
      error: b.error,
    })),
    last_reported: await deps.registry.lastReportedBackup(name),
  };
}
