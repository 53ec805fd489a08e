/**
 * Provisions one project (DESIGN §6): master `PUT` → user_data → Hetzner server with
 * the fleet's labels → wait for the applied revision and `healthy` → routes → commit
 * status → the smoke check when one is given (its own status, core/apply/smoke.ts). On failure it undoes what this run created (the server, then the registry
 * row with its peer and address) and sets a failure status; a re-run converges
 * because the server is found by its labels and the registry by name.
 */
import { SERVER_IMAGE } from '../../cloud-init/versions.ts';
import { renderWorkerUserData, type WorkerBackupAccount } from '../../cloud-init/worker/user-data.ts';
import { backupHome, generateSubaccountPassword } from '../hetzner/storage-box.ts';
import { MasterApiError } from '../master-client/errors.ts';
import { WORKER_TARGET, assertUserDataBudget } from '../../cloud-init/shared/budget.ts';
import { workerLabels, workerServerName, type ServerRole } from '../naming/labels.ts';
import type { PlanStep } from '../plan/types.ts';
import { resolveFleet, resolveProject } from '../spec/defaults.ts';
import type { FleetSpec, ProjectSpec } from '../spec/types.ts';
import type { Clock, GitHubApi, HetznerApi, Logger, MasterApi, StorageBoxApi } from './ports.ts';
import { smokeAfterApply, type SmokeRunner } from './smoke.ts';
import { reportStatus } from './status.ts';
import { waitHealthy } from './wait-healthy.ts';

/** The image every worker boots (cloud-init then installs the pinned stack): the one the bootstrap is written for. */
export const WORKER_IMAGE = SERVER_IMAGE;

export interface ApplyDeps {
  readonly master: MasterApi;
  readonly hetzner: HetznerApi;
  /** Needed when fleet.yaml sets `storage_box.id` (a backup sub-account per project). */
  readonly storageBox?: StorageBoxApi;
  readonly github?: GitHubApi;
  readonly clock: Clock;
  readonly log: Logger;
  /** When set, the master's smoke runs after health and routes (status `supafleet/<name>/smoke`). */
  readonly smoke?: SmokeRunner;
}

export interface ProvisionOptions {
  readonly fleet: FleetSpec;
  readonly spec: ProjectSpec;
  /** The plan step (create or update) this run carries out. */
  readonly step: PlanStep;
  /**
   * The master's WireGuard public key as the operator pinned it (empty: take the
   * master's own answer). Workers refuse an enrollment answer naming another key.
   */
  readonly masterWgPublicKey: string;
  /** How long a worker may take to report healthy. */
  readonly waitMs: number;
  readonly pollMs?: number;
  /** Commit that gets the status, and the link it carries (the run). */
  readonly status?: { readonly sha?: string; readonly url?: string };
}

export interface ProvisionResult {
  readonly project: string;
  readonly outcome: 'created' | 'updated' | 'failed';
  readonly revision?: number;
  readonly error?: string;
  /** What a failed run undid. */
  readonly undone: readonly string[];
  /** The smoke after the apply, when it ran (a failed smoke does not undo the project). */
  readonly smoke?: 'passed' | 'failed';
}

/** The URL workers enroll at: the master's public name under the fleet's domain. */
export function workerMasterUrl(fleet: FleetSpec): string {
  return `https://fleet.${fleet.domain}`;
}

const ROLE: ServerRole = 'worker';

/**
 * The master refuses a write-scope caller an enrollment token for a project whose worker has
 * enrolled (a new worker would replace it and receive the project's secrets): re-enrolling a
 * lost worker needs an admin token. The refusal is turned into a message that names the fix.
 */
function reenrollRefusal(name: string, err: unknown): unknown {
  if (!(err instanceof MasterApiError) || err.status !== 403) return err;
  return new Error(
    `${err.message}. The registry row of ${name} has an enrolled worker, so a new server for it is a ` +
      're-enrollment, which only an admin token may start: create one on the master ' +
      '(supafleet master token create --name reenroll --scope admin), store it as the secret ' +
      'SUPAFLEET_API_TOKEN of the production environment (apply.yml passes it to the provision step as ' +
      'api-token), re-run the apply, then delete the secret',
    { cause: err },
  );
}

