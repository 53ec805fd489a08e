import { createHash } from 'node:crypto';
import { gitBlobSha } from '../../core/github/git-blob.ts';

/** A commit in the fake repository: a full snapshot of the files. */
export interface FakeCommit {
  readonly sha: string;
  readonly tree: string;
  readonly parents: readonly string[];
  readonly message: string;
  readonly files: ReadonlyMap<string, string>;
}

/** A comment's author as GitHub's REST API shows it (`user.login`, `user.type`: User or Bot). */
export interface FakeUser {
  readonly login: string;
  readonly type: 'User' | 'Bot';
  readonly id?: number;
}

/** The author of what a workflow's GITHUB_TOKEN writes. */
export const ACTIONS_BOT: FakeUser = { login: 'github-actions[bot]', type: 'Bot', id: 41898282 };

export interface FakeComment {
  readonly id: number;
  readonly issue: number;
  body: string;
  readonly created_at: string;
  updated_at: string;
  /** Absent: a person (octocat), as when a test plants a comment. */
  readonly user?: FakeUser;
}

export interface FakeStatus {
  readonly id: number;
  readonly sha: string;
  readonly state: string;
  readonly context: string;
  readonly description: string | null;
  readonly target_url: string | null;
}

/** A deployment environment, its protection rules, branch policies and secrets (kept sealed). */
export interface FakeEnvironment {
  readonly id: number;
  readonly name: string;
  reviewers: { type: 'User' | 'Team'; id: number }[];
  prevent_self_review: boolean;
  deployment_branch_policy: { protected_branches: boolean; custom_branch_policies: boolean } | null;
  readonly branch_policies: { id: number; name: string; type: 'branch' | 'tag' }[];
  readonly secrets: Map<string, { encrypted_value: string; key_id: string }>;
  readonly created_at: string;
  updated_at: string;
}

/** A `workflow_dispatch` event the fake received. */
export interface FakeDispatch {
  readonly workflow: string;
  readonly ref: string;
  readonly inputs: Readonly<Record<string, string>>;
}

/**
 * The fake repository's state: commits with full file snapshots, branches,
 * trees, issue comments, commit statuses and Actions secrets (kept sealed, as
 * GitHub keeps them).
 */
export class FakeRepoState {
  readonly commits = new Map<string, FakeCommit>();
  readonly trees = new Map<string, ReadonlyMap<string, string>>();
  readonly refs = new Map<string, string>();
  readonly comments: FakeComment[] = [];
  readonly statuses: FakeStatus[] = [];
  readonly secrets = new Map<string, { encrypted_value: string; key_id: string }>();
  /** Actions variables by name. */
  readonly variables = new Map<string, { value: string; created_at: string; updated_at: string }>();
  /** Deployment environments by name. */
  readonly environments = new Map<string, FakeEnvironment>();
  /** Workflow dispatches received, in order. */
  readonly dispatches: FakeDispatch[] = [];
  #nextId = 1000;
  #clock = Date.parse('2026-01-01T00:00:00Z');

  nextId(): number {
    return this.#nextId++;
  }

  now(): string {
    this.#clock += 1000;
    return new Date(this.#clock).toISOString();
  }

  storeTree(files: ReadonlyMap<string, string>): string {
    const listing = [...files.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([p, c]) => `${p}\0${gitBlobSha(c)}`)
      .join('\n');
    const sha = createHash('sha1').update(`tree\n${listing}`).digest('hex');
    this.trees.set(sha, new Map(files));
    return sha;
  }

  storeCommit(tree: string, parents: readonly string[], message: string): FakeCommit {
    const files = this.trees.get(tree);
    if (!files) throw new Error(`unknown tree ${tree}`);
    const sha = createHash('sha1')
      .update(`commit\n${tree}\n${parents.join(',')}\n${message}\n${this.nextId()}`)
      .digest('hex');
    const commit: FakeCommit = { sha, tree, parents, message, files };
    this.commits.set(sha, commit);
    return commit;
  }

  /** Test helper: commits a change to `branch` (files set to null are deleted), as a push would. */
  push(branch: string, changes: Readonly<Record<string, string | null>>, message = 'change'): string {
    const head = this.refs.get(branch);
    const files = new Map(head ? this.commits.get(head)!.files : []);
    for (const [path, content] of Object.entries(changes)) {
      if (content === null) files.delete(path);
      else files.set(path, content);
    }
    const commit = this.storeCommit(this.storeTree(files), head ? [head] : [], message);
    this.refs.set(branch, commit.sha);
    return commit.sha;
  }

  /** Commits on `branch` from newest to oldest. */
  history(branch: string): FakeCommit[] {
    const out: FakeCommit[] = [];
    let sha = this.refs.get(branch) ?? (this.commits.has(branch) ? branch : undefined);
    for (let i = 0; sha !== undefined && i < 100_000; i++) {
      const c = this.commits.get(sha);
      if (!c) break;
      out.push(c);
      sha = c.parents[0];
    }
    return out;
  }

  /** Whether `commit` changed `path` relative to its first parent. */
  touches(commit: FakeCommit, path: string): boolean {
    const parent = commit.parents[0] ? this.commits.get(commit.parents[0]) : undefined;
    return (parent?.files.get(path) ?? null) !== (commit.files.get(path) ?? null);
  }
}
