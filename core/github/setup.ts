/**
 * What `supafleet init` asks of GitHub to set a fleet repository up: its ids, Actions secrets
 * (repository and environment), variables, the deployment environment with its branch rule and
 * reviewers, the file sha of fleet.yaml on a branch, and a workflow dispatch. Each call is one
 * REST endpoint (API version 2022-11-28, through Octokit); fakes/github models them.
 */
import { Octokit } from '@octokit/rest';
import { sodium } from '../seal/sodium.ts';
import type { Secret } from '../seal/secret.ts';
import { createGitHubClient } from './client.ts';
import type { GitHubApi, RepoRef } from './types.ts';

/** The repository as `GET /repos/{owner}/{repo}` shows it. */
export interface RepoInfo {
  readonly id: number;
  readonly ownerId: number;
  readonly fullName: string;
  readonly defaultBranch: string;
  readonly private: boolean;
}

/** A required reviewer of an environment. */
export interface Reviewer {
  readonly type: 'User' | 'Team';
  readonly id: number;
}

/** A deployment environment's protection as supafleet reads it. */
export interface EnvironmentInfo {
  readonly reviewers: readonly Reviewer[];
  readonly preventSelfReview: boolean;
  /** `custom_branch_policies: true`: only the branch rules below may deploy. */
  readonly customBranches: boolean;
  /** Branch name patterns (type `branch`). */
  readonly branches: readonly string[];
}

/** The calls init makes; `environment` set means the environment's secrets, else the repository's. */
export interface GitHubSetupApi {
  getRepository(): Promise<RepoInfo>;
  /** A user's id by login (environments name reviewers by id). */
  userId(login: string): Promise<number>;
  listSecretNames(environment?: string): Promise<string[]>;
  /** Seals `value` to the repository's (or the environment's) public key and writes it. */
  putSecret(name: string, value: Secret, environment?: string): Promise<void>;
  listVariables(): Promise<Record<string, string>>;
  setVariable(name: string, value: string, exists: boolean): Promise<void>;
  /** Undefined when the environment does not exist. */
  getEnvironment(name: string): Promise<EnvironmentInfo | undefined>;
  /** Creates or updates the environment: these reviewers, custom branch rules only. */
  putEnvironment(
    name: string,
    settings: { reviewers: readonly Reviewer[]; preventSelfReview: boolean },
  ): Promise<void>;
  addBranchPolicy(environment: string, branch: string): Promise<void>;
  /** The git blob sha of `path` on `branch`, or undefined when the branch or file is missing. */
  fileSha(path: string, branch: string): Promise<string | undefined>;
  commitFiles: GitHubApi['commitFiles'];
  dispatchWorkflow(workflow: string, ref: string, inputs: Readonly<Record<string, string>>): Promise<void>;
}

export interface GitHubSetupOptions {
  readonly repo: RepoRef;
  readonly token: Secret;
  readonly baseUrl?: string;
}