export async function provisionProject(deps: ApplyDeps, opts: ProvisionOptions): Promise<ProvisionResult> {
  const { fleet, spec, step } = opts;
  const name = spec.name;
  const guard = { fleet: fleet.name, project: name, role: ROLE };
  let rowCreated = false;
  let createdServer: number | undefined;
  let createdSubaccount = false;
  let backupAccount: { box: number; id: number } | undefined;
  deps.log.info(`${name}: ${step.kind === 'create' ? 'creating' : `updating (${step.mode ?? 'in_place'})`}`);
  await reportStatus(deps, opts.status ?? {}, name, 'pending', `supafleet is applying ${name}`);
  try {
    let revision: number;
    if (step.kind === 'create') {
      const up = await deps.master.putProject(name, spec, { enrollmentToken: true }).catch((err: unknown) => {
        throw reenrollRefusal(name, err);
      });
      if (up.enrollment) deps.log.mask(up.enrollment.token);
      rowCreated = up.created;
      revision = up.project.revision;
      deps.log.info(
        `${name}: registry ${up.created ? 'row created' : 'row kept'} (revision ${revision}, wg ${up.project.wg_ip})`,
      );
      if (!up.enrollment) throw new Error(`the master sent no enrollment token for ${name}`);
      const masterWgPublicKey = pinnedMasterKey(opts.masterWgPublicKey, up.enrollment.master_wg_public_key);
      let backup: WorkerBackupAccount | undefined;
      if (fleet.storage_box.id !== undefined) {
        const account = await backupSubaccount(deps, fleet, name, step.server !== undefined);
        createdSubaccount = account.created;
        backupAccount = { box: fleet.storage_box.id, id: account.id };
        backup = account.backup;
      }
      const userData = renderWorkerUserData({
        fleet: resolveFleet(fleet),
        project: resolveProject(spec),
        enrollment: {
          token: up.enrollment.token,
          masterUrl: workerMasterUrl(fleet),
          masterWgPublicKey,
        },
        ...(backup ? { backup } : {}),
      });
      const bytes = assertUserDataBudget(userData.text, userData.parts);
      if (bytes > WORKER_TARGET) {
        deps.log.warn(`${name}: user_data is ${bytes} bytes, over the ${WORKER_TARGET}-byte worker target`);
      }
      const ensured = await deps.hetzner.ensureServer(
        {
          name: workerServerName(fleet.name, name),
          server_type: spec.server.type,
          image: WORKER_IMAGE,
          location: spec.server.location,
          labels: workerLabels(fleet.name, name),
          user_data: userData.text,
          public_net: { enable_ipv4: true, enable_ipv6: true },
        },
        guard,
      );
      // With no server at plan time, the server is this run's even when a lost response
      // made the create look like a lookup: a failure must undo it either way.
      if (ensured.created || step.server === undefined) createdServer = ensured.server.id;
      if (ensured.created) {
        deps.log.info(`${name}: server ${ensured.server.name} (id ${ensured.server.id}) created`);
        if (ensured.action) await deps.hetzner.waitForAction(ensured.action);
        deps.log.info(`${name}: server booted; waiting for the worker to enroll`);
      } else {
        deps.log.info(`${name}: server ${ensured.server.name} (id ${ensured.server.id}) already exists`);
      }
    } else if (step.kind === 'update') {
      if (step.mode === 'downtime') await resize(deps, opts);
      const up = await deps.master.putProject(name, spec);
      revision = up.project.revision;
      deps.log.info(`${name}: registry ${up.changed ? `now at revision ${revision}` : 'unchanged'}`);
    } else {
      throw new Error(`provisioning handles create and update steps, not ${step.kind} (${name})`);
    }
    await waitHealthy(deps, {
      name,
      revision,
      timeoutMs: opts.waitMs,
      ...(opts.pollMs ? { pollMs: opts.pollMs } : {}),
    });
    if (backupAccount && deps.storageBox) {
      // The worker installed its key at first boot; the password in its user_data dies here.
      await deps.storageBox.resetPassword(backupAccount.box, backupAccount.id, generateSubaccountPassword());
      deps.log.info(`${name}: backup sub-account's one-time password replaced`);
    }
    const routes = await deps.master.putRoutes(name);
    deps.log.info(
      `${name}: routes reconciled (${routes.created} created, ${routes.updated} updated, ${routes.deleted} deleted; ` +
        `${routes.calls.list + routes.calls.mutate} Kong calls)`,
    );
    await reportStatus(
      deps,
      opts.status ?? {},
      name,
      'success',
      `${name} is healthy at revision ${revision}`,
    );
    const smoke = deps.smoke
      ? await smokeAfterApply(
          { ...deps, smoke: deps.smoke },
          { name, ...(opts.status ? { status: opts.status } : {}) },
        )
      : undefined;
    return {
      project: name,
      outcome: step.kind === 'create' ? 'created' : 'updated',
      revision,
      undone: [],
      ...(smoke ? { smoke } : {}),
    };
  } catch (err) {
    const message = (err as Error).message;
    deps.log.error(`${name}: ${message}`);
    const undone = await compensate(deps, {
      name,
      guard,
      createdServer,
      rowCreated,
      ...(createdSubaccount && backupAccount ? { createdSubaccountBox: backupAccount.box } : {}),
    });
    await reportStatus(
      deps,
      opts.status ?? {},
      name,
      'failure',
      `${name} failed: ${message}${undone.length > 0 ? ` (undone: ${undone.join(', ')})` : ''}`,
    );
    return { project: name, outcome: 'failed', error: message, undone };
  }
}

