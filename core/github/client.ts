import { Octokit } from '@octokit/rest';
import { sodium } from '../seal/sodium.ts';
import type { Secret } from '../seal/secret.ts';
import { gitBlobSha } from './git-blob.ts';
import { clampDescription } from './status.ts';
import type { CommitStatus, GitHubApi, RepoRef } from './types.ts';

export interface GitHubClientOptions {
  readonly repo: RepoRef;
  readonly token: Secret;
  /** API base URL; GitHub's by default, the fake's in tests. */
  readonly baseUrl?: string;
  /**
   * The login the token comments as: `github-actions[bot]` for a workflow's GITHUB_TOKEN. The
   * sticky comment is only ever one of this bot's own.
   */
  readonly commentAuthor?: string;
}

/** The account a workflow's GITHUB_TOKEN acts as. */
export const ACTIONS_BOT_LOGIN = 'github-actions[bot]';

const SECRET_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The GitHubApi over GitHub's REST API. */
export function createGitHubClient(options: GitHubClientOptions): GitHubApi {
  const octokit = new Octokit({
    auth: options.token.reveal(),
    ...(options.baseUrl !== undefined ? { baseUrl: options.baseUrl } : {}),
    log: { debug() {}, info() {}, warn() {}, error() {} },
  });
  const { owner, repo } = options.repo;
  const author = options.commentAuthor ?? ACTIONS_BOT_LOGIN;

  return {
    async upsertStickyComment(issue, marker, body) {
      const text = body.includes(marker) ? body : `${marker}\n${body}`;
      const comments = await octokit.paginate(octokit.rest.issues.listComments, {
        owner,
        repo,
        issue_number: issue,
        per_page: 100,
      });
      // Marker AND author: anyone who can comment can write the marker, and a comment found by
      // the marker alone could be planted first, then edited into a forged plan. GitHub shows
      // what GITHUB_TOKEN writes as user {login: "github-actions[bot]", type: "Bot"} (the id
      // 41898282 that actions/github-script's own workflow matches its bot comment by).
      const mine = comments.find(
        (c) => c.user?.type === 'Bot' && c.user.login === author && (c.body ?? '').includes(marker),
      );
      if (mine) {
        await octokit.rest.issues.updateComment({ owner, repo, comment_id: mine.id, body: text });
        return { id: mine.id, created: false };
      }
      const created = await octokit.rest.issues.createComment({
        owner,
        repo,
        issue_number: issue,
        body: text,
      });
      return { id: created.data.id, created: true };
    },

    async setStatus(sha: string, status: CommitStatus) {
      await octokit.rest.repos.createCommitStatus({
        owner,
        repo,
        sha,
        state: status.state,
        context: status.context,
        description: clampDescription(status.description),
        ...(status.targetUrl !== undefined ? { target_url: status.targetUrl } : {}),
      });
    },

    async latestCommitTouching(path, ref) {
      const res = await octokit.rest.repos.listCommits({ owner, repo, path, sha: ref, per_page: 1 });
      return res.data[0]?.sha;
    },

    async commitFiles(branch, files, message) {
      const head = await branchHead(octokit, options.repo, branch);
      const paths = Object.keys(files).sort();
      if (head) {
        const current = await octokit.rest.git.getTree({
          owner,
          repo,
          tree_sha: head.tree,
          recursive: 'true',
        });
        const have = new Map(current.data.tree.map((e) => [e.path, e.sha]));
        if (paths.every((p) => have.get(p) === gitBlobSha(files[p]!)))
          return { sha: head.commit, changed: false };
      }
      const tree = await octokit.rest.git.createTree({
        owner,
        repo,
        ...(head ? { base_tree: head.tree } : {}),
        tree: paths.map((path) => ({
          path,
          mode: '100644' as const,
          type: 'blob' as const,
          content: files[path]!,
        })),
      });
      const commit = await octokit.rest.git.createCommit({
        owner,
        repo,
        message,
        tree: tree.data.sha,
        parents: head ? [head.commit] : [],
      });
      if (head) {
        await octokit.rest.git.updateRef({ owner, repo, ref: `heads/${branch}`, sha: commit.data.sha });
      } else {
        await octokit.rest.git.createRef({ owner, repo, ref: `refs/heads/${branch}`, sha: commit.data.sha });
      }
      return { sha: commit.data.sha, changed: true };
    },

    async putActionsSecret(name, value) {
      if (!SECRET_NAME.test(name) || name.toUpperCase().startsWith('GITHUB_')) {
        throw new Error(
          `invalid Actions secret name "${name}": expected letters, digits and _ , not starting with a digit or GITHUB_`,
        );
      }
      const key = await octokit.rest.actions.getRepoPublicKey({ owner, repo });
      const na = await sodium();
      const pk = na.from_base64(key.data.key, na.base64_variants.ORIGINAL);
      const encrypted = na.to_base64(na.crypto_box_seal(value.reveal(), pk), na.base64_variants.ORIGINAL);
      await octokit.rest.actions.createOrUpdateRepoSecret({
        owner,
        repo,
        secret_name: name,
        encrypted_value: encrypted,
        key_id: key.data.key_id,
      });
    },
  };
}

async function branchHead(
  octokit: Octokit,
  { owner, repo }: RepoRef,
  branch: string,
): Promise<{ commit: string; tree: string } | undefined> {
  try {
    const ref = await octokit.rest.git.getRef({ owner, repo, ref: `heads/${branch}` });
    const commit = await octokit.rest.git.getCommit({ owner, repo, commit_sha: ref.data.object.sha });
    return { commit: commit.data.sha, tree: commit.data.tree.sha };
  } catch (error) {
    if ((error as { status?: number }).status === 404) return undefined;
    throw error;
  }
}
