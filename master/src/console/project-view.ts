import type { ProjectView } from '../../../core/master-client/types.ts';
import type { FleetSpec } from '../../../core/spec/types.ts';
import { hasScope, type Scope } from '../auth/principal.ts';
import { FRESH_S } from '../health.ts';
import type { HeartbeatService, RecentHeartbeat } from '../registry/queries.ts';
import { consoleProject, lastBackup, type ConsoleProject } from './fleet-view.ts';
import { studioLink } from './studio-link.ts';

/** How many heartbeats the Project page's timeline shows (30 minutes at one every 30 s). */
export const TIMELINE_LENGTH = 60;
/** How many backups the Project page lists. */
export const BACKUPS_LENGTH = 20;

/** One service as the last heartbeat reported it. */
export interface ConsoleService {
  readonly name: string;
  readonly state: HeartbeatService['state'];
  readonly detail: string | null;
  readonly latency_ms: number | null;
}

/** One heartbeat of the timeline: what it said, in one word and its reasons. */
export interface ConsoleBeat {
  readonly at: string;
  readonly age_s: number;
  /** healthy: every service healthy and the apply went through; degraded: anything else. */
  readonly state: 'healthy' | 'degraded';
  /** `rest unhealthy`, `revision 3 failed to apply`, `no services reported`. */
  readonly reasons: readonly string[];
  /** The revision the worker ran. */
  readonly revision: number | null;
  /** Seconds since the heartbeat before it, when longer than a fresh heartbeat allows (the worker was silent). */
  readonly silent_before_s: number | null;
}

/** One backup in the Project page's list (no path, no key). */
export interface ConsoleBackupEntry {
  readonly state: 'running' | 'succeeded' | 'failed';
  /** When it finished, or started while running (RFC 3339). */
  readonly at: string;
  readonly age_s: number;
  readonly snapshot_id: string | null;
  readonly duration_s: number | null;
  readonly size_bytes: number | null;
  readonly error: string | null;
  /** master: started through the master (console, API, workflow); agent: reported by the agent (its schedule). */
  readonly source: 'master' | 'agent';
}

/** What the caller's scope lets it do on the page; the buttons say what they need otherwise. */
export interface ConsoleAbilities {
  readonly scope: Scope;
  readonly backup: boolean;
  readonly restart: boolean;
  readonly reveal: boolean;
}

/**
 * The Project page's data. Nothing secret but the anon key, which Supabase gives to every browser
 * of the project's apps; the service key and the database password come only from the
 * admin-only, audit-logged credentials call, on an explicit click.
 */
export interface ConsoleProjectPage {
  readonly generated_at: string;
  readonly project: ConsoleProject;
  readonly services: readonly ConsoleService[];
  /** Age of the heartbeat the services come from; null without one. */
  readonly services_age_s: number | null;
  /** Newest first, at most TIMELINE_LENGTH. */
  readonly timeline: readonly ConsoleBeat[];
  /** Newest first, at most BACKUPS_LENGTH. */
  readonly backups: readonly ConsoleBackupEntry[];
  readonly connection: { readonly api_url: string; readonly anon_key: string };
  readonly studio_url: string;
  /** The project's file on GitHub, when fleet.yaml names the repository. */
  readonly repository_file_url: string | null;
  readonly can: ConsoleAbilities;
}

/** A backup the master started, as `listBackups` gives it. */
export interface StartedBackup {
  readonly state: ConsoleBackupEntry['state'];
  readonly started_at: string;
  readonly finished_at: string | null;
  readonly duration_s: number | null;
  readonly snapshot_id: string | null;
  readonly size_bytes: number | null;
  readonly error: string | null;
}

const REPOSITORY = /^[A-Za-z0-9][A-Za-z0-9-]{0,38}\/[A-Za-z0-9._-]{1,100}$/;

/** `https://github.com/<owner>/<repo>/blob/main/projects/<name>.yaml`, or null when the repository is unknown. */
export function repositoryFileUrl(repository: string | undefined, project: string): string | null {
  if (repository === undefined || !REPOSITORY.test(repository)) return null;
  return `https://github.com/${repository}/blob/main/projects/${encodeURIComponent(project)}.yaml`;
}

const ageOf = (now: Date, d: Date): number => Math.max(0, Math.floor((now.getTime() - d.getTime()) / 1000));