/**
 * The project's own Storage Box sub-account (home `supafleet/<project>`), found by its
 * labels or created, with a one-time password for the new worker's first boot: the
 * creation's, or a fresh one set now when the sub-account already existed. When the
 * server already exists (a re-run), its worker may still be booting with the password it
 * was given, so the sub-account's password is left alone here (the user_data rendered
 * now is not used) and replaced only once that worker is healthy.
 */
async function backupSubaccount(
  deps: ApplyDeps,
  fleet: FleetSpec,
  name: string,
  serverExists: boolean,
): Promise<{ id: number; created: boolean; backup: WorkerBackupAccount }> {
  const box = fleet.storage_box.id!;
  if (!deps.storageBox) {
    throw new Error(
      `fleet.yaml sets storage_box.id ${box}, but apply has no Storage Box client; pass the Hetzner token`,
    );
  }
  const ensured = await deps.storageBox.ensureProjectSubaccount(box, fleet.name, name);
  let password = ensured.password;
  if (!password) {
    password = generateSubaccountPassword();
    if (!serverExists) await deps.storageBox.resetPassword(box, ensured.subaccount.id, password);
  }
  deps.log.mask(password.reveal());
  const sub = ensured.subaccount;
  deps.log.info(
    `${name}: backup sub-account ${sub.username} ${ensured.created ? 'created' : 'found'} (home ${backupHome(name)})`,
  );
  return {
    id: sub.id,
    created: ensured.created,
    backup: { user: sub.username, host: sub.server, password },
  };
}

/** A server type change: power off, change type (disk kept, so it can go back), power on. */
async function resize(deps: ApplyDeps, opts: ProvisionOptions): Promise<void> {
  const { step, spec, fleet } = opts;
  const server = step.server;
  if (!server) throw new Error(`${spec.name}: the plan names no server to resize`);
  const moved = step.changes.some((c) => c.path === '/server/location');
  if (moved) {
    throw new Error(
      `${spec.name}: moving a project to another location is not automated; ` +
        'restore a backup into a new project instead',
    );
  }
  const guard = { fleet: fleet.name, project: spec.name, role: ROLE };
  deps.log.info(`${spec.name}: resizing server ${server.name} to ${spec.server.type} (downtime)`);
  await deps.hetzner.waitForAction(await deps.hetzner.power(server.id, 'off'));
  await deps.hetzner.waitForAction(
    await deps.hetzner.changeServerType(server.id, spec.server.type, { upgradeDisk: false, guard }),
  );
  await deps.hetzner.waitForAction(await deps.hetzner.power(server.id, 'on'));
}

async function compensate(
  deps: ApplyDeps,
  c: {
    name: string;
    guard: { fleet: string; project: string; role: ServerRole };
    createdServer?: number;
    rowCreated: boolean;
    /** The Storage Box whose project sub-account this run created. */
    createdSubaccountBox?: number;
  },
): Promise<string[]> {
  const undone: string[] = [];
  if (c.createdSubaccountBox !== undefined && deps.storageBox) {
    try {
      await deps.storageBox.deleteProjectSubaccounts(c.createdSubaccountBox, c.guard.fleet, c.name);
      undone.push('backup sub-account');
      deps.log.info(`${c.name}: undo: backup sub-account deleted`);
    } catch (err) {
      deps.log.error(`${c.name}: undo: deleting the backup sub-account failed: ${(err as Error).message}`);
    }
  }
  if (c.createdServer !== undefined) {
    try {
      const action = await deps.hetzner.deleteServer(c.createdServer, c.guard);
      if (action) await deps.hetzner.waitForAction(action);
      undone.push(`server ${c.createdServer}`);
      deps.log.info(`${c.name}: undo: server ${c.createdServer} deleted`);
    } catch (err) {
      deps.log.error(`${c.name}: undo: deleting server ${c.createdServer} failed: ${(err as Error).message}`);
    }
  }
  if (c.rowCreated) {
    try {
      await deps.master.deleteProject(c.name);
      undone.push('registry row, peer and address');
      deps.log.info(`${c.name}: undo: registry row removed (peer and address released)`);
    } catch (err) {
      deps.log.error(`${c.name}: undo: removing the registry row failed: ${(err as Error).message}`);
    }
  }
  return undone;
}

/** The master key for user_data: the operator's pin when set, which must match what the master reports. */
export function pinnedMasterKey(pinned: string, reported: string): string {
  if (pinned === '') return reported;
  if (pinned !== reported) {
    throw new Error(
      `the master reports WireGuard public key ${reported}, but master-wg-public-key pins ${pinned}; ` +
        "check SUPAFLEET_MASTER_URL points at this fleet's master, or update the pinned key after a master rebuild",
    );
  }
  return pinned;
}