/** The GitHubSetupApi over GitHub's REST API. */
export function createGitHubSetupClient(options: GitHubSetupOptions): GitHubSetupApi {
  const octokit = new Octokit({
    auth: options.token.reveal(),
    ...(options.baseUrl !== undefined ? { baseUrl: options.baseUrl } : {}),
    log: { debug() {}, info() {}, warn() {}, error() {} },
  });
  const { owner, repo } = options.repo;
  const base = createGitHubClient(options);
  const seal = async (key: string, value: Secret): Promise<string> => {
    const na = await sodium();
    const pk = na.from_base64(key, na.base64_variants.ORIGINAL);
    return na.to_base64(na.crypto_box_seal(value.reveal(), pk), na.base64_variants.ORIGINAL);
  };
  const missing = (error: unknown): boolean => (error as { status?: number }).status === 404;

  return {
    async getRepository() {
      let data;
      try {
        data = (await octokit.rest.repos.get({ owner, repo })).data;
      } catch (error) {
        const status = (error as { status?: number }).status;
        if (status === 404 || status === 401)
          throw new Error(
            `GitHub repository ${owner}/${repo} ${status === 404 ? 'is not found, or the token cannot see it' : 'refuses the token (401 Bad credentials)'}: expected the fleet repository (owner/name) and a token with access to it`,
            { cause: error },
          );
        throw error;
      }
      return {
        id: data.id,
        ownerId: data.owner.id,
        fullName: data.full_name,
        defaultBranch: data.default_branch,
        private: data.private,
      };
    },

    async userId(login) {
      try {
        return (await octokit.rest.users.getByUsername({ username: login })).data.id;
      } catch (error) {
        if (missing(error))
          throw new Error(`GitHub user "${login}" does not exist; expected a login such as octocat`);
        throw error;
      }
    },

    async listSecretNames(environment) {
      const list =
        environment === undefined
          ? await octokit.paginate(octokit.rest.actions.listRepoSecrets, { owner, repo, per_page: 100 })
          : await octokit.paginate(octokit.rest.actions.listEnvironmentSecrets, {
              owner,
              repo,
              environment_name: environment,
              per_page: 100,
            });
      return list.map((s) => s.name).sort();
    },

    async putSecret(name, value, environment) {
      if (environment === undefined) return base.putActionsSecret(name, value);
      const key = await octokit.rest.actions.getEnvironmentPublicKey({
        owner,
        repo,
        environment_name: environment,
      });
      await octokit.rest.actions.createOrUpdateEnvironmentSecret({
        owner,
        repo,
        environment_name: environment,
        secret_name: name,
        encrypted_value: await seal(key.data.key, value),
        key_id: key.data.key_id,
      });
    },

    async listVariables() {
      const list = await octokit.paginate(octokit.rest.actions.listRepoVariables, {
        owner,
        repo,
        per_page: 30,
      });
      return Object.fromEntries(list.map((v) => [v.name, v.value]));
    },

    async setVariable(name, value, exists) {
      if (exists) await octokit.rest.actions.updateRepoVariable({ owner, repo, name, value });
      else await octokit.rest.actions.createRepoVariable({ owner, repo, name, value });
    },

    async getEnvironment(name) {
      let data;
      try {
        data = (await octokit.rest.repos.getEnvironment({ owner, repo, environment_name: name })).data;
      } catch (error) {
        if (missing(error)) return undefined;
        throw error;
      }
      const reviewers: Reviewer[] = [];
      let preventSelfReview = false;
      for (const rule of data.protection_rules ?? []) {
        if (rule.type !== 'required_reviewers') continue;
        const r = rule as {
          prevent_self_review?: boolean;
          reviewers?: { type?: string; reviewer?: { id?: number } | null }[];
        };
        preventSelfReview = r.prevent_self_review === true;
        for (const x of r.reviewers ?? [])
          if (x.reviewer?.id !== undefined)
            reviewers.push({ type: x.type === 'Team' ? 'Team' : 'User', id: x.reviewer.id });
      }
      const customBranches = data.deployment_branch_policy?.custom_branch_policies === true;
      const branches = customBranches
        ? (
            await octokit.rest.repos.listDeploymentBranchPolicies({
              owner,
              repo,
              environment_name: name,
              per_page: 100,
            })
          ).data.branch_policies
            .filter((p) => (p.type ?? 'branch') === 'branch' && p.name !== undefined)
            .map((p) => p.name!)
            .sort()
        : [];
      return { reviewers, preventSelfReview, customBranches, branches };
    },

    async putEnvironment(name, settings) {
      await octokit.rest.repos.createOrUpdateEnvironment({
        owner,
        repo,
        environment_name: name,
        prevent_self_review: settings.preventSelfReview,
        reviewers: settings.reviewers.map((r) => ({ type: r.type, id: r.id })),
        deployment_branch_policy: { protected_branches: false, custom_branch_policies: true },
      });
    },

    async addBranchPolicy(environment, branch) {
      await octokit.rest.repos.createDeploymentBranchPolicy({
        owner,
        repo,
        environment_name: environment,
        name: branch,
        type: 'branch',
      });
    },

    async fileSha(path, branch) {
      let tree: string;
      try {
        const ref = await octokit.rest.git.getRef({ owner, repo, ref: `heads/${branch}` });
        const commit = await octokit.rest.git.getCommit({ owner, repo, commit_sha: ref.data.object.sha });
        tree = commit.data.tree.sha;
      } catch (error) {
        if (missing(error)) return undefined;
        throw error;
      }
      const listing = await octokit.rest.git.getTree({ owner, repo, tree_sha: tree, recursive: 'true' });
      return listing.data.tree.find((e) => e.path === path && e.type === 'blob')?.sha;
    },

    commitFiles: (branch, files, message) => base.commitFiles(branch, files, message),

    async dispatchWorkflow(workflow, ref, inputs) {
      await octokit.rest.actions.createWorkflowDispatch({ owner, repo, workflow_id: workflow, ref, inputs });
    },
  };
}
