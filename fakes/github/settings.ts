/**
 * The repository-settings part of the GitHub fake: the repository itself, users, Actions
 * secrets and variables, deployment environments (reviewers, branch policies, their secrets)
 * and workflow dispatches. Each behaviour and its source is in CONFORMANCE.md.
 */
import express, { type Response } from 'express';
import type { FakeDispatch, FakeRepoState } from './state.ts';

export interface SettingsOptions {
  readonly owner: string;
  readonly repo: string;
  readonly repoId: number;
  readonly ownerId: number;
  readonly actionsPublicKey?: string;
  /** The repository's key id, and the one environments report (GitHub has one per environment). */
  readonly keyId: string;
  /** Users by login → id, for `GET /users/{login}`. */
  readonly users: Readonly<Record<string, number>>;
  /** Workflow files that exist (`.github/workflows/<file>`). */
  readonly workflows: readonly string[];
  /** Called after a dispatch was accepted, as GitHub queues the run (not awaited). */
  readonly onDispatch?: (dispatch: FakeDispatch) => void;
}

type Fail = (res: Response, status: number, message: string) => void;

const SECRET_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Routes under `/repos/{owner}/{repo}`. */
export function settingsRouter(state: FakeRepoState, o: SettingsOptions, fail: Fail): express.Router {
  const r = express.Router();
  const sealedSecretBody = (
    res: Response,
    body: unknown,
  ): { encrypted_value: string; key_id: string } | undefined => {
    const b = body as { encrypted_value?: unknown; key_id?: unknown };
    if (!o.actionsPublicKey) {
      fail(res, 403, 'Resource not accessible by integration');
      return undefined;
    }
    if (typeof b.encrypted_value !== 'string' || b.key_id !== o.keyId) {
      res.status(422).json({
        message: 'Validation Failed',
        errors: [{ resource: 'Secret', field: 'encrypted_value', code: 'invalid' }],
        status: '422',
      });
      return undefined;
    }
    return { encrypted_value: b.encrypted_value, key_id: b.key_id };
  };
  const secretList = (secrets: ReadonlyMap<string, unknown>) => {
    const names = [...secrets.keys()].sort();
    return {
      total_count: names.length,
      secrets: names.map((name) => ({
        name,
        created_at: '2026-01-01T00:00:00Z',
        updated_at: '2026-01-01T00:00:00Z',
      })),
    };
  };

  r.get('/', (_req, res) => {
    res.json({
      id: o.repoId,
      name: o.repo,
      full_name: `${o.owner}/${o.repo}`,
      private: true,
      default_branch: 'main',
      owner: { login: o.owner, id: o.ownerId, type: 'Organization' },
    });
  });

  r.get('/actions/secrets', (_req, res) => res.json(secretList(state.secrets)));

  r.get('/actions/variables', (_req, res) => {
    const names = [...state.variables.keys()].sort();
    res.json({
      total_count: names.length,
      variables: names.map((name) => ({ name, ...state.variables.get(name)! })),
    });
  });
  r.post('/actions/variables', (req, res) => {
    const b = req.body as { name?: unknown; value?: unknown };
    if (typeof b.name !== 'string' || !SECRET_NAME.test(b.name) || typeof b.value !== 'string')
      return fail(res, 422, 'Invalid request.');
    if (state.variables.has(b.name)) return fail(res, 409, 'Already exists');
    const now = state.now();
    state.variables.set(b.name, { value: b.value, created_at: now, updated_at: now });
    res.status(201).json({});
  });
  r.patch('/actions/variables/:name', (req, res) => {
    const v = state.variables.get(req.params.name!);
    if (!v) return fail(res, 404, 'Not Found');
    const b = req.body as { value?: unknown };
    if (typeof b.value === 'string') v.value = b.value;
    v.updated_at = state.now();
    res.status(204).end();
  });

  const envJson = (name: string) => {
    const e = state.environments.get(name)!;
    const rules: unknown[] = [];
    if (e.reviewers.length > 0)
      rules.push({
        id: e.id * 10 + 1,
        node_id: `GA_${e.id}_r`,
        type: 'required_reviewers',
        prevent_self_review: e.prevent_self_review,
        reviewers: e.reviewers.map((x) => ({ type: x.type, reviewer: { id: x.id, login: loginOf(x.id) } })),
      });
    if (e.deployment_branch_policy)
      rules.push({ id: e.id * 10 + 2, node_id: `GA_${e.id}_b`, type: 'branch_policy' });
    return {
      id: e.id,
      node_id: `EN_${e.id}`,
      name: e.name,
      url: '',
      html_url: '',
      created_at: e.created_at,
      updated_at: e.updated_at,
      protection_rules: rules,
      deployment_branch_policy: e.deployment_branch_policy,
    };
  };
  const loginOf = (id: number): string | undefined => Object.entries(o.users).find(([, v]) => v === id)?.[0];

  r.get('/environments/:env', (req, res) => {
    if (!state.environments.has(req.params.env!)) return fail(res, 404, 'Not Found');
    res.json(envJson(req.params.env!));
  });
  r.put('/environments/:env', (req, res) => {
    const name = req.params.env!;
    const b = (req.body ?? {}) as {
      reviewers?: { type?: string; id?: number }[] | null;
      prevent_self_review?: boolean;
      deployment_branch_policy?: { protected_branches?: boolean; custom_branch_policies?: boolean } | null;
    };
    const policy = b.deployment_branch_policy;
    if (policy && policy.protected_branches === policy.custom_branch_policies)
      return fail(res, 422, 'Only one of `protected_branches` and `custom_branch_policies` may be true');
    const reviewers = (b.reviewers ?? []).map((x) => ({
      type: x.type === 'Team' ? ('Team' as const) : ('User' as const),
      id: Number(x.id),
    }));
    if (reviewers.length > 6) return fail(res, 422, 'Reviewers can only contain up to 6 reviewers');
    const now = state.now();
    const existing = state.environments.get(name);
    if (existing) {
      if (b.reviewers !== undefined) existing.reviewers = reviewers;
      if (b.prevent_self_review !== undefined) existing.prevent_self_review = b.prevent_self_review;
      if (policy !== undefined)
        existing.deployment_branch_policy = policy
          ? {
              protected_branches: policy.protected_branches === true,
              custom_branch_policies: policy.custom_branch_policies === true,
            }
          : null;
      existing.updated_at = now;
    } else {
      state.environments.set(name, {
        id: state.nextId(),
        name,
        reviewers,
        prevent_self_review: b.prevent_self_review === true,
        deployment_branch_policy: policy
          ? {
              protected_branches: policy.protected_branches === true,
              custom_branch_policies: policy.custom_branch_policies === true,
            }
          : null,
        branch_policies: [],
        secrets: new Map(),
        created_at: now,
        updated_at: now,
      });
    }
    res.json(envJson(name));
  });
  r.get('/environments/:env/deployment-branch-policies', (req, res) => {
    const e = state.environments.get(req.params.env!);
    if (!e) return fail(res, 404, 'Not Found');
    res.json({ total_count: e.branch_policies.length, branch_policies: e.branch_policies });
  });
  r.post('/environments/:env/deployment-branch-policies', (req, res) => {
    const e = state.environments.get(req.params.env!);
    if (!e) return fail(res, 404, 'Not Found');
    if (e.deployment_branch_policy?.custom_branch_policies !== true) return fail(res, 404, 'Not Found');
    const b = req.body as { name?: unknown; type?: unknown };
    if (typeof b.name !== 'string' || b.name === '') return fail(res, 422, 'Invalid request.');
    const type = b.type === 'tag' ? ('tag' as const) : ('branch' as const);
    if (e.branch_policies.some((p) => p.name === b.name && p.type === type))
      return void res.status(303).end();
    const policy = { id: state.nextId(), name: b.name, type };
    e.branch_policies.push(policy);
    res.json(policy);
  });
  r.get('/environments/:env/secrets/public-key', (req, res) => {
    if (!state.environments.has(req.params.env!)) return fail(res, 404, 'Not Found');
    if (!o.actionsPublicKey) return fail(res, 403, 'Resource not accessible by integration');
    res.json({ key_id: o.keyId, key: o.actionsPublicKey });
  });
  r.get('/environments/:env/secrets', (req, res) => {
    const e = state.environments.get(req.params.env!);
    if (!e) return fail(res, 404, 'Not Found');
    res.json(secretList(e.secrets));
  });
  r.put('/environments/:env/secrets/:name', (req, res) => {
    const e = state.environments.get(req.params.env!);
    if (!e) return fail(res, 404, 'Not Found');
    const sealed = sealedSecretBody(res, req.body);
    if (!sealed) return;
    const existed = e.secrets.has(req.params.name!);
    e.secrets.set(req.params.name!, sealed);
    if (existed) res.status(204).end();
    else res.status(201).json({});
  });

  r.post('/actions/workflows/:workflow/dispatches', (req, res) => {
    const workflow = req.params.workflow!;
    if (!o.workflows.includes(workflow)) return fail(res, 404, 'Not Found');
    const b = req.body as { ref?: unknown; inputs?: unknown };
    if (typeof b.ref !== 'string' || b.ref === '') return fail(res, 422, 'Invalid request.');
    const ref = b.ref.replace(/^refs\/heads\//, '');
    if (!state.refs.has(ref)) return fail(res, 422, `No ref found for: ${b.ref}`);
    const inputs = Object.fromEntries(
      Object.entries((b.inputs ?? {}) as Record<string, unknown>).map(([k, v]) => [k, String(v)]),
    );
    const dispatch = { workflow, ref: b.ref, inputs };
    state.dispatches.push(dispatch);
    res.status(204).end();
    o.onDispatch?.(dispatch);
  });

  return r;
}

/** `GET /users/{login}` (mounted at the API root). */
export function usersRouter(o: Pick<SettingsOptions, 'users'>, fail: Fail): express.Router {
  const r = express.Router();
  r.get('/users/:login', (req, res) => {
    const id = o.users[req.params.login!];
    if (id === undefined) return fail(res, 404, 'Not Found');
    res.json({ login: req.params.login, id, type: 'User' });
  });
  return r;
}
