/**
 * A Hetzner server boots as a real worker: the Hetzner fake's "server" becomes a
 * network namespace that runs the user_data's real enrollment script over HTTPS
 * against the real master API, brings up wg0 with wg-quick and wireguard-go, and
 * starts the real agent, whose stand-in services make the project healthy and
 * answer on the worker's wg address. Deleting the server removes all of it.
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
  type LabTrace,
} from './lab.ts';

const skip = process.env.CI === 'true' ? undefined : (namespaceLabSkipReason() ?? postgresSkipReason());
if (skip) console.log(`skipping the worker boot e2e test: ${skip}`);

interface ProjectView {
  health: { state: string; wg_handshake_age_s: number | null; reasons?: string[] };
}

describe.skipIf(skip !== undefined)('simulated worker boot in network namespaces', () => {
  let lab: FleetLab | undefined;
  let trace: LabTrace | undefined;

  const api = async (method: string, path: string, body?: unknown) => {
    const r = await fetch(`${lab!.masterUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${lab!.apiToken}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: r.status, body: (await r.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    lab = await startFleetLab();
  });

  afterAll(async () => {
    if (!lab) return;
    trace = lab.trace();
    await lab.stop();
    expect(leftovers(trace)).toEqual({ namespaces: [], pids: [], sockets: [], dirs: [] });
  });

  it('when a server is created for a project, then its namespace enrolls over wg, turns healthy and serves on its wg address until the server is deleted', async () => {
    const l = lab!;
    const spec = { name: 'acme', server: { type: 'cx22', location: 'fsn1' } };
    const put = await api('PUT', '/v1/projects/acme?enrollment_token=true', spec);
    expect(put.status).toBe(201);
    const token = (put.body.enrollment as { token: string }).token;
    const hz = new HetznerClient({ token: l.hcloudToken, endpoint: l.hetzner.url });
    const created = await hz.createServer({
      name: workerServerName(l.fleet.name, 'acme'),
      server_type: 'cx22',
      image: 'debian-12',
      location: 'fsn1',
      labels: workerLabels(l.fleet.name, 'acme'),
      user_data: l.workerUserData(spec, token),
    });
    await hz.waitForAction(created.action);

    // the namespace enrolled: it has a wg address and its agent runs
    const worker = await until(
      'the acme worker to enroll and start its agent',
      () => {
        const w = l.workers().find((x) => x.name === 'acme');
        if (w?.state === 'failed') throw new GiveUp(`the acme worker's boot failed:\n${readWorkerLog(w)}`);
        return w?.state === 'running' ? w : undefined;
      },
      30_000,
    );
    expect(worker.wgIp).toBe('10.100.0.2');
    expect(worker.pids.agent).toBeGreaterThan(0);
    expect(worker.pids.wireguardGo).toBeGreaterThan(0);
    const log = readWorkerLog(worker);
    expect(log).toContain('skipped: runcmd /usr/local/sbin/supafleet-harden');
    expect(log).toContain('skipped: cloud-config packages');
    expect(log).toMatch(/skipped: docker compose .* up -d/);
    expect(log).toContain('wg-quick up wg0');

    // the master lists the peer with a handshake, and the agent's heartbeats make the project healthy
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

    // deleting the server (and the project, as teardown does) takes namespace, peer and processes away
    // no secret of the run appears in any log it wrote
    const logs = l.logs();
    expect(logs).toContain('supafleet-enroll: enroll');
    expect(l.secrets.size).toBeGreaterThanOrEqual(10);
    for (const secret of [...l.secrets, token])
      expect(logs.includes(secret), 'a secret in the logs').toBe(false);

    const pids = [...worker.pids.all];
    await hz.deleteServer(created.server.id, { fleet: l.fleet.name, project: 'acme', role: 'worker' });
    expect((await api('DELETE', '/v1/projects/acme')).status).toBe(200);
    await until('the acme worker to be gone', () => (l.workers().length === 0 ? true : undefined), 15_000);
    const gone = leftovers({ namespaces: [worker.namespace], pids, sockets: [], dirs: [] });
    expect(gone).toEqual({ namespaces: [], pids: [], sockets: [], dirs: [] });
    expect(l.execInMaster!('wg', ['show', l.masterWgInterface!, 'peers']).stdout.trim()).toBe('');
  });
});
