/**
 * The master API's bodies as the client sees them (master/README.md, DESIGN §5).
 * Kept beside the client so `core/` does not import the master's server code; the master
 * answers with these same types (master/src/projects.ts).
 */
import type { SmokeReport } from '../smoke/types.ts';
import type { ProjectSpec } from '../spec/types.ts';

/** Health states computed by the master. */
export type HealthState = 'provisioning' | 'healthy' | 'degraded' | 'down' | 'failed';

/** One project as `GET /v1/projects[/:name]` shows it: no generated secret, ever. */
export interface ProjectView {
  readonly name: string;
  readonly subdomain: string;
  readonly host: string;
  readonly status: 'active' | 'deleted';
  readonly revision: number;
  readonly wg_ip: string;
  readonly enrolled: boolean;
  readonly enrolled_at: string | null;
  readonly created_at: string;
  readonly updated_at: string;
  readonly health: {
    readonly state: HealthState;
    readonly reasons: readonly string[];
    readonly heartbeat_age_s: number | null;
    readonly applied_revision: number | null;
    readonly wg_handshake_age_s: number | null;
  };
  /** The spec last applied, when the master includes it (sealed values stay sealed). */
  readonly spec?: ProjectSpec;
}

/** The answer to `PUT /v1/projects/:name`. */
export interface UpsertResult {
  readonly created: boolean;
  readonly changed: boolean;
  readonly project: ProjectView;
  /** Only with `enrollmentToken: true`; the token is single use and lasts 60 minutes. */
  readonly enrollment?: {
    readonly token: string;
    readonly expires_at: string;
    /** The master's WireGuard public key, written into the worker's user_data. */
    readonly master_wg_public_key: string;
  };
  /** The project's Supavisor tenant, when the master runs Supavisor: what the upsert did to it. */
  readonly pooler?: PoolerReport;
}

/**
 * A Supavisor tenant sync: `skipped` before the worker enrolls, `failed` (with Supavisor's reason)
 * when Supavisor refused or did not answer; the upsert or routes call itself still succeeds.
 */
export interface PoolerReport {
  readonly state: 'created' | 'updated' | 'unchanged' | 'skipped' | 'failed';
  readonly message?: string;
}

/** What a routes reconcile did on Kong. */
export interface RoutesReport {
  readonly created: number;
  readonly updated: number;
  readonly deleted: number;
  readonly unchanged: number;
  readonly calls: { readonly list: number; readonly mutate: number };
  /** The project's Supavisor tenant, synced after the routes (the worker is up by then). */
  readonly pooler?: PoolerReport;
}

/** A command's result as the agent reported it. */
export interface CommandResult {
  readonly id: string;
  readonly state: 'running' | 'succeeded' | 'failed';
  readonly duration_s?: number;
  readonly snapshot_id?: string;
  readonly size_bytes?: number;
  readonly error?: string;
}

/** One backup in `GET /v1/projects/:name/backups`. */
export interface BackupView {
  readonly id: string;
  readonly state: 'running' | 'succeeded' | 'failed';
  readonly started_at: string;
  readonly finished_at: string | null;
  readonly duration_s: number | null;
  readonly snapshot_id: string | null;
  readonly size_bytes: number | null;
  readonly error: string | null;
}

/** `GET /v1/projects/:name/credentials` (admin). Every value but `url` is secret. */
export interface Credentials {
  readonly url: string;
  readonly anon_key: string;
  readonly service_role_key: string;
  readonly jwt_secret: string;
  readonly postgres_password: string;
  /** `postgres://postgres.<project>:…@<host>:6543/postgres`: Supavisor, transaction mode (when the master runs it). */
  readonly postgres_url_pooled?: string;
  /** The same through Supavisor's session mode: one server connection per client. */
  readonly postgres_url_session?: string;
}

/** Everything the actions ask of the master, behind one interface (the fake-able seam). */
export interface MasterApi {
  listProjects(): Promise<ProjectView[]>;
  /** Undefined when the project is not registered (or deleted). */
  getProject(name: string): Promise<ProjectView | undefined>;
  putProject(name: string, spec: ProjectSpec, opts?: { enrollmentToken?: boolean }): Promise<UpsertResult>;
  deleteProject(name: string): Promise<{ deleted: boolean }>;
  putRoutes(name: string): Promise<RoutesReport>;
  deleteRoutes(name: string): Promise<RoutesReport>;
  startBackup(name: string): Promise<CommandResult>;
  listBackups(name: string): Promise<BackupView[]>;
  credentials(name: string): Promise<Credentials>;
  /**
   * `POST /v1/projects/:name/smoke` (write): the master runs `supafleet smoke` against the
   * project with the keys it holds and answers the report (no key in it); 409 while one runs.
   */
  smoke(name: string, opts?: SmokeRequest): Promise<SmokeReport>;
}

/** Limits of one master-side smoke. */
export interface SmokeRequest {
  /** Each step's limit on the master, in seconds (the master caps it at its whole-run limit). */
  readonly stepTimeoutS?: number;
  /** How long the client waits for the master's answer, in ms (default: the master's longest run). */
  readonly waitMs?: number;
}
