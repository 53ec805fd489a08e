import { Router } from 'express';
import { agentBundle, recordCommandResult, recordHeartbeat } from '../agents.ts';
import { agentOf, authenticateAgent } from '../auth/middleware.ts';
import type { Deps } from '../deps.ts';
import { NotFoundError } from '../errors.ts';
import { validateCommandResult, validateHeartbeat } from '../validation.ts';

/** /v1/agent on the agent listener: every call from a project's wg address with its agent token. */
export function agentRouter(deps: Deps): Router {
  const r = Router();
  r.use(authenticateAgent(deps.agentAuth));

  r.get('/bundle', async (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.json(await agentBundle(deps, agentOf(res).project));
  });
  r.post('/heartbeat', async (req, res) => {
    res.json(await recordHeartbeat(deps, agentOf(res).project, validateHeartbeat(req.body)));
  });
  r.post('/commands/:id/result', async (req, res) => {
    const id = String(req.params.id);
    if (!/^[0-9a-f-]{36}$/.test(id)) throw new NotFoundError(`"${id.slice(0, 64)}" is not a command id`);
    await recordCommandResult(deps, agentOf(res).project, id, validateCommandResult(req.body));
    res.json({ ok: true });
  });
  return r;
}
