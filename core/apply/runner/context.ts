/**
 * The GitHub Actions runner's environment, read once (by each action's inputs.ts):
 * repository, commit, event payload, workspace and API URLs. Nothing else reads
 * `process.env`.
 */
import { readFileSync } from 'node:fs';
import type { RepoRef } from '../../github/types.ts';

export interface RunnerContext {
  readonly repo: RepoRef;
  /** The commit the workflow runs on (`GITHUB_SHA`). */
  readonly sha?: string;
  readonly eventName: string;
  /** The event payload (`GITHUB_EVENT_PATH`), `{}` when there is none. */
  readonly payload: Readonly<Record<string, unknown>>;
  /** Where the repository is checked out. */
  readonly workspace: string;
  readonly githubApiUrl: string;
  /** Link to this run, for commit statuses. */
  readonly runUrl?: string;
  /** Hetzner API base URL (`HCLOUD_ENDPOINT`, as the hcloud CLI reads it); Hetzner's own when unset. */
  readonly hetznerEndpoint?: string;
  /**
   * The Hetzner API's base URL for Storage Boxes (`HETZNER_ENDPOINT`, as hcloud-go and the
   * Ansible collection read it); `https://api.hetzner.com/v1` when unset.
   */
  readonly storageBoxEndpoint?: string;
}

function repoOf(value: string | undefined): RepoRef {
  const m = /^([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)$/.exec(value ?? '');
  if (!m) {
    throw new Error(
      `GITHUB_REPOSITORY ${JSON.stringify(value ?? '')} is not valid; expected owner/name (set by the runner)`,
    );
  }
  return { owner: m[1]!, repo: m[2]! };
}

function payloadOf(path: string | undefined): Record<string, unknown> {
  if (!path) return {};
  try {
    const value = JSON.parse(readFileSync(path, 'utf8')) as unknown;
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : {};
  } catch (err) {
    throw new Error(`the event payload ${path} cannot be read: ${(err as Error).message}`, { cause: err });
  }
}

export function readRunnerContext(env: Readonly<Record<string, string | undefined>>): RunnerContext {
  const server = env.GITHUB_SERVER_URL ?? 'https://github.com';
  const repo = repoOf(env.GITHUB_REPOSITORY);
  const runId = env.GITHUB_RUN_ID;
  return {
    repo,
    ...(env.GITHUB_SHA ? { sha: env.GITHUB_SHA } : {}),
    eventName: env.GITHUB_EVENT_NAME ?? '',
    payload: payloadOf(env.GITHUB_EVENT_PATH),
    workspace: env.GITHUB_WORKSPACE ?? process.cwd(),
    githubApiUrl: env.GITHUB_API_URL ?? 'https://api.github.com',
    ...(runId ? { runUrl: `${server}/${repo.owner}/${repo.repo}/actions/runs/${runId}` } : {}),
    ...(env.HCLOUD_ENDPOINT ? { hetznerEndpoint: env.HCLOUD_ENDPOINT } : {}),
    ...(env.HETZNER_ENDPOINT ? { storageBoxEndpoint: env.HETZNER_ENDPOINT } : {}),
  };
}

/** The pull request number of a `pull_request` payload. */
export function pullRequestNumber(ctx: RunnerContext): number | undefined {
  const pr = ctx.payload.pull_request as { number?: unknown } | undefined;
  const n = pr?.number ?? ctx.payload.number;
  return typeof n === 'number' && Number.isInteger(n) ? n : undefined;
}

/**
 * The commit whose specs were last applied: a pull request's base, or a push's
 * `before`. Undefined otherwise (workflow_dispatch, schedule).
 */
export function lastAppliedCommit(ctx: RunnerContext): string | undefined {
  const pr = ctx.payload.pull_request as { base?: { sha?: unknown } } | undefined;
  const base = pr?.base?.sha;
  if (typeof base === 'string') return base;
  const before = ctx.payload.before;
  return typeof before === 'string' && !/^0+$/.test(before) ? before : undefined;
}
