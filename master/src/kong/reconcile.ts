import type { KongAdminClient } from './client.ts';
import type { DesiredEntity, KongProjectInput, KongState } from './desired.ts';
import { desiredKongState, projectOfTags, projectTag, SUPAFLEET_TAG } from './desired.ts';
import type { KongActual, KongOp, KongPlan } from './plan.ts';
import { actualKey, emptyActual, planKong } from './plan.ts';
import type { KongBodyMap, KongKind, KongTagFilter } from './types.ts';
import { KONG_KINDS } from './types.ts';

export { desiredKongState } from './desired.ts';
export type { KongProjectInput, KongState } from './desired.ts';

/** What a reconcile did. `calls.list` counts list pages fetched; `calls.mutate` PUTs and DELETEs. */
export interface ReconcileReport {
  created: number;
  updated: number;
  deleted: number;
  unchanged: number;
  calls: { list: number; mutate: number };
}

export interface ReconcileAllOptions {
  /** Projects applied at the same time. Default 4. */
  concurrency?: number;
}

function emptyReport(): ReconcileReport {
  return { created: 0, updated: 0, deleted: 0, unchanged: 0, calls: { list: 0, mutate: 0 } };
}

/** Wraps a client so every list page and every mutation is counted into `report`. */
function counting(client: KongAdminClient, report: ReconcileReport): KongAdminClient {
  return {
    list: (kind, filter, onPage) =>
      client.list(kind, filter, () => {
        report.calls.list++;
        onPage?.();
      }),
    get: (kind, key) => client.get(kind, key),
    async put(kind, target, body) {
      report.calls.mutate++;
      return client.put(kind, target, body);
    },
    async delete(kind, id) {
      report.calls.mutate++;
      return client.delete(kind, id);
    },
  };
}

/** Every entity of every kind matching the filter. */
async function listActual(client: KongAdminClient, filter: KongTagFilter): Promise<KongActual> {
  const actual = emptyActual();
  for (const kind of KONG_KINDS) {
    // One kind at a time: the listing is a handful of calls, and Kong's database serves the proxy too.
    (actual as Record<KongKind, unknown[]>)[kind] = await client.list(kind, filter);
  }
  return actual;
}

/**
 * The entities supafleet owns for one project: tagged both `supafleet` and `project-<name>`
 * (Kong's `,` in a tag filter means all of them). An entity carrying only the project tag was
 * not made by supafleet and is never touched.
 */
function ownedBy(project: string): KongTagFilter {
  return { tags: [SUPAFLEET_TAG, projectTag(project)], match: 'all' };
}

/** The body actually sent: only here does a credential's key leave its Secret. */
function wireBody(entity: DesiredEntity<KongKind>): KongBodyMap[KongKind] {
  if (entity.kind === 'key-auths') {
    const b = (entity as DesiredEntity<'key-auths'>).body;
    return { key: b.key.reveal(), tags: [...b.tags] };
  }
  return entity.body as KongBodyMap[KongKind];
}

function opLabel(op: KongOp): string {
  return op.type === 'put' ? `PUT ${op.kind} ${op.entity.key}` : `DELETE ${op.label}`;
}

/** Runs a plan's calls in order; the first failure stops it with the project and call named. */
async function applyPlan(
  client: KongAdminClient,
  project: string,
  plan: KongPlan,
  report: ReconcileReport,
): Promise<void> {
  report.unchanged += plan.unchanged;
  for (const op of plan.ops) {
    try {
      if (op.type === 'put') {
        const target =
          op.entity.parent === undefined
            ? { key: op.entity.key }
            : { key: op.entity.key, parent: op.entity.parent };
        await client.put(op.kind, target, wireBody(op.entity));
        if (op.reason === 'create') report.created++;
        else report.updated++;
      } else {
        await client.delete(op.kind, op.id);
        report.deleted++;
      }
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      throw new Error(`Kong reconcile of project "${project}" failed at ${opLabel(op)}: ${reason}`, {
        cause: err,
      });
    }
  }
}

/** Brings one project's Kong entities to the desired layout: lists by its tag, upserts, deletes extras. */
export async function reconcileProject(
  client: KongAdminClient,
  p: KongProjectInput,
): Promise<ReconcileReport> {
  const desired = desiredKongState(p);
  const report = emptyReport();
  const c = counting(client, report);
  const actual = await listActual(c, ownedBy(p.name));
  await applyPlan(c, p.name, planKong(desired, actual), report);
  return report;
}

/** Deletes every Kong entity tagged with the project. Idempotent. */
export async function removeProject(client: KongAdminClient, name: string): Promise<ReconcileReport> {
  const report = emptyReport();
  const c = counting(client, report);
  const actual = await listActual(c, ownedBy(name));
  await applyPlan(c, name, planKong(null, actual), report);
  return report;
}

/**
 * Reconciles every project at once from one tag-filtered listing (`supafleet`), and removes the
 * entities of projects that are not in the list. Entities tagged `supafleet` but with no
 * project tag are left alone. A project whose calls fail does not stop the others; the error
 * names every failed project.
 */
export async function reconcileAll(
  client: KongAdminClient,
  ps: readonly KongProjectInput[],
  options: ReconcileAllOptions = {},
): Promise<ReconcileReport> {
  const desired = new Map<string, KongState>();
  for (const p of ps) {
    if (desired.has(p.name)) throw new Error(`Kong reconcile: project "${p.name}" appears twice in the list`);
    desired.set(p.name, desiredKongState(p));
  }
  // Which project wants each endpoint key: an entity wanted by a project belongs to it even when
  // its tags say otherwise, so one project's delete can never race another's upsert.
  const owner = new Map<string, string>();
  for (const [name, state] of desired)
    for (const kind of KONG_KINDS) for (const d of state[kind]) owner.set(`${kind}:${d.key}`, name);

  const report = emptyReport();
  const c = counting(client, report);
  const all = await listActual(c, { tags: [SUPAFLEET_TAG] });
  const groups = new Map<string, KongActual>();
  for (const kind of KONG_KINDS) {
    for (const e of all[kind]) {
      const key = actualKey(kind, e);
      const project = (key !== null ? owner.get(`${kind}:${key}`) : undefined) ?? projectOfTags(e.tags);
      if (project === null) continue;
      let g = groups.get(project);
      if (!g) groups.set(project, (g = emptyActual()));
      (g[kind] as unknown[]).push(e);
    }
  }

  const jobs: { project: string; plan: KongPlan }[] = [];
  for (const [name, state] of desired)
    jobs.push({ project: name, plan: planKong(state, groups.get(name) ?? emptyActual()) });
  for (const [name, group] of groups)
    if (!desired.has(name)) jobs.push({ project: name, plan: planKong(null, group) });

  const failures: string[] = [];
  const errors: unknown[] = [];
  const concurrency = Math.max(1, Math.min(options.concurrency ?? 4, 32));
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < jobs.length) {
      const job = jobs[next++]!;
      try {
        await applyPlan(c, job.project, job.plan, report);
      } catch (err) {
        failures.push(job.project);
        errors.push(err);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, jobs.length) }, worker));
  if (failures.length > 0) {
    const first = errors[0] instanceof Error ? errors[0].message : String(errors[0]);
    throw new AggregateError(
      errors,
      `Kong reconcile failed for ${failures.length} project(s): ${failures.sort().join(', ')}; first: ${first}`,
    );
  }
  return report;
}
