/**
 * The planner: desired state (specs in git) against actual state (the master's registry
 * and the fleet's labelled Hetzner servers) → a deterministic plan. Pure: no I/O, no
 * clock, no secret values in the output.
 */
import { catalogue, serverType } from '../catalogue/catalogue.ts';
import { LABEL_FLEET, LABEL_PROJECT, LABEL_ROLE } from '../naming/labels.ts';
import { resolveProject } from '../spec/defaults.ts';
import { adminZoneProblem, defaultAdminDomain, hostInZone } from '../spec/rules/admin-zone.ts';
import type { ProjectSpec } from '../spec/types.ts';
import { diffFields } from './diff.ts';
import type {
  ActualProject,
  ActualServer,
  ActualState,
  DesiredState,
  FieldChange,
  Plan,
  PlanOptions,
  PlanStep,
  PlanWarning,
  StepKind,
} from './types.ts';

const round2 = (n: number): number => Math.round(n * 100) / 100;

function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

interface Context {
  readonly fleet: string;
  readonly domain: string;
  /** The admin zone: Authelia's cookie domain, which must hold no project host. */
  readonly adminDomain: string;
  readonly price: (serverType: string) => number;
  readonly warnings: PlanWarning[];
}

/**
 * The fleet's worker servers grouped by project label; the lowest id is the project's server.
 * Servers with the fleet label but without `supafleet/role=worker` and a project label are
 * only reported: the client deletes nothing that lacks the full label set, so neither does a plan.
 */
function groupServers(
  fleet: string,
  servers: readonly ActualServer[],
): { byProject: Map<string, ActualServer[]>; partial: ActualServer[] } {
  const byProject = new Map<string, ActualServer[]>();
  const partial: ActualServer[] = [];
  const mine = servers.filter((s) => s.labels[LABEL_FLEET] === fleet).sort((a, b) => a.id - b.id);
  for (const server of mine) {
    const role = server.labels[LABEL_ROLE];
    const project = server.labels[LABEL_PROJECT];
    if (role === 'master') continue;
    if (role !== 'worker' || project === undefined || project === '') {
      partial.push(server);
      continue;
    }
    const list = byProject.get(project) ?? [];
    list.push(server);
    byProject.set(project, list);
  }
  return { byProject, partial };
}

function serverRef(server: ActualServer | undefined): Pick<PlanStep, 'server'> {
  return server ? { server: { id: server.id, name: server.name } } : {};
}

function projectJson(spec: ProjectSpec): Record<string, unknown> {
  return JSON.parse(JSON.stringify(resolveProject(spec))) as Record<string, unknown>;
}

function createStep(
  ctx: Context,
  spec: ProjectSpec,
  server: ActualServer | undefined,
  row?: ActualProject,
): PlanStep {
  const want = resolveProject(spec);
  const notes = [
    `new ${want.server.type} server in ${want.server.location}, serving https://${want.subdomain}.${ctx.domain}`,
  ];
  if (row) {
    notes.push(
      `the registry has this project (revision ${row.revision}, ${row.status}) but no server carries its labels: ` +
        'the server is created again',
    );
    ctx.warnings.push({
      project: spec.name,
      message: `server of ${spec.name} is missing and will be created again`,
    });
  }
  if (server) {
    notes.push(
      `server ${server.name} (id ${server.id}) already carries this project's labels: provisioning adopts it`,
    );
    if (server.server_type !== want.server.type || server.location !== want.server.location) {
      notes.push(
        `that server is ${server.server_type} in ${server.location}; the spec asks for ` +
          `${want.server.type} in ${want.server.location}`,
      );
    }
  }
  return {
    kind: 'create',
    project: spec.name,
    changes: [],
    ...serverRef(server),
    destructive: false,
    notes,
    cost: { before: server ? ctx.price(server.server_type) : 0, after: ctx.price(want.server.type) },
  };
}