/** The heartbeats (newest first) as the timeline shows them. */
export function heartbeatTimeline(beats: readonly RecentHeartbeat[], now: Date): ConsoleBeat[] {
  return beats.slice(0, TIMELINE_LENGTH).map((b, i): ConsoleBeat => {
    const reasons: string[] = [];
    if (b.apply?.state === 'failed') reasons.push(`revision ${b.apply.revision} failed to apply`);
    const services = b.services ?? [];
    if (services.length === 0) reasons.push('no services reported');
    for (const s of services) if (s.state !== 'healthy') reasons.push(`${s.name} ${s.state}`);
    const older = beats[i + 1];
    const gap = older ? ageOf(b.receivedAt, older.receivedAt) : null;
    const running =
      b.apply === null
        ? null
        : b.apply.state === 'applied'
          ? b.apply.revision
          : (b.apply.running_revision ?? null);
    return {
      at: b.receivedAt.toISOString(),
      age_s: ageOf(now, b.receivedAt),
      state: reasons.length === 0 ? 'healthy' : 'degraded',
      reasons,
      revision: running !== null && running > 0 ? running : null,
      silent_before_s: gap !== null && gap >= FRESH_S ? gap : null,
    };
  });
}

/**
 * The backups the master started and the last one the agent reported (its schedule's), newest
 * first. The agent's report of a backup the master started (same snapshot) is not listed twice.
 */
export function backupEntries(
  started: readonly StartedBackup[],
  reported: unknown,
  now: Date,
): ConsoleBackupEntry[] {
  const entries = started.map((b): ConsoleBackupEntry => {
    const at = new Date(b.finished_at ?? b.started_at);
    return {
      state: b.state,
      at: at.toISOString(),
      age_s: ageOf(now, at),
      snapshot_id: b.snapshot_id,
      duration_s: b.duration_s,
      size_bytes: b.size_bytes,
      error: b.error,
      source: 'master',
    };
  });
  const last = lastBackup(reported, undefined, now);
  const r = reported as { duration_s?: unknown; size_bytes?: unknown; error?: unknown } | null;
  if (last && !(last.snapshot_id !== null && entries.some((e) => e.snapshot_id === last.snapshot_id))) {
    entries.push({
      state: last.state,
      at: last.at,
      age_s: last.age_s,
      snapshot_id: last.snapshot_id,
      duration_s: typeof r?.duration_s === 'number' ? r.duration_s : null,
      size_bytes: typeof r?.size_bytes === 'number' ? r.size_bytes : null,
      error: typeof r?.error === 'string' ? r.error : null,
      source: 'agent',
    });
  }
  return entries.sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0)).slice(0, BACKUPS_LENGTH);
}

/** The Project page's data from the registry's reads. Pure: the caller reads the registry. */
export function projectPageView(input: {
  readonly fleet: Pick<FleetSpec, 'domain' | 'admin_domain' | 'github'>;
  readonly now: Date;
  readonly view: ProjectView;
  readonly heartbeats: readonly RecentHeartbeat[];
  readonly backups: readonly StartedBackup[];
  readonly reportedBackup: unknown;
  readonly anonKey: string;
  readonly scope: Scope;
}): ConsoleProjectPage {
  const { now, view } = input;
  const backups = backupEntries(input.backups, input.reportedBackup, now);
  const newest = backups[0];
  const latest = input.heartbeats[0];
  const services = [...(latest?.services ?? [])]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((s) => ({
      name: s.name,
      state: s.state,
      detail: s.detail ?? null,
      latency_ms: s.latency_ms ?? null,
    }));
  return {
    generated_at: now.toISOString(),
    project: consoleProject(
      view,
      newest
        ? {
            state: newest.state,
            at: newest.at,
            age_s: newest.age_s,
            snapshot_id: newest.snapshot_id,
            source: newest.source === 'master' ? 'command' : 'heartbeat',
          }
        : null,
    ),
    services,
    services_age_s: latest ? ageOf(now, latest.receivedAt) : null,
    timeline: heartbeatTimeline(input.heartbeats, now),
    backups,
    connection: { api_url: `https://${view.host}`, anon_key: input.anonKey },
    studio_url: studioLink(input.fleet, view.name),
    repository_file_url: repositoryFileUrl(input.fleet.github.repository, view.name),
    can: {
      scope: input.scope,
      backup: hasScope({ scope: input.scope, actor: { kind: 'cli' } }, 'backup'),
      restart: hasScope({ scope: input.scope, actor: { kind: 'cli' } }, 'write'),
      reveal: hasScope({ scope: input.scope, actor: { kind: 'cli' } }, 'admin'),
    },
  };
}
