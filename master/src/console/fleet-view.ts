import { catalogue, serverType } from '../../../core/catalogue/catalogue.ts';
import type { ProjectView } from '../../../core/master-client/types.ts';
import { SUPAFLEET_VERSION } from '../../../core/version.ts';
import type { MasterCheck } from './probes.ts';

/** The last backup of a project as the console shows it (no paths, no keys). */
export interface ConsoleBackup {
  readonly state: 'running' | 'succeeded' | 'failed';
  /** When it finished (or started, while running), RFC 3339. */
  readonly at: string;
  readonly age_s: number;
  readonly snapshot_id: string | null;
  /** Where the console learnt it: the agent's heartbeat (scheduled and manual) or a command the master sent. */
  readonly source: 'heartbeat' | 'command';
}

/** One row of the Fleet page. Only what an operator with a read token may see: no spec, no secret. */
export interface ConsoleProject {
  readonly name: string;
  readonly url: string;
  readonly health: {
    readonly state: ProjectView['health']['state'];
    readonly reasons: readonly string[];
  };
  readonly heartbeat_age_s: number | null;
  readonly desired_revision: number;
  readonly applied_revision: number | null;
  readonly wireguard: {
    readonly state: 'connected' | 'stale' | 'missing' | 'not enrolled' | 'unknown';
    readonly handshake_age_s: number | null;
  };
  readonly server: { readonly type: string | null; readonly location: string | null };
  /** Monthly price of the server type from the catalogue; null when the type is unknown. */
  readonly monthly_cost: number | null;
  readonly backup: ConsoleBackup | null;
}

/** The master itself: its API answered, the registry answered, and each check of its parts. */
export interface ConsoleMaster {
  readonly state: 'healthy' | 'degraded';
  /** One line per failed check, `<name>: <detail>`. */
  readonly reasons: readonly string[];
  readonly version: string;
  /** WireGuard, Kong, …: each with a short detail (a count, a version) or why it failed. */
  readonly checks: readonly MasterCheck[];
}

export interface ConsoleFleet {
  readonly fleet: { readonly name: string; readonly domain: string };
  readonly generated_at: string;
  readonly currency: string;
  readonly projects: readonly ConsoleProject[];
  readonly totals: {
    readonly projects: number;
    readonly by_state: Readonly<Record<string, number>>;
    readonly monthly_cost: number;
  };
  readonly master: ConsoleMaster;
}

/** A handshake older than this (seconds) makes the peer "stale"; WireGuard re-handshakes every 2 minutes. */
export const STALE_HANDSHAKE_S = 180;

function wireguardOf(v: ProjectView): ConsoleProject['wireguard'] {
  const age = v.health.wg_handshake_age_s;
  if (!v.enrolled) return { state: 'not enrolled', handshake_age_s: null };
  if (v.health.reasons.includes('WireGuard peer missing on the master'))
    return { state: 'missing', handshake_age_s: null };
  if (age === null) return { state: 'unknown', handshake_age_s: null };
  return { state: age >= STALE_HANDSHAKE_S ? 'stale' : 'connected', handshake_age_s: age };
}

function serverOf(v: ProjectView): { type: string | null; location: string | null } {
  const s = (v.spec as { server?: { type?: unknown; location?: unknown } } | undefined)?.server;
  return {
    type: typeof s?.type === 'string' ? s.type : null,
    location: typeof s?.location === 'string' ? s.location : null,
  };
}

/** One project's row of the Fleet page (also the head of its Project page). Pure. */
export function consoleProject(v: ProjectView, backup: ConsoleBackup | null): ConsoleProject {
  const server = serverOf(v);
  const price = server.type === null ? undefined : serverType(server.type)?.price_monthly;
  return {
    name: v.name,
    url: `https://${v.host}`,
    health: { state: v.health.state, reasons: [...v.health.reasons] },
    heartbeat_age_s: v.health.heartbeat_age_s,
    desired_revision: v.revision,
    applied_revision: v.health.applied_revision,
    wireguard: wireguardOf(v),
    server,
    monthly_cost: price ?? null,
    backup,
  };
}

/** Rounds money to cents so totals do not show float noise. */
const cents = (n: number): number => Math.round(n * 100) / 100;

/**
 * The Fleet page's data from the registry's views. Pure: the caller reads the registry and the
 * peers. Active projects only, sorted by name; the spec itself is never copied (it may hold sealed
 * values, and the console needs only the server).
 */
export function fleetView(input: {
  readonly fleet: { readonly name: string; readonly domain: string };
  readonly now: Date;
  readonly projects: readonly ProjectView[];
  readonly backups: ReadonlyMap<string, ConsoleBackup | null>;
  readonly master: { readonly checks: readonly MasterCheck[] };
}): ConsoleFleet {
  const projects = input.projects
    .filter((v) => v.status === 'active')
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((v) => consoleProject(v, input.backups.get(v.name) ?? null));
  const byState: Record<string, number> = {};
  for (const p of projects) byState[p.health.state] = (byState[p.health.state] ?? 0) + 1;
  return {
    fleet: { name: input.fleet.name, domain: input.fleet.domain },
    generated_at: input.now.toISOString(),
    currency: catalogue.currency,
    projects,
    totals: {
      projects: projects.length,
      by_state: byState,
      monthly_cost: cents(projects.reduce((sum, p) => sum + (p.monthly_cost ?? 0), 0)),
    },
    master: masterOf(input.master.checks),
  };
}

function masterOf(checks: readonly MasterCheck[]): ConsoleMaster {
  const reasons = checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`);
  return {
    state: reasons.length === 0 ? 'healthy' : 'degraded',
    reasons,
    version: SUPAFLEET_VERSION,
    checks: checks.map((c) => ({ name: c.name, ok: c.ok, detail: c.detail })),
  };
}

/**
 * The newer of the last backup the agent reports in its heartbeat (`backup` in
 * heartbeat.schema.json: scheduled and manual backups, once finished) and the newest backup the
 * master started (running until the agent posts its result). Null when neither exists.
 */
export function lastBackup(
  reported: unknown,
  started:
    | { state: ConsoleBackup['state']; startedAt: Date; finishedAt: Date | null; snapshotId: string | null }
    | undefined,
  now: Date,
): ConsoleBackup | null {
  const age = (d: Date): number => Math.max(0, Math.floor((now.getTime() - d.getTime()) / 1000));
  let fromHeartbeat: ConsoleBackup | null = null;
  const r = reported as
    { success?: unknown; finished_at?: unknown; snapshot_id?: unknown } | null | undefined;
  if (r && typeof r === 'object' && typeof r.success === 'boolean' && typeof r.finished_at === 'string') {
    const at = new Date(r.finished_at);
    if (!Number.isNaN(at.getTime())) {
      fromHeartbeat = {
        state: r.success ? 'succeeded' : 'failed',
        at: at.toISOString(),
        age_s: age(at),
        snapshot_id: typeof r.snapshot_id === 'string' ? r.snapshot_id : null,
        source: 'heartbeat',
      };
    }
  }
  if (!started) return fromHeartbeat;
  const at = started.finishedAt ?? started.startedAt;
  const fromCommand: ConsoleBackup = {
    state: started.state,
    at: at.toISOString(),
    age_s: age(at),
    snapshot_id: started.snapshotId,
    source: 'command',
  };
  return fromHeartbeat && fromHeartbeat.at >= fromCommand.at ? fromHeartbeat : fromCommand;
}
