/**
 * The plan of `supafleet init`: desired against current state of what init manages, one step
 * per thing, each `create`, `update` or `keep`. Pure. Secrets are compared by name only (GitHub
 * never shows a value), so a secret that exists is kept: init never replaces a token or key it
 * did not make in this run.
 */
import { gitBlobSha } from '../../core/github/git-blob.ts';
import type { EnvironmentInfo, Reviewer } from '../../core/github/setup.ts';

/** The deployment environment the workflows name (`environment: production`). */
export const ENVIRONMENT = 'production';
/** The only branch that may use the environment. */
export const DEPLOY_BRANCH = 'main';
/** The workflow that creates the master. */
export const MASTER_WORKFLOW = 'master.yml';

/** What init found. */
export interface InitCurrent {
  /** fleet.yaml in the working directory, when it exists. */
  readonly fleetFile?: string;
  /** The git blob sha of fleet.yaml on main, when main has one. */
  readonly mainFleetSha?: string;
  readonly repoSecrets: readonly string[];
  readonly environment?: EnvironmentInfo;
  readonly envSecrets: readonly string[];
  readonly variables: Readonly<Record<string, string>>;
  /** The master server Hetzner has for the fleet, when there is one. */
  readonly master?: { readonly name: string; readonly ipv4: string };
  /** The Storage Box named by `storage_box.id`, when it was read. */
  readonly storageBox?: { readonly id: number; readonly sshEnabled: boolean };
}

/** What init wants. */
export interface InitDesired {
  readonly fleetFile: string;
  /** True when this run makes the seal keypair (fleet.yaml has no public key yet). */
  readonly newSealKey: boolean;
  /** True when this run makes the Storage Box main account's SSH key (none in the key directory). */
  readonly newBackupKey: boolean;
  readonly repoSecrets: readonly string[];
  readonly envSecrets: readonly string[];
  /** Undefined: keep the environment's reviewers as they are. */
  readonly reviewers?: readonly Reviewer[];
  readonly variables: Readonly<Record<string, string>>;
}

export type StepAction = 'create' | 'update' | 'keep';

/** One thing init manages and what it will do to it. */
export interface InitStep {
  /** Stable id: `seal-key`, `backup-key`, `storage-box-ssh`, `fleet-file`, `fleet-file-main`, `secret:<name>`, `environment`, `branch-policy`, `env-secret:<name>`, `variable:<name>`, `master`. */
  readonly id: string;
  readonly action: StepAction;
  /** What it is, in words. */
  readonly what: string;
  /** Why, or what changes. */
  readonly detail?: string;
}

export function planInit(desired: InitDesired, current: InitCurrent): InitStep[] {
  const steps: InitStep[] = [];
  const step = (id: string, action: StepAction, what: string, detail?: string): void =>
    void steps.push({ id, action, what, ...(detail !== undefined ? { detail } : {}) });

  step(
    'seal-key',
    desired.newSealKey ? 'create' : 'keep',
    'the fleet seal keypair',
    desired.newSealKey
      ? 'fleet.yaml has no seal.public_key'
      : 'fleet.yaml names its public key; never replaced',
  );
  step(
    'backup-key',
    desired.newBackupKey ? 'create' : 'keep',
    "the Storage Box main account's SSH key",
    desired.newBackupKey ? 'made on this machine; the master alone holds it' : 'kept as it is',
  );
  const box = current.storageBox;
  if (box)
    step(
      'storage-box-ssh',
      box.sshEnabled ? 'keep' : 'update',
      `SSH access to Storage Box ${box.id}`,
      box.sshEnabled ? undefined : 'off now; turned on (SFTP on port 23, which the backups use)',
    );
  step(
    'fleet-file',
    current.fleetFile === undefined ? 'create' : current.fleetFile === desired.fleetFile ? 'keep' : 'update',
    'fleet.yaml',
  );
  const sha = gitBlobSha(desired.fleetFile);
  step(
    'fleet-file-main',
    current.mainFleetSha === undefined ? 'create' : current.mainFleetSha === sha ? 'keep' : 'update',
    `fleet.yaml on ${DEPLOY_BRANCH}`,
    current.mainFleetSha === sha ? undefined : 'one commit; the master workflow reads it from there',
  );
  for (const name of [...desired.repoSecrets].sort())
    step(
      `secret:${name}`,
      current.repoSecrets.includes(name) ? 'keep' : 'create',
      `repository secret ${name}`,
    );

  const env = current.environment;
  const reviewers = desired.reviewers ?? env?.reviewers ?? [];
  const sameReviewers =
    env !== undefined &&
    JSON.stringify(sortReviewers(env.reviewers)) === JSON.stringify(sortReviewers(reviewers));
  const envChanges: string[] = [];
  if (env && !env.customBranches) envChanges.push('deployment branches: selected branches only');
  if (env && !sameReviewers) envChanges.push('required reviewers');
  if (env && !env.preventSelfReview) envChanges.push('prevent self-review');
  step(
    'environment',
    env === undefined ? 'create' : envChanges.length === 0 ? 'keep' : 'update',
    `environment ${ENVIRONMENT}`,
    env === undefined
      ? `${reviewers.length} required reviewer(s), prevent self-review, selected branches only`
      : envChanges.length > 0
        ? envChanges.join(', ')
        : undefined,
  );
  step(
    'branch-policy',
    env?.branches.includes(DEPLOY_BRANCH) === true ? 'keep' : 'create',
    `environment ${ENVIRONMENT}: branch rule ${DEPLOY_BRANCH}`,
  );
  for (const name of [...desired.envSecrets].sort())
    step(
      `env-secret:${name}`,
      current.envSecrets.includes(name) ? 'keep' : 'create',
      `environment ${ENVIRONMENT} secret ${name}`,
    );
  for (const [name, value] of Object.entries(desired.variables).sort(([a], [b]) => (a < b ? -1 : 1))) {
    const have = current.variables[name];
    step(
      `variable:${name}`,
      have === undefined ? 'create' : have === value ? 'keep' : 'update',
      `repository variable ${name}`,
      have === value ? undefined : value,
    );
  }
  step(
    'master',
    current.master ? 'keep' : 'create',
    'the master server',
    current.master
      ? `${current.master.name} at ${current.master.ipv4}`
      : `run the ${MASTER_WORKFLOW} workflow (mode create) on ${DEPLOY_BRANCH}`,
  );
  return steps;
}

/** The steps that change something. */
export function changes(steps: readonly InitStep[]): InitStep[] {
  return steps.filter((s) => s.action !== 'keep');
}

/** The plan as text, one line per step: `+` create, `~` update, `=` keep. */
export function renderPlan(steps: readonly InitStep[]): string {
  const mark = { create: '+', update: '~', keep: '=' } as const;
  const lines = steps.map(
    (s) => `  ${mark[s.action]} ${s.what}${s.detail !== undefined ? ` (${s.detail})` : ''}`,
  );
  const n = changes(steps).length;
  return `${lines.join('\n')}\n${n === 0 ? 'Nothing to change.' : `${n} change(s).`}\n`;
}

function sortReviewers(list: readonly Reviewer[]): Reviewer[] {
  return [...list].sort((a, b) => (a.type === b.type ? a.id - b.id : a.type < b.type ? -1 : 1));
}
