import type { Scope } from './principal.ts';

/** The branch whose workflows may change the fleet. */
export const MAIN_REF = 'refs/heads/main';

/** The deployment environment a workflow must run in to get the write scope, unless configured otherwise. */
export const DEFAULT_OIDC_ENVIRONMENT = 'production';

/** The master's side of the decision. */
export interface WorkflowPolicy {
  /** The deployment environment (`environment` claim) write tokens must come from. */
  readonly environment: string;
}

/**
 * The workflow files of the fleet repository that may do more than read, with the events that
 * may start them. A file is matched through the `job_workflow_ref` claim,
 * `<owner>/<repo>/.github/workflows/<file>@<ref>` (GitHub's OIDC reference,
 * github/docs content/actions/reference/security/oidc.md, "Custom claims"), so a workflow's
 * display name, which any workflow can copy, counts for nothing.
 * - apply.yml and master.yml change servers and the registry: write, and only from the
 *   deployment environment, whose branch policy and reviewers GitHub enforces;
 * - backup.yml only starts backups, by hand or on a schedule: the backup scope, no environment.
 * Every other workflow (health, plan, any future one) reads.
 */
const RULES: readonly {
  readonly file: string;
  readonly events: readonly string[];
  readonly scope: Exclude<Scope, 'read' | 'admin'>;
  readonly needsEnvironment: boolean;
}[] = [
  { file: 'apply.yml', events: ['push', 'workflow_dispatch'], scope: 'write', needsEnvironment: true },
  { file: 'master.yml', events: ['push', 'workflow_dispatch'], scope: 'write', needsEnvironment: true },
  { file: 'backup.yml', events: ['workflow_dispatch', 'schedule'], scope: 'backup', needsEnvironment: false },
];

/**
 * The claims the decision reads (GitHub sends each as a string). `repository` is the
 * `owner/name` GitHub signed along with the `repository_id` the verifier already checked, so
 * it names the fleet repository even after a rename.
 */
export interface WorkflowClaims {
  readonly repository: string;
  readonly ref: string;
  readonly event_name: string;
  readonly job_workflow_ref: string;
  readonly environment: string;
}

export interface ScopeDecision {
  readonly scope: Scope;
  /** Why the token got less than write, for the 403 message. */
  readonly limitedBecause?: string;
}

const PULL_REQUEST_EVENTS = new Set(['pull_request', 'pull_request_target']);

/** The scope a verified workflow token from the fleet repository gets. Pure. */
export function workflowScope(c: WorkflowClaims, policy: WorkflowPolicy): ScopeDecision {
  const read = (limitedBecause: string): ScopeDecision => ({ scope: 'read', limitedBecause });
  if (PULL_REQUEST_EVENTS.has(c.event_name)) return read('tokens from pull_request events are read-only');
  if (c.ref !== MAIN_REF) {
    return read(
      `only workflows on ${MAIN_REF} may change the fleet; this token is from ${c.ref || 'no ref'}`,
    );
  }
  const prefix = `${c.repository}/.github/workflows/`.toLowerCase();
  const suffix = `@${MAIN_REF}`;
  const ref = c.job_workflow_ref;
  const file =
    c.repository !== '' && ref.toLowerCase().startsWith(prefix) && ref.endsWith(suffix)
      ? ref.slice(prefix.length, -suffix.length)
      : undefined;
  const allowed = RULES.map((r) => r.file).join(', ');
  const rule = RULES.find((r) => r.file === file);
  if (!rule) {
    return read(
      `only the fleet repository's ${allowed} on ${MAIN_REF} may change the fleet; this token is from ${ref || 'no job_workflow_ref'}`,
    );
  }
  if (!rule.events.includes(c.event_name)) {
    return read(
      `${rule.file} may change the fleet when started by ${rule.events.join(' or ')}, not ${c.event_name || 'no event'}`,
    );
  }
  if (rule.needsEnvironment && c.environment !== policy.environment) {
    return read(
      `${rule.file} gets the write scope only in the "${policy.environment}" environment; this job ran in ${c.environment ? `"${c.environment}"` : 'no environment'}`,
    );
  }
  return rule.scope === 'write'
    ? { scope: 'write' }
    : { scope: rule.scope, limitedBecause: `${rule.file} may only start backups` };
}
