/**
 * The fleet story on examples/fleet, through the code the actions run
 * (core/apply): plan → apply → all healthy → the data path works → a
 * cross-project key is refused → an edited spec (CORS origins) converges on the
 * same worker without a rebuild → deleting a protected project is refused →
 * unprotected, it is torn down, then the other two → no server, peer, Kong
 * entity or worker is left, and nothing of the run once the lab stops.
 * Needs root and the WireGuard tools, PostgreSQL and Caddy; skips with the
 * reason otherwise (fails instead when CI=true).
 */
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryLogger } from '../core/apply/ports.ts';
import { ProtectedProjectError, teardownProject } from '../core/apply/teardown.ts';
import { realClock } from '../core/apply/ports.ts';
import type { ProjectSpec } from '../core/spec/types.ts';
import { caddySkipReason, httpsOnLoopback, type StartedCaddy } from '../test/support/caddy.ts';
import { postgresSkipReason } from '../test/support/postgres.ts';
import { pollUntil } from '../fakes/kong/poll.ts';
import { applyFleet, demoClients, loadFleet, type ApplyTarget, labTarget } from './demo/apply.ts';
import { until } from './lab/commands.ts';
import { readExampleSealKey, startLabBehindCaddy, stopLabBehindCaddy } from './lab/behind-caddy.ts';
import { namespaceLabSkipReason, type FleetLab } from './lab/index.ts';

const skip =
  process.env.CI === 'true'
    ? undefined
    : (namespaceLabSkipReason() ?? postgresSkipReason() ?? caddySkipReason());
if (skip) console.log(`skipping the fleet story e2e test: ${skip}`);

const root = resolve('examples/fleet');