function updateStep(ctx: Context, spec: ProjectSpec, row: ActualProject, server: ActualServer): PlanStep {
  const want = resolveProject(spec);
  const had = resolveProject(row.spec);
  const changes: FieldChange[] = diffFields(projectJson(row.spec), projectJson(spec)).filter(
    (c) => !c.path.startsWith('/server/'),
  );
  // The server's real type and location win over the registry's copy of the spec (drift);
  // when the server already matches, a stale registry copy is still a (registry-only) change.
  for (const field of ['type', 'location'] as const) {
    const real = field === 'type' ? server.server_type : server.location;
    const from = real !== want.server[field] ? real : had.server[field];
    if (from !== want.server[field]) {
      changes.push({
        path: `/server/${field}`,
        before: JSON.stringify(from),
        after: JSON.stringify(want.server[field]),
      });
    }
  }
  changes.sort((a, b) => byName(a.path, b.path));
  const notes: string[] = [];
  const typeChanged = server.server_type !== want.server.type;
  const moved = server.location !== want.server.location;
  const cost = { before: ctx.price(server.server_type), after: ctx.price(want.server.type) };
  if (had.server.type !== server.server_type || had.server.location !== server.location) {
    notes.push(
      `drift: the server is ${server.server_type} in ${server.location}, the registry says ` +
        `${had.server.type} in ${had.server.location}`,
    );
  }
  if (row.status !== 'healthy') notes.push(`current status: ${row.status}`);
  if (changes.length === 0) {
    return {
      kind: 'noop',
      project: spec.name,
      changes,
      ...serverRef(server),
      destructive: false,
      notes,
      cost,
    };
  }
  if (moved && had.protect) {
    notes.push(
      `moving from ${server.location} to ${want.server.location} replaces the server, and the applied spec has ` +
        'protect: true; merge protect: false first',
    );
    ctx.warnings.push({
      project: spec.name,
      message: `${spec.name} is protected: the location change is blocked`,
    });
    return {
      kind: 'blocked',
      project: spec.name,
      mode: 'downtime',
      changes,
      ...serverRef(server),
      destructive: true,
      notes,
      cost: { before: cost.before, after: cost.before },
    };
  }
  if (moved) {
    notes.push(
      `moving from ${server.location} to ${want.server.location} replaces the server: ` +
        'a final backup is taken and restored on the new server',
    );
    ctx.warnings.push({
      project: spec.name,
      message: `${spec.name} moves to ${want.server.location}: server ${server.name} is replaced (downtime, data restored from backup)`,
    });
  } else if (typeChanged) {
    notes.push(
      `server type ${server.server_type} → ${want.server.type}: the server is stopped, resized and started`,
    );
    ctx.warnings.push({
      project: spec.name,
      message: `${spec.name} changes server type ${server.server_type} → ${want.server.type}: a few minutes of downtime`,
    });
    const from = serverType(server.server_type);
    const to = serverType(want.server.type);
    if (from && to && to.disk_gb < from.disk_gb) {
      notes.push(
        `${want.server.type} has a smaller disk (${from.disk_gb} → ${to.disk_gb} GB): possible only while the disk was never upgraded`,
      );
    }
  }
  if (want.subdomain !== had.subdomain) {
    notes.push(
      `routes move from https://${had.subdomain}.${ctx.domain} to https://${want.subdomain}.${ctx.domain}`,
    );
  }
  if (had.protect && !want.protect)
    notes.push('protection is turned off: a later pull request can delete this project');
  return {
    kind: 'update',
    project: spec.name,
    mode: moved || typeChanged ? 'downtime' : 'in_place',
    changes,
    ...serverRef(server),
    destructive: moved,
    notes,
    cost,
  };
}

/**
 * A project whose host lies in the admin zone would receive the admins' login cookie
 * (and its code sees cookies: PostgREST passes them to SQL). Validation refuses such a
 * layout; the plan refuses it again, so no apply can serve that host.
 */
function adminOverlapStep(ctx: Context, spec: ProjectSpec, server: ActualServer | undefined): PlanStep {
  const host = `${resolveProject(spec).subdomain}.${ctx.domain}`;
  ctx.warnings.push({
    project: spec.name,
    message: `${spec.name} is blocked: its host ${host} lies in the admin zone ${ctx.adminDomain}`,
  });
  const zoneProblem = adminZoneProblem(ctx.domain, ctx.adminDomain);
  const price = server ? ctx.price(server.server_type) : 0;
  return {
    kind: 'blocked',
    project: spec.name,
    changes: [],
    ...serverRef(server),
    destructive: false,
    notes: [
      `https://${host} lies in the admin zone ${ctx.adminDomain}, where Authelia's login cookie is sent: ` +
        "project code could read the admins' session; " +
        (zoneProblem !== undefined
          ? `set admin_domain in fleet.yaml to a zone of its own (${zoneProblem})`
          : 'give the project another subdomain'),
    ],
    cost: { before: price, after: price },
  };
}

function deleteStep(ctx: Context, row: ActualProject, server: ActualServer | undefined): PlanStep {
  const had = resolveProject(row.spec);
  const price = server ? ctx.price(server.server_type) : 0;
  const serverText = server
    ? `server ${server.name} (id ${server.id})`
    : 'no server (none carries its labels)';
  if (had.protect) {
    ctx.warnings.push({
      project: row.name,
      message: `${row.name} is protected (protect: true): its deletion is blocked`,
    });
    return {
      kind: 'blocked',
      project: row.name,
      changes: [],
      ...serverRef(server),
      destructive: true,
      notes: [
        'the applied spec has protect: true; merge a change setting protect: false first, then delete the file',
      ],
      cost: { before: price, after: price },
    };
  }
  ctx.warnings.push({
    project: row.name,
    message: `${row.name} is deleted: ${serverText} and all its data go away (a final backup runs first)`,
  });
  return {
    kind: 'delete',
    project: row.name,
    changes: [],
    ...serverRef(server),
    destructive: true,
    notes: [`final backup, routes and peer removed, ${serverText} deleted, registry row tombstoned`],
    cost: { before: price, after: 0 },
  };
}

