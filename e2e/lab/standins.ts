import { createRequire } from 'node:module';
import { parse } from 'yaml';
import type { BundleRenderer } from '../../master/src/bundle.ts';
import { defaultBundleRenderer } from '../../master/src/bundle.ts';

/**
 * The stand-in services a lab worker runs instead of the Supabase containers. The
 * lab's master renders the real bundle and adds `standins.json` and `probes.json`,
 * so the real agent runs them with its process runtime. Every service runs the
 * stand-in program (standins/main.ts, bundled once per lab): auth, rest, storage,
 * functions and realtime speak the subset of their protocol supabase-js uses
 * (standins/README.md), `meta` is the real @supabase/postgres-meta, and rest and
 * meta work on the worker's own database on the lab's Postgres. Each answers its
 * health probe on 127.0.0.1 and listens on the worker's wg address too; `GET /`
 * of rest answers `{service, project, revision, stand_in}`.
 */

/**
 * Stands in for the bundle's backup/backup.sh (restic to the Storage Box): records
 * a successful snapshot in the status file the agent reads, so a final backup
 * before a teardown succeeds without a Storage Box.
 */
export const LAB_BACKUP_SCRIPT = `#!/bin/sh
# supafleet lab: stand-in backup (no restic, no Storage Box)
set -eu
now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
printf '{"success":true,"finished_at":"%s","duration_s":0,"snapshot_id":"lab-%s","size_bytes":0,"error":null}\\n' "$now" "$(date -u +%s)" > "$BACKUP_STATUS_FILE"
`;

/** Service → port, as the real stack publishes them on the wg address. */
export const LAB_SERVICES: Readonly<Record<string, number>> = {
  auth: 9999,
  db: 5432,
  functions: 9000,
  meta: 8080,
  realtime: 4000,
  rest: 3000,
  storage: 5000,
};

/** Where the stand-ins come from and where the workers' databases live. */
export interface LabStandinSettings {
  /** The bundled stand-in program (absolute path; standins/build.ts). */
  readonly program: string;
  /** @supabase/postgres-meta's app factory (absolute path). */
  readonly pgMetaApp: string;
  /** The lab's Postgres: its unix socket directory and port. */
  readonly postgres: { readonly socketDir: string; readonly port: number };
}

/** The path of postgres-meta's app factory in this repository's node_modules. */
export function pgMetaAppPath(): string {
  return createRequire(import.meta.url).resolve('@supabase/postgres-meta/dist/server/app.js');
}

/** The name of a worker's own database on the lab's Postgres. */
export function labWorkerDatabase(project: string): string {
  return `lab_${project.replaceAll('-', '_')}`;
}

/** Settings passed to the lab's master process through its environment. */
export function labSettingsEnv(s: LabStandinSettings): Record<string, string> {
  return {
    LAB_STANDIN_PROGRAM: s.program,
    LAB_PG_META_APP: s.pgMetaApp,
    LAB_PG_SOCKET_DIR: s.postgres.socketDir,
    LAB_PG_PORT: String(s.postgres.port),
  };
}

export function labSettingsFromEnv(env: NodeJS.ProcessEnv): LabStandinSettings {
  const need = (k: string): string => {
    const v = env[k];
    if (!v) throw new Error(`${k} is not set; the lab's master needs it for the stand-ins`);
    return v;
  };
  return {
    program: need('LAB_STANDIN_PROGRAM'),
    pgMetaApp: need('LAB_PG_META_APP'),
    postgres: { socketDir: need('LAB_PG_SOCKET_DIR'), port: Number(need('LAB_PG_PORT')) },
  };
}

/** Environment values of one service in the rendered compose file (non-secret settings the stand-ins mirror). */
function composeEnv(compose: string | undefined, service: string): Record<string, string> {
  if (!compose) return {};
  const doc = parse(compose) as { services?: Record<string, { environment?: Record<string, unknown> }> };
  const env = doc.services?.[service]?.environment ?? {};
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v)]));
}

/** The extra bundle files for one worker. */
export function labStandinFiles(input: {
  project: string;
  revision: number;
  wgAddress: string;
  settings: LabStandinSettings;
  /** The rendered docker-compose.yml (the stand-ins take PostgREST's schemas, VERIFY_JWT and the public URL from it). */
  compose?: string;
  /**
   * The 127.0.0.1 port a service answers its probe on. Default: its real port (a
   * worker namespace has its own loopback); in-process workers share the host's
   * loopback, so each gets its own.
   */
  localPort?: (service: string, port: number) => number;
}): Map<string, string> {
  const { settings } = input;
  const services: Record<string, unknown> = {};
  const probes: unknown[] = [];
  const pg = settings.postgres;
  const dbUrl = `postgres://postgres@localhost:${pg.port}/${labWorkerDatabase(input.project)}?host=${encodeURIComponent(pg.socketDir)}`;
  const rest = composeEnv(input.compose, 'rest');
  const functions = composeEnv(input.compose, 'functions');
  const auth = composeEnv(input.compose, 'auth');
  for (const [name, port] of Object.entries(LAB_SERVICES)) {
    const local = input.localPort?.(name, port) ?? port;
    services[name] = {
      command: ['node', settings.program],
      port: local,
      env: {
        SERVICE: name,
        PROJECT: input.project,
        REVISION: String(input.revision),
        WG_ADDRESS: input.wgAddress,
        WG_PORT: String(port),
        ...(['db', 'meta', 'rest'].includes(name) ? { LAB_DB_URL: dbUrl } : {}),
        ...(name === 'meta' ? { LAB_PG_META_APP: settings.pgMetaApp } : {}),
        ...(name === 'rest' && rest.PGRST_DB_SCHEMAS ? { PGRST_DB_SCHEMAS: rest.PGRST_DB_SCHEMAS } : {}),
        ...(name === 'functions' && functions.VERIFY_JWT ? { VERIFY_JWT: functions.VERIFY_JWT } : {}),
        ...(name === 'auth' && auth.API_EXTERNAL_URL ? { API_EXTERNAL_URL: auth.API_EXTERNAL_URL } : {}),
      },
    };
    const path =
      name === 'auth' || name === 'meta'
        ? '/health'
        : name === 'storage'
          ? '/status'
          : name === 'realtime'
            ? '/api/tenants/realtime-dev/health'
            : '/';
    probes.push({ service: name, type: 'http', url: `http://127.0.0.1:${local}${path}` });
  }
  return new Map([
    ['backup/backup.sh', LAB_BACKUP_SCRIPT],
    ['standins.json', JSON.stringify({ services }, null, 2)],
    ['probes.json', JSON.stringify({ probes }, null, 2)],
  ]);
}

/** The real bundle renderer plus the stand-in files. */
export function labBundleRenderer(
  settings: LabStandinSettings,
  localPort?: (wgAddress: string, service: string, port: number) => number,
): BundleRenderer {
  return (input) => {
    const files = defaultBundleRenderer(input);
    for (const [path, content] of labStandinFiles({
      project: input.project.name,
      revision: input.revision,
      wgAddress: input.wgAddress,
      settings,
      compose: files.get('docker-compose.yml'),
      ...(localPort
        ? { localPort: (service: string, port: number) => localPort(input.wgAddress, service, port) }
        : {}),
    })) {
      files.set(path, content);
    }
    return files;
  };
}
