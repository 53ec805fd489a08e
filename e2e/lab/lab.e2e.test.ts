/**
 * A Hetzner server boots as a real worker: the Hetzner fake's "server" becomes a
 * network namespace that runs the user_data's real enrollment script over HTTPS
 * against the real master API, brings up wg0 with wg-quick and wireguard-go, and
 * starts the real agent, whose stand-in services make the project healthy and
 * answer on the worker's wg address. Deleting the server removes all of it, and
 * stopping the lab removes whatever still runs.
 * Needs root, iproute2, wireguard-go, wireguard-tools, curl, jq, openssl and
 * PostgreSQL; skips with the reason otherwise (fails instead when CI=true).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HetznerClient } from '../../core/hetzner/client.ts';
import { workerLabels, workerServerName } from '../../core/naming/labels.ts';
import { postgresSkipReason } from '../../test/support/postgres.ts';
import { GiveUp, until } from './commands.ts';
import {
  leftovers,
  namespaceLabSkipReason,
  readWorkerLog,
  startFleetLab,
  type FleetLab,
  type LabWorkerInfo,
} from './lab.ts';

const skip = process.env.CI === 'true' ? undefined : (namespaceLabSkipReason() ?? postgresSkipReason());
if (skip) console.log(`skipping the worker boot e2e test: ${skip}`);

interface ProjectView {
  health: { state: string; wg_handshake_age_s: number | null };
}

describe.skipIf(skip !== undefined)('simulated worker boot in network namespaces', () => {
  let lab: FleetLab | undefined;
  const tokens: string[] = [];

  const api = async (method: string, path: string, body?: unknown) => {
    const r = await fetch(`${lab!.masterUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${lab!.apiToken}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: r.status, body: (await r.json()) as Record<string, unknown> };
  };
  const hetzner = () => new HetznerClient({ token: lab!.hcloudToken, endpoint: lab!.hetzner.url });

  /** What provision does for a new project: register it, render its user_data, create the server. */
  async function createWorkerServer(name: string): Promise<number> {
    const spec = { name, server: { type: 'cx22', location: 'fsn1' } };
    const put = await api('PUT', `/v1/projects/${name}?enrollment_token=true`, spec);
    expect(put.status).toBe(201);
    const token = (put.body.enrollment as { token: string }).token;
    tokens.push(token);
    const created = await hetzner().createServer({
      name: workerServerName(lab!.fleet.name, name),
      server_type: 'cx22',
      image: 'debian-12',
      location: 'fsn1',
      labels: workerLabels(lab!.fleet.name, name),
      user_data: lab!.workerUserData(spec, token),
    });
    await hetzner().waitForAction(created.action);
    return created.server.id;
  }

  function running(name: string): Promise<LabWorkerInfo> {
    return until(
      `the ${name} worker to enroll and start its agent`,
      () => {
        const w = lab!.workers().find((x) => x.name === name);
        if (w?.state === 'failed') throw new GiveUp(`the ${name} worker's boot failed:\n${readWorkerLog(w)}`);
        return w?.state === 'running' ? w : undefined;
      },
      30_000,
    );
  }

  beforeAll(async () => {
    lab = await startFleetLab();
  });

  afterAll(async () => {
    if (!lab) return;
    const trace = lab.trace();
    await lab.stop();
    expect(trace.namespaces.length).toBeGreaterThanOrEqual(3);
    expect(leftovers(trace)).toEqual({ namespaces: [], pids: [], sockets: [], dirs: [] });
  });

  it('when a server is created for a project, then its namespace enrolls over wg, turns healthy and serves on its wg address until the server is deleted', async () => {
    const l = lab!;
    const serverId = await createWorkerServer('acme');

    // the namespace enrolled over HTTPS with the real script: it has a wg address and its agent runs
    const worker = await running('acme');
    expect(worker.wgIp).toBe('10.100.0.2');
    expect(worker.pids.agent).toBeGreaterThan(0);
    expect(worker.pids.wireguardGo).toBeGreaterThan(0);
    const log = readWorkerLog(worker);
    expect(log).toContain('skipped: runcmd /usr/local/sbin/supafleet-harden');
    expect(log).toContain('skipped: cloud-config packages');
    expect(log).toMatch(/skipped: docker compose .* up -d/);
    expect(log).toContain('wg-quick up wg0');

    // the agent's heartbeats make the project healthy; the master sees the peer's handshake
    const healthy = await until(
      'acme to be healthy',
      async () => {
        const v = (await api('GET', '/v1/projects/acme')).body as unknown as ProjectView;
        return v.health.state === 'healthy' ? v : undefined;
      },
      30_000,
      300,
    );
    expect(healthy.health.wg_handshake_age_s).not.toBeNull();
    const wg = l.execInMaster!('wg', ['show', l.masterWgInterface!, 'latest-handshakes']);
    expect(wg.stdout).toMatch(/\t[1-9]\d+\n?$/m);

    // a request from the master namespace reaches the stand-in REST endpoint over wg
    const rest = await l.getFromMaster(`http://${worker.wgIp}:3000/`);
    expect(rest.status).toBe(200);
    expect(JSON.parse(rest.body)).toMatchObject({ service: 'rest', project: 'acme', stand_in: true });

    // the Kong fake in the master namespace answers the host side too
    const kong = await fetch(`${l.kongUrl}/services`);
    expect(kong.status).toBe(200);
    expect((await kong.json()) as { data: unknown[] }).toHaveProperty('data');

    // no secret of the run appears in any log it wrote
    const logs = l.logs();
    expect(logs).toContain('supafleet-enroll: enroll');
    expect(l.secrets.size).toBeGreaterThanOrEqual(10);
    for (const secret of [...l.secrets, ...tokens])
      expect(logs.includes(secret), 'a secret in the logs').toBe(false);

    // deleting the server (and the project, as teardown does) takes namespace, peer and processes away
    const pids = [...l.workers().find((w) => w.name === 'acme')!.pids.all];
    expect(pids.length).toBeGreaterThanOrEqual(9); // agent, wireguard-go, seven stand-ins
    await hetzner().deleteServer(serverId, { fleet: l.fleet.name, project: 'acme', role: 'worker' });
    expect((await api('DELETE', '/v1/projects/acme')).status).toBe(200);
    await until('the acme worker to be gone', () => (l.workers().length === 0 ? true : undefined), 15_000);
    expect(leftovers({ namespaces: [worker.namespace], pids, sockets: [], dirs: [] })).toEqual({
      namespaces: [],
      pids: [],
      sockets: [],
      dirs: [],
    });
    expect(l.execInMaster!('wg', ['show', l.masterWgInterface!, 'peers']).stdout.trim()).toBe('');
  });

  it('when the master is killed and the agent is killed, then each restarts and the worker is healthy again, and the lab stops with the worker still running', async () => {
    const l = lab!;
    await createWorkerServer('blog');
    const worker = await running('blog');
    expect(worker.wgIp).toMatch(/^10\.100\.0\.\d+$/);
    const healthy = () =>
      until(
        'blog to be healthy',
        async () =>
          ((await api('GET', '/v1/projects/blog')).body as unknown as ProjectView).health.state ===
            'healthy' || undefined,
        30_000,
        300,
      );
    await healthy();

    // a crashed master comes back with its peers (persisted) and its registry
    await l.restartMaster!('SIGKILL');
    expect(l.execInMaster!('wg', ['show', l.masterWgInterface!, 'peers']).stdout.trim()).not.toBe('');
    await healthy();

    // a crashed agent is started again and brings its stand-ins back
    const before = l.workers().find((w) => w.name === 'blog')!.pids.agent;
    await l.restartAgent!('blog', 'SIGKILL');
    const after = await until(
      'a new blog agent',
      () => {
        const w = l.workers().find((x) => x.name === 'blog');
        return w?.pids.agent && w.pids.agent !== before ? w : undefined;
      },
      10_000,
    );
    await until(
      'the blog REST stand-in to answer again',
      async () => ((await l.getFromMaster(`http://${after.wgIp}:3000/`)).status === 200 ? true : undefined),
      20_000,
      300,
    );
    await healthy();
    // afterAll stops the lab with this worker running and checks that nothing it made is left
  });

  it('when three servers are created at once, then all three enroll with their own wg addresses and turn healthy', async () => {
    const names = ['shop', 'wiki', 'chat'];
    await Promise.all(names.map(createWorkerServer));
    const workers = await Promise.all(names.map(running));
    expect(new Set(workers.map((w) => w.wgIp)).size).toBe(3);
    expect(new Set(workers.map((w) => w.namespace)).size).toBe(3);
    for (const name of names) {
      await until(
        `${name} to be healthy`,
        async () =>
          ((await api('GET', `/v1/projects/${name}`)).body as unknown as ProjectView).health.state ===
            'healthy' || undefined,
        30_000,
        300,
      );
    }
    for (const w of workers) {
      const rest = await lab!.getFromMaster(`http://${w.wgIp}:3000/`);
      expect(JSON.parse(rest.body)).toMatchObject({ project: w.name });
    }
  });
});
