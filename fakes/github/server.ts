import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express, { type NextFunction, type Request, type Response } from 'express';
import { gitBlobSha } from '../../core/github/git-blob.ts';
import { settingsRouter, usersRouter } from './settings.ts';
import { ACTIONS_BOT, FakeRepoState, type FakeComment, type FakeDispatch, type FakeUser } from './state.ts';

export interface FakeGitHubOptions {
  readonly owner?: string;
  readonly repo?: string;
  /** The only token accepted (`Authorization: token …` or `Bearer …`). */
  readonly token?: string;
  /**
   * Requests allowed per window before 403 with `x-ratelimit-remaining: 0`. Default 1000: a
   * workflow's GITHUB_TOKEN (CONFORMANCE.md, "Rate limits").
   */
  readonly rateLimit?: number;
  /** The repository's Actions public key (base64) for secrets. */
  readonly actionsPublicKey?: string;
  /** Who the accepted token writes comments as: the Actions bot, as for a workflow's GITHUB_TOKEN. */
  readonly tokenUser?: FakeUser;
  /** The repository's and its owner's ids (`GET /repos/{owner}/{repo}`). */
  readonly repoId?: number;
  readonly ownerId?: number;
  /** Users by login → id (`GET /users/{login}`). */
  readonly users?: Readonly<Record<string, number>>;
  /** Workflow files that can be dispatched (default the fleet's: apply, backup, health, master, plan). */
  readonly workflows?: readonly string[];
  /** Called after a workflow dispatch was accepted: what stands in for the run. */
  readonly onDispatch?: (dispatch: FakeDispatch) => void;
}

export interface RecordedCall {
  readonly method: string;
  readonly path: string;
  readonly status: number;
}

export interface FakeGitHub {
  readonly url: string;
  readonly state: FakeRepoState;
  calls(): readonly RecordedCall[];
  close(): Promise<void>;
}

const DOCS = 'https://docs.github.com/rest';
/** The Actions public key's id (repository and environments). */
const KEY_ID = '568250167242549743';

/**
 * A local stand-in for the parts of GitHub's REST API (version 2022-11-28) supafleet uses:
 * issue comments (paginated with Link headers), commit statuses (422 past 140 characters),
 * commits by path, git refs/trees/commits, Actions secrets. Every behaviour and its source is
 * in CONFORMANCE.md beside this file; anything not listed there is not modelled.
 */
