/**
 * The lab's fallback for machines without root or wireguard-go: the same story
 * as lab.e2e.test.ts with the real master and the real agent in this process,
 * WireGuard and the bootstrap simulated (see in-process.ts). Needs PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HetznerClient } from '../../core/hetzner/client.ts';
import { workerLabels, workerServerName } from '../../core/naming/labels.ts';
import { postgresSkipReason } from '../../test/support/postgres.ts';
import { until } from './commands.ts';
import { leftovers, startLab, type FleetLab } from './index.ts';

const skip = postgresSkipReason();
if (skip) console.log(`skipping the in-process lab test: ${skip}`);

describe.skipIf(skip !== undefined)('in-process lab (no namespaces)', () => {
  let lab: FleetLab | undefined;
  const said: string[] = [];

  beforeAll(async () => {
    lab = await startLab({ mode: 'in-process', log: (l) => said.push(l) });
  });
  afterAll(async () => {
    if (!lab) return;
    const trace = lab.trace();
    await lab.stop();
    expect(leftovers(trace)).toEqual({ namespaces: [], pids: [], sockets: [], dirs: [] });
  });

  const api = async (method: string, path: string, body?: unknown) => {
    const r = await fetch(`${lab!.masterUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${lab!.apiToken}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: r.status, body: (await r.json()) as Record<string, unknown> };
  };

  it('when a server is created, then the simulated worker runs the real agent until the project is healthy, and deleting the server stops it', async () => {
    const l = lab!;
    expect(l.mode).toBe('in-process');
    expect(said.join('\n')).toContain('WireGuard: not running');
    const spec = { name: 'blog', server: { type: 'cx22', location: 'fsn1' } };
    const put = await api('PUT', '/v1/projects/blog?enrollment_token=true', spec);
    expect(put.status).toBe(201);
    const token = (put.body.enrollment as { token: string }).token;
    const hz = new HetznerClient({ token: l.hcloudToken, endpoint: l.hetzner.url });
    const created = await hz.createServer({
      name: workerServerName(l.fleet.name, 'blog'),
      server_type: 'cx22',
      image: 'debian-12',
      location: 'fsn1',
      labels: workerLabels(l.fleet.name, 'blog'),
      user_data: l.workerUserData(spec, token),
    });
    await hz.waitForAction(created.action);
    const worker = await until('the blog worker', () => l.workers().find((w) => w.name === 'blog'), 20_000);
    expect(worker.wgIp).toBe('127.101.0.2');
    await until(
      'blog to be healthy',
      async () =>
        ((await api('GET', '/v1/projects/blog')).body.health as { state: string }).state === 'healthy' ||
        undefined,
      30_000,
      300,
    );
    const rest = await l.getFromMaster(`http://${worker.wgIp}:3000/`);
    expect(JSON.parse(rest.body)).toMatchObject({ service: 'rest', project: 'blog' });
    const logs = l.logs();
    for (const secret of [...l.secrets, token])
      expect(logs.includes(secret), 'a secret in the logs').toBe(false);

    await hz.deleteServer(created.server.id, { fleet: l.fleet.name, project: 'blog', role: 'worker' });
    await until('the blog worker to stop', () => (l.workers().length === 0 ? true : undefined), 15_000);
    expect(leftovers({ namespaces: [], pids: [...worker.pids.all], sockets: [], dirs: [] }).pids).toEqual([]);
  });
});
