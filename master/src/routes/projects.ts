import { Router, type Request } from 'express';
import { listBackups, sendCommand } from '../agents.ts';
import { authenticate, needs, principalOf } from '../auth/middleware.ts';
import type { Deps } from '../deps.ts';
import { BadRequestError, NotFoundError } from '../errors.ts';
import {
  credentials,
  deleteProject,
  getProject,
  listProjects,
  reconcileRoutes,
  removeRoutes,
  upsertProject,
} from '../projects.ts';
import { createProjectSmokes, DEFAULT_SMOKE_SETTINGS, type ProjectSmokes } from '../smoke.ts';

const NAME_RE = /^[a-z][a-z0-9-]{1,31}$/;

function nameOf(req: Request): string {
  const name = String(req.params.name);
  if (!NAME_RE.test(name)) throw new NotFoundError(`"${name.slice(0, 64)}" is not a project name`);
  return name;
}

function flag(v: unknown): boolean {
  return v === 'true' || v === '1' || v === '';
}

/**
 * /v1/projects: thin adapters over projects.ts, agents.ts and smoke.ts; every call authenticated.
 * `smokes` holds the one-smoke-per-project lock, so a master builds it once.
 */
export function projectsRouter(
  deps: Deps,
  smokes: ProjectSmokes = createProjectSmokes(DEFAULT_SMOKE_SETTINGS),
): Router {
  const r = Router();
  r.use(authenticate({ oidc: deps.oidc, tokens: deps.registry }));

  r.get('/', needs('read'), async (_req, res) => {
    res.json({ projects: await listProjects(deps) });
  });
  r.get('/:name', needs('read'), async (req, res) => {
    res.json(await getProject(deps, nameOf(req)));
  });
  r.put('/:name', needs('write'), async (req, res) => {
    const out = await upsertProject(
      deps,
      nameOf(req),
      req.body,
      principalOf(res),
      flag(req.query.enrollment_token),
    );
    res.status(out.created ? 201 : 200).json(out);
  });
  r.delete('/:name', needs('write'), async (req, res) => {
    res.json(await deleteProject(deps, nameOf(req), principalOf(res).actor));
  });

  r.put('/:name/routes', needs('write'), async (req, res) => {
    res.json(await reconcileRoutes(deps, nameOf(req), principalOf(res).actor));
  });
  r.delete('/:name/routes', needs('write'), async (req, res) => {
    res.json(await removeRoutes(deps, nameOf(req), principalOf(res).actor));
  });

  r.get('/:name/backups', needs('read'), async (req, res) => {
    res.json(await listBackups(deps, nameOf(req)));
  });
  r.post('/:name/backups', needs('backup'), async (req, res) => {
    const out = await sendCommand(deps, nameOf(req), 'backup', undefined, principalOf(res).actor);
    res.status(out.status).json(out.body);
  });
  r.post('/:name/restart', needs('write'), async (req, res) => {
    const body = (req.body ?? {}) as { service?: unknown };
    if (body.service !== undefined && typeof body.service !== 'string') {
      throw new BadRequestError('service must be a string (a compose service name) or absent for all');
    }
    const out = await sendCommand(deps, nameOf(req), 'restart', body.service, principalOf(res).actor);
    res.status(out.status).json(out.body);
  });

  r.post('/:name/smoke', needs('write'), async (req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    const body = (req.body ?? {}) as { step_timeout_s?: unknown };
    const stepS = body.step_timeout_s;
    if (stepS !== undefined && (typeof stepS !== 'number' || !(stepS > 0 && stepS <= 600))) {
      throw new BadRequestError(
        `step_timeout_s ${JSON.stringify(stepS)} is not valid; expected seconds above 0 and at most 600, or absent for the master's default`,
      );
    }
    res.json(
      await smokes.run(
        deps,
        nameOf(req),
        principalOf(res).actor,
        stepS === undefined ? {} : { stepTimeoutMs: Math.round(stepS * 1000) },
      ),
    );
  });

  r.get('/:name/credentials', needs('admin'), async (req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.json(await credentials(deps, nameOf(req), principalOf(res).actor));
  });
  return r;
}