export async function startFakeGitHub(options: FakeGitHubOptions = {}): Promise<FakeGitHub> {
  const owner = options.owner ?? 'acme-corp';
  const repoName = options.repo ?? 'fleet';
  const token = options.token ?? 'ghs_faketoken';
  const limit = options.rateLimit ?? 1000;
  const state = new FakeRepoState();
  const calls: RecordedCall[] = [];
  let used = 0;

  const app = express();
  app.use(express.json({ limit: '2mb' }));
  app.use((req, res, next) => {
    res.on('finish', () => calls.push({ method: req.method, path: req.path, status: res.statusCode }));
    const auth = req.get('authorization') ?? '';
    if (auth !== `token ${token}` && auth !== `Bearer ${token}`) {
      fail(res, 401, 'Bad credentials');
      return;
    }
    used += 1;
    res.set({
      'x-ratelimit-limit': String(limit),
      'x-ratelimit-remaining': String(Math.max(0, limit - used)),
      'x-ratelimit-used': String(used),
      'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 3600),
      'x-ratelimit-resource': 'core',
    });
    if (used > limit) {
      fail(res, 403, 'API rate limit exceeded for installation ID 1.');
      return;
    }
    next();
  });

  const base = `/repos/${owner}/${repoName}`;
  const r = express.Router();

  r.get('/issues/:n/comments', (req, res) => {
    const issue = Number(req.params.n);
    const all = state.comments.filter((c) => c.issue === issue);
    paginate(req, res, all.map(commentJson));
  });
  r.post('/issues/:n/comments', (req, res) => {
    const body = req.body as { body?: unknown };
    if (typeof body.body !== 'string' || body.body.length === 0) {
      invalid(res, { resource: 'IssueComment', field: 'body', code: 'missing_field' });
      return;
    }
    if (tooLong(body.body)) {
      invalid(res, COMMENT_TOO_LONG);
      return;
    }
    const now = state.now();
    const c = {
      id: state.nextId(),
      issue: Number(req.params.n),
      body: body.body,
      created_at: now,
      updated_at: now,
      user: options.tokenUser ?? ACTIONS_BOT,
    };
    state.comments.push(c);
    res.status(201).json(commentJson(c));
  });
  r.patch('/issues/comments/:id', (req, res) => {
    const c = state.comments.find((x) => x.id === Number(req.params.id));
    if (!c) return notFound(res);
    const body = req.body as { body?: unknown };
    if (typeof body.body !== 'string')
      return invalid(res, { resource: 'IssueComment', field: 'body', code: 'missing_field' });
    if (tooLong(body.body)) return invalid(res, COMMENT_TOO_LONG);
    c.body = body.body;
    c.updated_at = state.now();
    res.json(commentJson(c));
  });

  r.post('/statuses/:sha', (req, res) => {
    const sha = req.params.sha!;
    const b = req.body as Record<string, unknown>;
    if (!state.commits.has(sha)) {
      fail(res, 422, `No commit found for SHA: ${sha}`);
      return;
    }
    if (!['error', 'failure', 'pending', 'success'].includes(String(b.state))) {
      invalid(res, { resource: 'Status', field: 'state', code: 'invalid' });
      return;
    }
    if (typeof b.description === 'string' && Array.from(b.description).length > 140) {
      invalid(res, {
        resource: 'Status',
        code: 'custom',
        field: 'description',
        message: 'description is too long (maximum is 140 characters)',
      });
      return;
    }
    const s = {
      id: state.nextId(),
      sha,
      state: String(b.state),
      context: typeof b.context === 'string' ? b.context : 'default',
      description: typeof b.description === 'string' ? b.description : null,
      target_url: typeof b.target_url === 'string' ? b.target_url : null,
    };
    state.statuses.push(s);
    res.status(201).json(s);
  });
  r.get('/commits/:ref/statuses', (req, res) => {
    paginate(req, res, state.statuses.filter((s) => s.sha === req.params.ref).reverse());
  });
  r.get('/commits', (req, res) => {
    const ref = typeof req.query.sha === 'string' ? req.query.sha : 'main';
    const path = typeof req.query.path === 'string' ? req.query.path : undefined;
    const commits = state
      .history(ref)
      .filter((c) => path === undefined || state.touches(c, path))
      .map((c) => ({
        sha: c.sha,
        commit: { message: c.message, tree: { sha: c.tree } },
        parents: c.parents.map((p) => ({ sha: p })),
      }));
    paginate(req, res, commits);
  });

  r.get(/^\/git\/ref\/(.+)$/, (req, res) => {
    const m = /^heads\/(.+)$/.exec(decodeURIComponent(String((req.params as Record<string, string>)[0])));
    const sha = m ? state.refs.get(m[1]!) : undefined;
    if (!m || !sha) return notFound(res);
    res.json(refJson(m[1]!, sha));
  });
  r.post('/git/refs', (req, res) => {
    const b = req.body as { ref?: unknown; sha?: unknown };
    const m = typeof b.ref === 'string' ? /^refs\/heads\/(.+)$/.exec(b.ref) : null;
    if (!m || typeof b.sha !== 'string')
      return invalid(res, { resource: 'Reference', field: 'ref', code: 'invalid' });
    if (state.refs.has(m[1]!)) return fail(res, 422, 'Reference already exists');
    if (!state.commits.has(b.sha)) return fail(res, 422, 'Object does not exist');
    state.refs.set(m[1]!, b.sha);
    res.status(201).json(refJson(m[1]!, b.sha));
  });
  r.patch(/^\/git\/refs\/(.+)$/, (req, res) => {
    const m = /^heads\/(.+)$/.exec(decodeURIComponent(String((req.params as Record<string, string>)[0])));
    if (!m) return fail(res, 422, 'Reference does not exist');
    const branch = m[1]!;
    const b = req.body as { sha?: unknown; force?: unknown };
    const current = state.refs.get(branch);
    if (!current) return fail(res, 422, 'Reference does not exist');
    if (typeof b.sha !== 'string' || !state.commits.has(b.sha))
      return fail(res, 422, 'Object does not exist');
    const fastForward = state.history(b.sha).some((c) => c.sha === current);
    if (!fastForward && b.force !== true) return fail(res, 422, 'Update is not a fast forward');
    state.refs.set(branch, b.sha);
    res.json(refJson(branch, b.sha));
  });
  r.get('/git/commits/:sha', (req, res) => {
    const c = state.commits.get(req.params.sha!);
    if (!c) return notFound(res);
    res.json({
      sha: c.sha,
      message: c.message,
      tree: { sha: c.tree },
      parents: c.parents.map((sha) => ({ sha })),
    });
  });
  r.get('/git/trees/:sha', (req, res) => {
    const files = state.trees.get(req.params.sha!);
    if (!files) return notFound(res);
    res.json({
      sha: req.params.sha,
      truncated: false,
      tree: [...files.entries()].map(([path, content]) => ({
        path,
        mode: '100644',
        type: 'blob',
        sha: gitBlobSha(content),
        size: Buffer.byteLength(content),
      })),
    });
  });
  r.post('/git/trees', (req, res) => {
    const b = req.body as { base_tree?: unknown; tree?: unknown };
    let files = new Map<string, string>();
    if (typeof b.base_tree === 'string') {
      const baseFiles = state.trees.get(b.base_tree);
      if (!baseFiles) return fail(res, 422, 'Invalid tree info');
      files = new Map(baseFiles);
    }
    if (!Array.isArray(b.tree))
      return invalid(res, { resource: 'Tree', field: 'tree', code: 'missing_field' });
    for (const e of b.tree as Array<Record<string, unknown>>) {
      if (typeof e.path !== 'string' || e.type !== 'blob') return fail(res, 422, 'Invalid tree info');
      if (e.sha === null) files.delete(e.path);
      else if (typeof e.content === 'string') files.set(e.path, e.content);
      else return fail(res, 422, 'Invalid tree info');
    }
    const sha = state.storeTree(files);
    res.status(201).json({ sha, truncated: false, tree: [] });
  });
  r.post('/git/commits', (req, res) => {
    const b = req.body as { message?: unknown; tree?: unknown; parents?: unknown };
    if (typeof b.message !== 'string' || typeof b.tree !== 'string')
      return invalid(res, { resource: 'Commit', field: 'message', code: 'missing_field' });
    if (!state.trees.has(b.tree)) return fail(res, 422, 'Tree SHA does not exist');
    const parents = Array.isArray(b.parents) ? (b.parents as string[]) : [];
    if (parents.some((p) => !state.commits.has(p))) return fail(res, 422, 'Parent SHA does not exist');
    const c = state.storeCommit(b.tree, parents, b.message);
    res.status(201).json({
      sha: c.sha,
      tree: { sha: c.tree },
      message: c.message,
      parents: parents.map((sha) => ({ sha })),
    });
  });

  r.get('/actions/secrets/public-key', (_req, res) => {
    if (!options.actionsPublicKey) return fail(res, 403, 'Resource not accessible by integration');
    res.json({ key_id: KEY_ID, key: options.actionsPublicKey });
  });
  r.put('/actions/secrets/:name', (req, res) => {
    if (!options.actionsPublicKey) return fail(res, 403, 'Resource not accessible by integration');
    const b = req.body as { encrypted_value?: unknown; key_id?: unknown };
    if (typeof b.encrypted_value !== 'string' || b.key_id !== KEY_ID) {
      return invalid(res, { resource: 'Secret', field: 'encrypted_value', code: 'invalid' });
    }
    const existed = state.secrets.has(req.params.name!);
    state.secrets.set(req.params.name!, { encrypted_value: b.encrypted_value, key_id: b.key_id });
    if (existed) res.status(204).end();
    else res.status(201).json({});
  });

  app.use(base, r);
  app.use(
    base,
    settingsRouter(
      state,
      {
        owner,
        repo: repoName,
        repoId: options.repoId ?? 123456789,
        ownerId: options.ownerId ?? 987654,
        ...(options.actionsPublicKey ? { actionsPublicKey: options.actionsPublicKey } : {}),
        keyId: KEY_ID,
        users: options.users ?? {},
        workflows: options.workflows ?? ['apply.yml', 'backup.yml', 'health.yml', 'master.yml', 'plan.yml'],
        ...(options.onDispatch ? { onDispatch: options.onDispatch } : {}),
      },
      fail,
    ),
  );
  app.use(usersRouter({ users: options.users ?? {} }, fail));
  app.use((_req, res) => notFound(res));
  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const status = (error as { status?: number }).status ?? 500;
    fail(res, status, status === 400 ? 'Problems parsing JSON' : 'Server Error');
  });

  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    state,
    calls: () => calls,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function commentJson(c: FakeComment) {
  return {
    id: c.id,
    body: c.body,
    created_at: c.created_at,
    updated_at: c.updated_at,
    user: c.user ?? { login: 'octocat', type: 'User', id: 583231 },
  };
}

