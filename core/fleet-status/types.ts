/**
 * The fleet as the master's `GET /console/api/fleet` answers it (docs/console.md): what
 * `supafleet status` prints and `supafleet doctor` reads. Kept in `core/` so the CLI does not
 * import the master's server code; `types.test.ts` checks that the master's `ConsoleFleet`
 * (master/src/console/fleet-view.ts) is assignable to {@link FleetStatus}.
 */

/** Health states computed by the master (DESIGN §5). */
export type ProjectState = 'provisioning' | 'healthy' | 'degraded' | 'down' | 'failed';

/** One project of the fleet: no spec, no secret. */
export interface ProjectStatus {
  readonly name: string;
  /** https://<subdomain>.<domain> */
  readonly url: string;
  readonly health: { readonly state: ProjectState; readonly reasons: readonly string[] };
  readonly heartbeat_age_s: number | null;
  readonly desired_revision: number;
  readonly applied_revision: number | null;
  readonly wireguard: {
    readonly state: 'connected' | 'stale' | 'missing' | 'not enrolled' | 'unknown';
    readonly handshake_age_s: number | null;
  };
  readonly server: { readonly type: string | null; readonly location: string | null };
  readonly monthly_cost: number | null;
  readonly backup: {
    readonly state: 'running' | 'succeeded' | 'failed';
    readonly at: string;
    readonly age_s: number;
    readonly snapshot_id: string | null;
    readonly source: 'heartbeat' | 'command';
  } | null;
}

/** One check of the master's own parts (WireGuard, Kong, the registry, …). */
export interface MasterPartCheck {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

export interface FleetStatus {
  readonly fleet: { readonly name: string; readonly domain: string };
  readonly generated_at: string;
  readonly currency: string;
  readonly projects: readonly ProjectStatus[];
  readonly totals: {
    readonly projects: number;
    readonly by_state: Readonly<Record<string, number>>;
    readonly monthly_cost: number;
  };
  readonly master: {
    readonly state: 'healthy' | 'degraded';
    readonly reasons: readonly string[];
    readonly version: string;
    readonly checks: readonly MasterPartCheck[];
  };
}
