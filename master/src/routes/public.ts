import { Router, type Request } from 'express';
import { isDirectLoopback } from '../auth/loopback.ts';
import { badgeFor } from '../badges.ts';
import type { Deps } from '../deps.ts';
import { ForbiddenError, NotFoundError } from '../errors.ts';
import { enroll } from '../enrollment.ts';
import { getProject } from '../projects.ts';
import { projectOfStudioHost, studioAskLabel } from '../studio/hosts.ts';
import { defaultAdminDomain } from '../../../core/spec/rules/admin-zone.ts';
import { clientKey, createRateLimiter } from '../rate-limit.ts';
import { validateEnrollRequest } from '../validation.ts';

/** One answer for every badge that is not served: an unknown name and a project that did not opt in look alike. */
const NO_BADGE = 'no such badge; expected /badges/<project>.json of a project with a public badge';

/**
 * The unauthenticated endpoints: enrollment and opted-in badges, each rate limited per client (an IPv6
 * client per /64), and Caddy's TLS ask, which has no budget: it answers loopback callers only,
 * from the in-memory set of active hosts, so junk SNIs cost no query and cannot starve real asks.
 */
export function publicRouter(deps: Deps): Router {
  const r = Router();
  const limiter = createRateLimiter({ limit: deps.settings.publicRateLimitPerMinute, windowMs: 60_000 });
  const limit = (endpoint: string) => (req: Request) => limiter.hit(`${endpoint} ${clientKey(req.ip ?? '')}`);
  const limitEnroll = limit('enroll');
  const limitBadge = limit('badge');

  r.post('/v1/enroll', async (req, res) => {
    limitEnroll(req);
    res.setHeader('Cache-Control', 'no-store');
    res.json(await enroll(deps, validateEnrollRequest(req.body)));
  });

  // Badges only for the projects named in SUPAFLEET_PUBLIC_BADGES: any other name, registered or
  // not, gets the same 404, so the endpoint tells nobody which projects exist.
  const publicBadges = new Set(deps.settings.publicBadges);
  r.get('/badges/:file', async (req, res) => {
    limitBadge(req);
    const m = /^([a-z][a-z0-9-]{1,31})\.json$/.exec(String(req.params.file));
    if (!m || !publicBadges.has(m[1]!)) throw new NotFoundError(NO_BADGE);
    // the same health as the API's, WireGuard peer included
    const view = await getProject(deps, m[1]!).catch((err: unknown) => {
      throw err instanceof NotFoundError ? new NotFoundError(NO_BADGE) : err;
    });
    res.setHeader('Cache-Control', 'public, max-age=300');
    res.json(badgeFor(view.name, view.health.state));
  });

  // Caddy asks before it gets a certificate on demand. Only Caddy on this host may ask:
  // a request that came through a proxy (forwarding headers) is refused too.
  r.get('/v1/tls/ask', async (req, res) => {
    if (!isDirectLoopback(req))
      throw new ForbiddenError('the TLS ask endpoint answers loopback callers only');
    const domain = String(req.query.domain ?? '')
      .toLowerCase()
      .replace(/\.$/, '');
    // a project's Studio in the admin zone (studio-<name>.<admin_domain>)
    const studio = projectOfStudioHost(
      domain,
      deps.fleet.admin_domain ?? defaultAdminDomain(deps.fleet.domain),
    );
    if (studio !== undefined) {
      if (!(await deps.hosts.has(studioAskLabel(studio)))) {
        throw new NotFoundError(`"${domain.slice(0, 253)}" is not the Studio host of a registered project`);
      }
      res.json({ ok: true });
      return;
    }
    const suffix = `.${deps.fleet.domain.toLowerCase()}`;
    const label = domain.endsWith(suffix) ? domain.slice(0, -suffix.length) : '';
    if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(label) || !(await deps.hosts.has(label))) {
      throw new NotFoundError(`"${domain.slice(0, 253)}" is not a registered project host`);
    }
    res.json({ ok: true });
  });
  return r;
}