function refJson(branch: string, sha: string) {
  return { ref: `refs/heads/${branch}`, object: { sha, type: 'commit' } };
}

function paginate(req: Request, res: Response, items: readonly unknown[]): void {
  const perPage = Math.min(100, Math.max(1, Number(req.query.per_page ?? 30) || 30));
  const page = Math.max(1, Number(req.query.page ?? 1) || 1);
  const last = Math.max(1, Math.ceil(items.length / perPage));
  const links: string[] = [];
  const url = (p: number) => {
    const u = new URL(`http://${req.get('host')}${req.originalUrl}`);
    u.searchParams.set('page', String(p));
    u.searchParams.set('per_page', String(perPage));
    return u.toString();
  };
  if (page < last) links.push(`<${url(page + 1)}>; rel="next"`, `<${url(last)}>; rel="last"`);
  if (page > 1) links.push(`<${url(1)}>; rel="first"`, `<${url(page - 1)}>; rel="prev"`);
  if (links.length > 0) res.set('link', links.join(', '));
  res.json(items.slice((page - 1) * perPage, page * perPage));
}

function fail(res: Response, status: number, message: string): void {
  res.status(status).json({ message, documentation_url: DOCS, status: String(status) });
}

function notFound(res: Response): void {
  fail(res, 404, 'Not Found');
}

/** One entry of a 422's `errors` (`validation-error` in GitHub's OpenAPI description). */
interface ValidationDetail {
  readonly resource: string;
  readonly field: string;
  readonly code: string;
  readonly message?: string;
}

/** What GitHub answers for a comment body over 65536 characters (CONFORMANCE.md). */
const COMMENT_TOO_LONG: ValidationDetail = {
  resource: 'IssueComment',
  code: 'unprocessable',
  field: 'data',
  message: 'Body is too long (maximum is 65536 characters)',
};

function tooLong(body: string): boolean {
  return Array.from(body).length > 65536;
}

function invalid(res: Response, detail: ValidationDetail): void {
  res.status(422).json({
    message: 'Validation Failed',
    errors: [detail],
    documentation_url: DOCS,
    status: '422',
  });
}
