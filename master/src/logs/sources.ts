/**
 * Logflare's sources and how a worker's events are stamped with their project.
 *
 * Logflare (v1.31.2) in single-tenant Supabase mode creates exactly the sources in
 * `lib/logflare/single_tenant.ex:47-57`, and Studio's log views query them by name.
 * Workers may write only the sources of the services a worker runs; the master
 * writes `cloudflare.logs.prod` (Kong) itself. Every project shares these sources,
 * so the project is stamped into each event here, from the caller's credential,
 * in the fields Supabase's own Vector config puts it (supabase/supabase
 * docker/volumes/logs/vector.yml @03d712b1:17,105,113-114,126,133-134,149): whatever the event
 * said about its project is overwritten.
 */

/** The sources Logflare creates in Supabase mode (single_tenant.ex:47-57). */
export const LOGFLARE_SUPABASE_SOURCES = [
  'cloudflare.logs.prod',
  'postgres.logs',
  'deno-relay-logs',
  'deno-subhosting-events',
  'gotrue.logs.prod',
  'realtime.logs.prod',
  'storage.logs.prod.2',
  'postgREST.logs.prod',
  'pgbouncer.logs.prod',
] as const;

export type LogflareSource = (typeof LOGFLARE_SUPABASE_SOURCES)[number];

type Event = Record<string, unknown>;

function metadataOf(event: Event): Event {
  const m = event.metadata;
  if (typeof m === 'object' && m !== null && !Array.isArray(m)) return m as Event;
  const fresh: Event = {};
  event.metadata = fresh;
  return fresh;
}

/**
 * Per worker source: where the project goes (upstream vector.yml, line cited). Every
 * event also carries a top-level `project`, so one filter works across all sources.
 */
const STAMPS = {
  // :17 (auth keeps upstream's top-level .project)
  'gotrue.logs.prod': () => undefined,
  // :105 `.metadata.host = .project`
  'postgREST.logs.prod': (m: Event, p: string) => void (m.host = p),
  // :113-114 `.metadata.project`, `.metadata.external_id`
  'realtime.logs.prod': (m: Event, p: string) => {
    m.project = p;
    m.external_id = p;
  },
  // :133-134 `.metadata.project`, `.metadata.tenantId`
  'storage.logs.prod.2': (m: Event, p: string) => {
    m.project = p;
    m.tenantId = p;
  },
  // :126 `.metadata.project_ref`
  'deno-relay-logs': (m: Event, p: string) => void (m.project_ref = p),
  // :149 `.metadata.host = "db-default"`: "default" is upstream's one project
  'postgres.logs': (m: Event, p: string) => void (m.host = `db-${p}`),
} as const satisfies Partial<Record<LogflareSource, (m: Event, project: string) => void>>;

/** The sources a worker may write through the master. */
export type WorkerSource = keyof typeof STAMPS;
export const WORKER_SOURCES = Object.keys(STAMPS).sort() as readonly WorkerSource[];

export function isWorkerSource(name: string): name is WorkerSource {
  return Object.prototype.hasOwnProperty.call(STAMPS, name);
}

/** The event with its project fields set to `project`, whatever it claimed (a new object). */
export function stampEvent(source: WorkerSource, event: Event, project: string): Event {
  const out: Event = { ...event };
  if (typeof out.metadata === 'object' && out.metadata !== null && !Array.isArray(out.metadata)) {
    out.metadata = { ...(out.metadata as Event) };
  } else {
    delete out.metadata;
  }
  out.project = project;
  STAMPS[source](metadataOf(out), project);
  return out;
}