function orphanStep(ctx: Context, server: ActualServer, why: string): PlanStep {
  const project = server.labels[LABEL_PROJECT] || server.name;
  ctx.warnings.push({
    project,
    message: `orphan server ${server.name} (id ${server.id}) carries this fleet's labels and is deleted`,
  });
  return {
    kind: 'delete',
    project,
    changes: [],
    server: { id: server.id, name: server.name },
    orphan: true,
    destructive: true,
    notes: [why],
    cost: { before: ctx.price(server.server_type), after: 0 },
  };
}

const KIND_ORDER: Record<StepKind, number> = { blocked: 0, delete: 1, update: 2, create: 3, noop: 4 };

/** Plans the changes that bring actual state to desired state. */
export function plan(desired: DesiredState, actual: ActualState, options: PlanOptions = {}): Plan {
  const fleet = desired.fleet.name;
  const unpriced = new Set<string>();
  const lookup = options.prices ?? ((t: string) => serverType(t)?.price_monthly);
  const price = (t: string): number => {
    const p = lookup(t);
    if (p === undefined) {
      unpriced.add(t);
      return 0;
    }
    return p;
  };
  const domain = desired.fleet.domain;
  const adminDomain = desired.fleet.admin_domain ?? defaultAdminDomain(domain);
  const ctx: Context = { fleet, domain, adminDomain, price, warnings: [] };

  if (desired.fleet.storage_box.shared_credential === true) {
    ctx.warnings.push({
      project: 'fleet.yaml',
      message:
        'storage_box.shared_credential is true: every worker holds the Storage Box main account, which can read ' +
        "and delete every project's backups and the master's; set storage_box.id instead (and re-create the " +
        'workers) to give each project its own sub-account',
    });
  }

  const wanted = new Map<string, ProjectSpec>();
  for (const spec of desired.projects) {
    if (wanted.has(spec.name)) throw new Error(`project "${spec.name}" appears twice in the desired state`);
    wanted.set(spec.name, spec);
  }
  const rows = new Map<string, ActualProject>();
  const tombstoned = new Set<string>();
  for (const row of actual.projects) {
    if (row.status === 'deleted') tombstoned.add(row.name);
    else rows.set(row.name, row);
  }
  const { byProject, partial } = groupServers(fleet, actual.servers);

  const steps: PlanStep[] = [];
  const names = [...new Set([...wanted.keys(), ...rows.keys()])].sort(byName);
  for (const name of names) {
    const spec = wanted.get(name);
    const row = rows.get(name);
    const servers = byProject.get(name) ?? [];
    const server = servers[0];
    for (const extra of servers.slice(1)) {
      steps.push(
        orphanStep(
          ctx,
          extra,
          `duplicate: ${server!.name} (id ${server!.id}) is this project's server; this one is extra`,
        ),
      );
    }
    if (spec && hostInZone(`${resolveProject(spec).subdomain}.${domain}`, adminDomain)) {
      steps.push(adminOverlapStep(ctx, spec, server));
    } else if (spec && !row) steps.push(createStep(ctx, spec, server));
    else if (spec && row && !server) steps.push(createStep(ctx, spec, undefined, row));
    else if (spec && row && server) steps.push(updateStep(ctx, spec, row, server));
    else if (!spec && row) steps.push(deleteStep(ctx, row, server));
  }
  for (const [project, servers] of byProject) {
    if (wanted.has(project) || rows.has(project)) continue;
    for (const server of servers) {
      const why = tombstoned.has(project)
        ? `left behind by project ${project}, which the registry lists as deleted`
        : "carries this fleet's labels, but no spec and no registry row name its project";
      steps.push(orphanStep(ctx, server, why));
    }
  }
  for (const server of partial) {
    ctx.warnings.push({
      project: server.name,
      message:
        `server ${server.name} (id ${server.id}) carries ${LABEL_FLEET}=${fleet} without ${LABEL_ROLE}=worker ` +
        `and ${LABEL_PROJECT}: supafleet leaves it alone; delete it in the Hetzner console if it is not needed`,
    });
  }

  steps.sort(
    (a, b) =>
      byName(a.project, b.project) ||
      Number(a.orphan ?? false) - Number(b.orphan ?? false) ||
      KIND_ORDER[a.kind] - KIND_ORDER[b.kind] ||
      (a.server?.id ?? 0) - (b.server?.id ?? 0),
  );
  const warnings = [...ctx.warnings].sort(
    (a, b) => byName(a.project, b.project) || byName(a.message, b.message),
  );
  const count = (kind: StepKind): number => steps.filter((s) => s.kind === kind).length;
  const summary = {
    create: count('create'),
    update: count('update'),
    delete: count('delete'),
    noop: count('noop'),
    blocked: count('blocked'),
  };
  const master = price(desired.fleet.master.server.type);
  return {
    fleet,
    steps,
    warnings,
    summary,
    cost: {
      currency: options.currency ?? catalogue.currency,
      before: round2(steps.reduce((sum, s) => sum + s.cost.before, 0)),
      after: round2(steps.reduce((sum, s) => sum + s.cost.after, 0)),
      master: round2(master),
      unpriced: [...unpriced].sort(byName),
    },
    ok: summary.blocked === 0,
    has_changes: summary.create + summary.update + summary.delete > 0,
  };
}