describe.skipIf(skip !== undefined)('the fleet story on examples/fleet', () => {
  let lab: FleetLab | undefined;
  let caddy: StartedCaddy | undefined;
  let loaded: Awaited<ReturnType<typeof loadFleet>>;
  let target: ApplyTarget;
  const log = memoryLogger();

  beforeAll(async () => {
    loaded = await loadFleet(root);
    ({ lab, caddy } = await startLabBehindCaddy({
      mode: 'namespaces',
      fleet: { spec: loaded.fleet, sealPrivateKey: readExampleSealKey(root) },
    }));
    target = labTarget(lab);
  }, 90_000);

  afterAll(async () => {
    const left = await stopLabBehindCaddy(lab, caddy);
    if (left) expect(left).toEqual({ namespaces: [], pids: [], sockets: [], dirs: [] });
  }, 60_000);

  const ask = (host: string, path: string, headers: Record<string, string>, method = 'GET') =>
    httpsOnLoopback({ host, port: caddy!.httpsPort, path, ca: caddy!.rootCa, headers, method });

  it('when the fleet is applied, edited and deleted project by project, then each step converges and nothing is left', async () => {
    const l = lab!;
    // plan → apply: three projects created and healthy
    const first = await applyFleet(loaded, target, log);
    expect(first.results.map((r) => [r.project, r.outcome])).toEqual([
      ['acme', 'created'],
      ['blog', 'created'],
      ['shop', 'created'],
    ]);
    const { master, hetzner } = demoClients(target, log);
    const views = await master.listProjects();
    expect(views.map((v) => v.health.state)).toEqual(['healthy', 'healthy', 'healthy']);

    // the data path: acme's key reaches acme's stand-in over wg (`/rest/v1/`, PostgREST's root, where
    // the lab's rest stand-in names project and revision); blog's key is refused on acme
    const acme = await master.credentials('acme');
    const blog = await master.credentials('blog');
    // Kong applies route writes within worker_state_update_frequency, not at once: poll
    const ok = await pollUntil(
      () => ask('acme.example.com', '/rest/v1/', { apikey: acme.anon_key }),
      (r) => r.status === 200,
    );
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.text)).toMatchObject({ service: 'rest', project: 'acme', revision: 1 });
    const refused = await pollUntil(
      () => ask('acme.example.com', '/rest/v1/', { apikey: blog.anon_key }),
      (r) => r.status === 403,
    );
    expect(refused.status).toBe(403);

    // an edited spec (CORS origins) converges in place: same server, same namespace, revision 2
    const before = l.workers().find((w) => w.name === 'acme')!;
    const edited = loaded.projects.map((p): ProjectSpec =>
      p.name === 'acme' ? { ...p, api: { ...p.api, cors_origins: ['https://new.acme.com'] } } : p,
    );
    const second = await applyFleet({ fleet: loaded.fleet, projects: edited }, target, log);
    expect(second.results.map((r) => [r.project, r.outcome, r.revision])).toEqual([['acme', 'updated', 2]]);
    const after = l.workers().find((w) => w.name === 'acme')!;
    expect([after.serverId, after.namespace]).toEqual([before.serverId, before.namespace]);
    expect((await master.getProject('acme'))!.health.applied_revision).toBe(2);
    const preflight = await pollUntil(
      () =>
        ask(
          'acme.example.com',
          '/rest/v1/todos',
          { origin: 'https://new.acme.com', 'access-control-request-method': 'GET' },
          'OPTIONS',
        ),
      (r) => r.headers['access-control-allow-origin'] === 'https://new.acme.com',
    );
    expect(preflight.headers['access-control-allow-origin']).toBe('https://new.acme.com');
    const again = await ask('acme.example.com', '/rest/v1/', { apikey: acme.anon_key });
    expect(JSON.parse(again.text)).toMatchObject({ project: 'acme', revision: 2 });

    // deleting a protected project is refused, by the teardown step and by the master
    const deps = { master, hetzner, clock: realClock, log };
    await expect(
      teardownProject(deps, { fleet: loaded.fleet, name: 'acme', protect: true, backupWaitMs: 30_000 }),
    ).rejects.toBeInstanceOf(ProtectedProjectError);
    await expect(master.deleteProject('acme')).rejects.toThrow(/protected/);

    // unprotected, it is torn down: server, namespace, peer, routes and row gone
    const unprotected = edited.map((p): ProjectSpec => (p.name === 'acme' ? { ...p, protect: false } : p));
    const third = await applyFleet({ fleet: loaded.fleet, projects: unprotected }, target, log);
    expect(third.results.map((r) => [r.project, r.outcome])).toEqual([['acme', 'updated']]);
    const down = await teardownProject(deps, {
      fleet: loaded.fleet,
      name: 'acme',
      protect: false,
      backupWaitMs: 30_000,
      pollMs: 300,
    });
    expect(down).toMatchObject({ serversDeleted: 1, tombstoned: true });
    expect(await master.getProject('acme')).toBeUndefined();
    expect((await hetzner.listFleetServers(loaded.fleet.name)).map((s) => s.name).sort()).toEqual([
      'example-blog',
      'example-shop',
    ]);
    const kong = (await (await fetch(`${l.kongUrl}/services?tags=project-acme`)).json()) as {
      data: unknown[];
    };
    expect(kong.data).toEqual([]);
    const removed = await pollUntil(
      () => ask('acme.example.com', '/rest/v1/', { apikey: acme.anon_key }),
      (r) => r.status === 404,
    );
    expect(removed.status).toBe(404);
    const peers = l.execInMaster!('wg', ['show', l.masterWgInterface!, 'allowed-ips']).stdout;
    expect(peers).not.toContain(`${before.wgIp}/32`);

    // the other two torn down as well: no fake server, no peer, no Kong entity, no worker left
    const rest = await Promise.all(
      ['blog', 'shop'].map((name) =>
        teardownProject(deps, {
          fleet: loaded.fleet,
          name,
          protect: false,
          backupWaitMs: 60_000,
          pollMs: 300,
        }),
      ),
    );
    expect(rest.map((r) => [r.project, r.serversDeleted, r.tombstoned])).toEqual([
      ['blog', 1, true],
      ['shop', 1, true],
    ]);
    expect((await master.listProjects()).filter((v) => v.status === 'active')).toEqual([]);
    expect(await hetzner.listFleetServers(loaded.fleet.name)).toEqual([]);
    const tagged = (await (await fetch(`${l.kongUrl}/services?tags=supafleet`)).json()) as {
      data: unknown[];
    };
    expect(tagged.data).toEqual([]);
    const consumers = (await (await fetch(`${l.kongUrl}/consumers`)).json()) as { data: unknown[] };
    expect(consumers.data).toEqual([]);
    expect(l.execInMaster!('wg', ['show', l.masterWgInterface!, 'peers']).stdout.trim()).toBe('');
    await until('every worker to be removed', () => (l.workers().length === 0 ? true : undefined), 15_000);

    // no generated secret in any line the apply printed or any log the lab's processes wrote
    const printed = `${log.lines.join('\n')}\n${l.logs()}`;
    for (const s of [...l.secrets, acme.anon_key, acme.service_role_key, blog.anon_key, blog.jwt_secret])
      expect(printed.includes(s), 'a secret in the logs').toBe(false);
  }, 180_000);
});
