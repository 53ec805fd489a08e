/**
 * Tears one project down (DESIGN §6): refuse while its last spec has `protect: true`,
 * take a final backup through the master and wait for it, remove the routes, delete
 * the server found by the fleet's labels, delete the project's Storage Box sub-account
 * (its directory and backups stay with the main account), then `DELETE` the project
 * (peer removed, row tombstoned). Any failure stops before the next step, so nothing is deleted
 * without its backup; a re-run picks up where this one stopped.
 */
import type { ServerRole } from '../naming/labels.ts';
import type { FleetSpec } from '../spec/types.ts';
import { runBackup, type BackupOutcome } from './backup.ts';
import type { ApplyDeps } from './provision.ts';

export interface TeardownOptions {
  readonly fleet: FleetSpec;
  readonly name: string;
  /** `protect` of the last applied spec. */
  readonly protect: boolean;
  readonly backupWaitMs: number;
  readonly pollMs?: number;
}

export interface TeardownResult {
  readonly project: string;
  readonly backup?: BackupOutcome;
  readonly serversDeleted: number;
  /** Backup sub-accounts deleted (fleets with `storage_box.id`). */
  readonly subaccountsDeleted: number;
  readonly tombstoned: boolean;
}

export class ProtectedProjectError extends Error {
  constructor(name: string) {
    super(
      `${name} has protect: true; merge a change setting protect: false first, then delete projects/${name}.yaml`,
    );
    this.name = 'ProtectedProjectError';
  }
}

export async function teardownProject(deps: ApplyDeps, opts: TeardownOptions): Promise<TeardownResult> {
  const { name } = opts;
  if (opts.protect) throw new ProtectedProjectError(name);
  const view = await deps.master.getProject(name);
  let backup: BackupOutcome | undefined;
  if (view?.enrolled) {
    backup = await runBackup(deps, name, {
      timeoutMs: opts.backupWaitMs,
      ...(opts.pollMs ? { pollMs: opts.pollMs } : {}),
    });
    if (backup.state !== 'succeeded') {
      throw new Error(
        `${name}: the final backup failed (${backup.error ?? 'no reason given'}); nothing was deleted`,
      );
    }
    deps.log.info(`${name}: final backup ${backup.snapshot_id ?? backup.id} taken`);
  } else if (view) {
    deps.log.warn(`${name}: no worker ever enrolled, so there is no data to back up`);
  }
  if (view) {
    await deps.master.deleteRoutes(name);
    deps.log.info(`${name}: routes removed`);
  }
  const role: ServerRole = 'worker';
  const actions = await deps.hetzner.deleteLabelledServers({ fleet: opts.fleet.name, project: name, role });
  for (const action of actions) await deps.hetzner.waitForAction(action);
  deps.log.info(`${name}: ${actions.length} server(s) deleted`);
  let subaccountsDeleted = 0;
  const box = opts.fleet.storage_box.id;
  if (box !== undefined) {
    if (!deps.storageBox) {
      throw new Error(
        `${name}: fleet.yaml sets storage_box.id ${box}, but teardown has no Storage Box client; the sub-account was kept`,
      );
    }
    subaccountsDeleted = await deps.storageBox.deleteProjectSubaccounts(box, opts.fleet.name, name);
    deps.log.info(
      `${name}: ${subaccountsDeleted} backup sub-account(s) deleted; the backups stay in supafleet/${name} of the main account`,
    );
  }
  let tombstoned = false;
  if (view) {
    tombstoned = (await deps.master.deleteProject(name)).deleted;
    deps.log.info(`${name}: registry row tombstoned (secrets kept 30 days)`);
  }
  return {
    project: name,
    ...(backup ? { backup } : {}),
    serversDeleted: actions.length,
    subaccountsDeleted,
    tombstoned,
  };
}

/**
 * Deletes an orphan server (fleet labels, no spec, no registry row), guarded by its labels,
 * and the backup sub-account of that project, if one was left (its directory stays).
 */
export async function deleteOrphan(
  deps: ApplyDeps,
  fleet: FleetSpec,
  server: { id: number; name: string },
  project: string,
): Promise<void> {
  const action = await deps.hetzner.deleteServer(server.id, { fleet: fleet.name, project, role: 'worker' });
  if (action) await deps.hetzner.waitForAction(action);
  deps.log.info(`${project}: orphan server ${server.name} (id ${server.id}) deleted`);
  const box = fleet.storage_box.id;
  if (box !== undefined && deps.storageBox) {
    const n = await deps.storageBox.deleteProjectSubaccounts(box, fleet.name, project);
    if (n > 0) deps.log.info(`${project}: the orphan's backup sub-account deleted`);
  }
}
