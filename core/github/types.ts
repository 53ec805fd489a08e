import type { Secret } from '../seal/secret.ts';

/** A GitHub repository. */
export interface RepoRef {
  readonly owner: string;
  readonly repo: string;
}

/** Commit status states accepted by GitHub. */
export type StatusState = 'error' | 'failure' | 'pending' | 'success';

export interface CommitStatus {
  readonly state: StatusState;
  /** e.g. `supafleet/acme`. */
  readonly context: string;
  /** Clamped to GitHub's 140-character limit. */
  readonly description: string;
  readonly targetUrl?: string;
}

/**
 * Everything supafleet asks of GitHub, behind one interface: the real one talks
 * to the REST API through Octokit; tests point it at the local fake.
 */
export interface GitHubApi {
  /** Creates the pull request comment that carries `marker`, or updates it in place. */
  upsertStickyComment(issue: number, marker: string, body: string): Promise<{ id: number; created: boolean }>;
  /** Sets a commit status. */
  setStatus(sha: string, status: CommitStatus): Promise<void>;
  /** The newest commit on `ref` that touched `path`, or undefined when none did. */
  latestCommitTouching(path: string, ref: string): Promise<string | undefined>;
  /**
   * Writes `files` (path → content) to `branch` in one commit, creating the
   * branch as an orphan when missing. No commit when nothing changed.
   */
  commitFiles(
    branch: string,
    files: Readonly<Record<string, string>>,
    message: string,
  ): Promise<{ sha: string; changed: boolean }>;
  /** Writes an Actions secret (sealed with the repository's public key). Needs a token with the secrets permission. */
  putActionsSecret(name: string, value: Secret): Promise<void>;
}
