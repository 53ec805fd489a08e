import { Router, type Response } from 'express';
import { listBackups } from '../agents.ts';
import { authenticate, needs, principalOf } from '../auth/middleware.ts';
import type { Scope } from '../auth/principal.ts';
import type { Deps } from '../deps.ts';
import { NotFoundError } from '../errors.ts';
import { getProject, listProjects, projectSecrets } from '../projects.ts';
import { CONSOLE_CSS, CONSOLE_HTML, CONSOLE_JS } from './assets.gen.ts';
import { changeKey, createFleetFeed, type FleetFeed } from './feed.ts';
import { fleetView, lastBackup, type ConsoleBackup, type ConsoleFleet } from './fleet-view.ts';
import { namesView } from './names-view.ts';
import type { MasterCheck, Probe } from './probes.ts';
import { projectPageView, TIMELINE_LENGTH, type ConsoleProjectPage } from './project-view.ts';

/**
 * How often the feed reads the fleet while a console is open, how often a quiet stream pings,
 * and what else of the master to check.
 */
export interface ConsoleOptions {
  readonly pollMs: number;
  readonly pingMs: number;
  /** Checks of the master's parts beyond WireGuard (`server.ts` adds Kong). */
  readonly probes?: readonly Probe[];
}

export const DEFAULT_CONSOLE_OPTIONS: ConsoleOptions = { pollMs: 2000, pingMs: 15_000 };

/**
 * The page may load only its own script and style and talk only to its own origin; no inline
 * script, no frames, no forms posting elsewhere.
 */
const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** The master's WireGuard interface: its peer count, or why it cannot be read. */
async function wireguardCheck(deps: Deps): Promise<MasterCheck | undefined> {
  if (deps.peers.managed === false) return undefined;
  try {
    const n = (await deps.peers.list()).length;
    return { name: 'WireGuard', ok: true, detail: `${n} ${n === 1 ? 'peer' : 'peers'}` };
  } catch {
    return { name: 'WireGuard', ok: false, detail: 'its peers cannot be read' };
  }
}

/** Reads the registry, the peers and the master's checks once into the Fleet page's data. */
export async function loadFleet(deps: Deps, probes: readonly Probe[] = []): Promise<ConsoleFleet> {
  const now = deps.now();
  const checks = (await Promise.all([wireguardCheck(deps), ...probes.map((p) => p())])).filter(
    (c): c is MasterCheck => c !== undefined,
  );
  const [views, latest] = await Promise.all([listProjects(deps), deps.registry.latestBackups()]);
  const backups = new Map<string, ConsoleBackup | null>(
    latest.map((b) => [b.project, lastBackup(b.reported, b.started, now)]),
  );
  return fleetView({
    fleet: deps.fleet,
    now,
    projects: views,
    backups,
    master: { checks },
  });
}

/** Reads one project's registry rows, recent heartbeats and backups into the Project page's data. */
export async function loadProjectPage(deps: Deps, name: string, scope: Scope): Promise<ConsoleProjectPage> {
  const view = await getProject(deps, name);
  const [heartbeats, backups, secrets] = await Promise.all([
    deps.registry.recentHeartbeats(name, TIMELINE_LENGTH),
    listBackups(deps, name),
    projectSecrets(deps, deps.registry, name),
  ]);
  return projectPageView({
    fleet: deps.fleet,
    now: deps.now(),
    view,
    heartbeats,
    backups: backups.backups,
    reportedBackup: backups.last_reported,
    anonKey: secrets.anon_key,
    scope,
  });
}

const PROJECT_NAME = /^[a-z][a-z0-9-]{1,31}$/;

function staticAsset(res: Response, type: string, body: string): void {
  res.setHeader('Content-Type', type);
  res.setHeader('Cache-Control', 'no-cache');
  res.setHeader('Content-Security-Policy', CSP);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.send(body);
}

/**
 * The fleet console (`/console/`). The page and its assets hold no data and are served to anyone
 * who reaches them; Caddy serves them on the admin host only, behind Authelia or the basic gate.
 * The data (`/console/api/…`) needs an API token with the read scope in `Authorization`, like the
 * rest of the API: no cookie, so no other site can make a browser read it.
 */
export function consoleRouter(
  deps: Deps,
  options: ConsoleOptions = DEFAULT_CONSOLE_OPTIONS,
): { router: Router; feed: FleetFeed } {
  const r = Router();
  const feed = createFleetFeed({
    load: () => loadFleet(deps, options.probes),
    intervalMs: options.pollMs,
    onError: (err) => deps.log.warn({ err: (err as Error).message }, 'console: cannot read the fleet'),
  });

  r.get('/', (req, res) => {
    // the page's relative asset paths need the trailing slash
    if (!req.originalUrl.split('?')[0]!.endsWith('/')) return res.redirect(308, `${req.baseUrl}/`);
    staticAsset(res, 'text/html; charset=utf-8', CONSOLE_HTML);
  });
  r.get('/app.js', (_req, res) => staticAsset(res, 'text/javascript; charset=utf-8', CONSOLE_JS));
  r.get('/app.css', (_req, res) => staticAsset(res, 'text/css; charset=utf-8', CONSOLE_CSS));

  const api = Router();
  api.use(authenticate({ oidc: deps.oidc, tokens: deps.registry }), needs('read'));
  api.get('/fleet', async (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.json(await feed.current());
  });
  /** The New project form's data: names and subdomains taken, the domain, the repository. */
  api.get('/names', async (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.json(namesView(deps.fleet, await deps.registry.listProjects()));
  });
  /** One project's page: services, heartbeat timeline, backups, links, the anon key. */
  api.get('/projects/:name', async (req, res) => {
    const name = String(req.params.name);
    if (!PROJECT_NAME.test(name)) throw new NotFoundError(`"${name.slice(0, 64)}" is not a project name`);
    res.setHeader('Cache-Control', 'no-store');
    res.json(await loadProjectPage(deps, name, principalOf(res).scope));
  });
  /** Server-sent events: `fleet` with the whole snapshot, first at once, then on every change. */
  api.get('/events', async (req, res) => {
    const first = await feed.current();
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      'X-Accel-Buffering': 'no',
    });
    let lastKey = changeKey(first);
    const send = (f: ConsoleFleet): void => {
      res.write(`event: fleet\ndata: ${JSON.stringify(f)}\n\n`);
    };
    send(first);
    const unsubscribe = feed.subscribe((f) => {
      const key = changeKey(f);
      if (key === lastKey) return;
      lastKey = key;
      send(f);
    });
    const ping = setInterval(() => res.write(': ping\n\n'), options.pingMs);
    ping.unref();
    req.on('close', () => {
      clearInterval(ping);
      unsubscribe();
    });
  });
  r.use('/api', api);
  return { router: r, feed };
}
