/**
 * Inputs and output of the planner. The actions map the master's registry rows and the
 * Hetzner servers carrying the fleet's labels into {@link ActualState}; the planner
 * compares it with the specs in git ({@link DesiredState}) and returns a {@link Plan}.
 */
import type { FleetSpec, ProjectSpec } from '../spec/types.ts';

/** What git says the fleet should be. */
export interface DesiredState {
  readonly fleet: FleetSpec;
  readonly projects: readonly ProjectSpec[];
}

/** A project's health in the master's registry (DESIGN §5), or `deleted` for a tombstoned row. */
export type ProjectStatus = 'provisioning' | 'healthy' | 'degraded' | 'down' | 'failed' | 'deleted';

/** One row of the master's registry. */
export interface ActualProject {
  readonly name: string;
  /** The spec last applied. */
  readonly spec: ProjectSpec;
  /** Bundle revision. */
  readonly revision: number;
  readonly status: ProjectStatus;
}

/** One Hetzner server carrying the fleet's labels. */
export interface ActualServer {
  readonly id: number;
  readonly name: string;
  readonly status: string;
  readonly server_type: string;
  readonly location: string;
  readonly labels: Readonly<Record<string, string>>;
}

/** What exists: the master's registry and the fleet's Hetzner servers. */
export interface ActualState {
  readonly projects: readonly ActualProject[];
  readonly servers: readonly ActualServer[];
}

export interface PlanOptions {
  /** Price list for the cost estimate (default: core/catalogue). */
  readonly prices?: (serverType: string) => number | undefined;
  /** Currency of the prices (default: the catalogue's). */
  readonly currency?: string;
}

export type StepKind = 'create' | 'update' | 'delete' | 'noop' | 'blocked';

/** How an update reaches the worker. */
export type UpdateMode = 'in_place' | 'downtime';

/** One changed field, by JSON pointer; sealed values are shown as `(sealed)`, never their text. */
export interface FieldChange {
  readonly path: string;
  /** Display value before (absent when the field is new). */
  readonly before?: string;
  /** Display value after (absent when the field is removed). */
  readonly after?: string;
}

/** One step of a plan. */
export interface PlanStep {
  readonly kind: StepKind;
  /** Project name; for an orphan server without a project label, the server name. */
  readonly project: string;
  /** For updates: in place, or with downtime (server type or location change). */
  readonly mode?: UpdateMode;
  /** Field changes (updates), or the desired fields of a create. */
  readonly changes: readonly FieldChange[];
  /** The Hetzner server this step touches, when one exists. */
  readonly server?: { readonly id: number; readonly name: string };
  /** A server carrying the fleet's labels with no registry row and no spec. */
  readonly orphan?: boolean;
  /** Data can be lost or the project goes away (deletes, location moves). */
  readonly destructive: boolean;
  /** Why the step is what it is, one sentence each. */
  readonly notes: readonly string[];
  /** Monthly cost of this project's server before and after the step. */
  readonly cost: { readonly before: number; readonly after: number };
}

/** A warning shown above the steps. */
export interface PlanWarning {
  readonly project: string;
  readonly message: string;
}

export interface PlanSummary {
  readonly create: number;
  readonly update: number;
  readonly delete: number;
  readonly noop: number;
  readonly blocked: number;
}

/** The result of {@link plan}: deterministic (sorted) and free of secret values. */
export interface Plan {
  readonly fleet: string;
  readonly steps: readonly PlanStep[];
  readonly warnings: readonly PlanWarning[];
  readonly summary: PlanSummary;
  /** Estimated monthly cost of the workers (and the master, listed apart). */
  readonly cost: {
    readonly currency: string;
    readonly before: number;
    readonly after: number;
    readonly master: number;
    /** Server types missing from the price list (priced at 0). */
    readonly unpriced: readonly string[];
  };
  /** True when nothing is blocked (the plan check passes). */
  readonly ok: boolean;
  /** True when applying would change something. */
  readonly has_changes: boolean;
}
