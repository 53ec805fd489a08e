import express, { type Express, type RequestHandler } from 'express';
import { authenticate, needs } from './auth/middleware.ts';
import { isDirectLoopback } from './auth/loopback.ts';
import { consoleRouter, type ConsoleOptions } from './console/routes.ts';
import type { Deps } from './deps.ts';
import { errorFunnel, notFoundRoute } from './errors.ts';
import { agentRouter } from './routes/agent.ts';
import { projectsRouter } from './routes/projects.ts';
import { publicRouter } from './routes/public.ts';
import type { ProjectSmokes } from './smoke.ts';

/**
 * The two listeners of the master:
 * - `public`: the API behind Caddy (projects, enrollment, opted-in badges, TLS ask, and metrics
 *   for loopback scrapers or read-scoped tokens);
 * - `agent`: the agents' API on the wg address (bundle, heartbeat, command results).
 * Agent endpoints exist only on the agent surface, so they cannot be reached through Caddy.
 */
export type Surface = 'public' | 'agent';

/** One log line per request: method, route, status, duration. Never bodies, headers or query strings. */
function requestLog(deps: Deps, surface: Surface): RequestHandler {
  return (req, res, next) => {
    const start = process.hrtime.bigint();
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      const route = req.route ? `${req.baseUrl}${String(req.route.path)}` : 'unmatched';
      deps.metrics.requests.inc({ surface, method: req.method, route, status: String(res.statusCode) });
      deps.metrics.duration.observe({ surface, route }, seconds);
      if (surface === 'agent' && res.statusCode < 400) return; // heartbeats would flood the log
      deps.log.info(
        {
          surface,
          method: req.method,
          path: req.path,
          status: res.statusCode,
          ms: Math.round(seconds * 1000),
        },
        'request',
      );
    });
    next();
  };
}

export function createApp(
  deps: Deps,
  surface: Surface = 'public',
  opts: { console?: ConsoleOptions; smokes?: ProjectSmokes } = {},
): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  // Caddy on this host forwards public requests: trust its X-Forwarded-For for rate limiting.
  app.set('trust proxy', surface === 'public' ? 'loopback' : false);
  app.use(requestLog(deps, surface));
  app.use(express.json({ limit: '256kb' }));

  app.get('/healthz', (_req, res) => {
    res.json({ ok: true });
  });

  if (surface === 'public') {
    // Metrics name every project and count its traffic: only a scraper on this host (loopback,
    // not through Caddy) or a caller with a read-scoped token gets them.
    const authenticated = authenticate({ oidc: deps.oidc, tokens: deps.registry });
    const read = needs('read');
    const metricsGate: RequestHandler = (req, res, next) => {
      if (isDirectLoopback(req)) return next();
      return authenticated(req, res, (err?: unknown) => (err ? next(err) : read(req, res, next)));
    };
    app.get('/metrics', metricsGate, async (_req, res) => {
      res.setHeader('Content-Type', deps.metrics.registry.contentType);
      res.send(await deps.metrics.registry.metrics());
    });
    app.use('/v1/projects', projectsRouter(deps, opts.smokes));
    // The fleet console (docs/console.md): page on the admin host behind the gate, data by read token.
    app.use('/console', consoleRouter(deps, opts.console).router);
    app.use(publicRouter(deps));
  } else {
    app.use('/v1/agent', agentRouter(deps));
  }

  app.use(notFoundRoute);
  app.use(errorFunnel(deps.log));
  return app;
}
