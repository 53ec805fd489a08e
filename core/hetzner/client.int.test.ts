import { afterEach, describe, expect, it } from 'vitest';
import { HetznerClient } from './client.ts';
import { HetznerActionError, HetznerRefusedError } from './errors.ts';
import { startFakeHetzner, type FakeHetzner, type FakeHetznerOptions } from '../../fakes/hetzner/index.ts';
import type { CreateServerRequest, FirewallRule } from './types.ts';
import { projectWorkerSelector, workerLabels } from '../naming/labels.ts';
import { plan } from '../plan/plan.ts';
import type { FleetSpec } from '../spec/types.ts';
import { toActualServer } from './actual.ts';

const TOKEN = 'k'.repeat(64);
const GUARD = { fleet: 'demo', project: 'acme', role: 'worker' as const };
let fake: FakeHetzner | undefined;

afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

/** A fake and a client sharing one virtual clock: sleeping advances time, nothing waits. */
async function setup(options: FakeHetznerOptions = {}, client: { requestTimeoutMs?: number } = {}) {
  let now = 1_800_000_000_000;
  const clock = () => now;
  fake = await startFakeHetzner({ token: TOKEN, actionDurationMs: 0, now: clock, ...options });
  const sleeps: number[] = [];
  const hetzner = new HetznerClient({
    token: TOKEN,
    endpoint: fake.url,
    now: clock,
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
    random: () => 0.5,
    requestTimeoutMs: client.requestTimeoutMs ?? 5000,
  });
  return { fake, hetzner, sleeps };
}

function request(project = 'acme'): CreateServerRequest {
  return {
    name: `demo-${project}`,
    server_type: 'cx22',
    image: 'ubuntu-24.04',
    location: 'fsn1',
    labels: workerLabels('demo', project),
    user_data: '#cloud-config\n',
  };
}

function mutating(f: FakeHetzner): string[] {
  return f
    .calls()
    .filter((c) => c.method !== 'GET')
    .map((c) => c.kind);
}

describe('HetznerClient against the fake', () => {
  it('when a server is ensured twice, then it is created once and found the second time', async () => {
    const { fake, hetzner } = await setup();
    const first = await hetzner.ensureServer(request(), GUARD);
    await hetzner.waitForAction(first.action!);
    const second = await hetzner.ensureServer(request(), GUARD);
    expect(first.created).toBe(true);
    expect(second).toMatchObject({ created: false, server: { id: first.server.id, status: 'running' } });
    expect(fake.state().servers).toHaveLength(1);
    expect(mutating(fake)).toEqual(['POST /servers']);
  });

  it('when the create response is lost, then the retry meets uniqueness_error and returns the existing server', async () => {
    const { fake, hetzner } = await setup({ faults: [{ kind: 'lose_response', match: 'POST /servers' }] });
    const result = await hetzner.ensureServer(request(), GUARD);
    expect(result.created).toBe(false);
    expect(fake.state().servers.map((s) => s.name)).toEqual(['demo-acme']);
    expect(fake.calls().map((c) => `${c.kind} ${c.status}`)).toEqual([
      'GET /servers 200',
      'POST /servers 504',
      'POST /servers 409',
      'GET /servers 200',
    ]);
  });

  it('when the name is taken by a server without our labels, then create refuses', async () => {
    const { hetzner } = await setup();
    await hetzner.createServer({ ...request(), labels: { owner: 'someone-else' } });
    await expect(hetzner.ensureServer(request(), GUARD)).rejects.toThrow(
      /server name "demo-acme" is taken by a server without the labels/,
    );
  });

  it('when 429 and 503 bursts hit the create, then it converges with one server', async () => {
    const { fake, hetzner, sleeps } = await setup({
      faults: [
        { kind: 'error', status: 429, match: 'POST /servers', times: 2 },
        { kind: 'error', status: 503, match: 'POST /servers', times: 2 },
      ],
    });
    const result = await hetzner.ensureServer(request(), GUARD);
    expect(result.created).toBe(true);
    expect(fake.state().servers).toHaveLength(1);
    expect(sleeps).toHaveLength(4);
  });

  it('when the rate-limit bucket is empty, then the client waits for the reset and goes on', async () => {
    const { fake, hetzner } = await setup({ rateLimit: { limit: 3, refillPerSecond: 1 } });
    fake.inject({ kind: 'drain_rate_limit' });
    const servers = await hetzner.listServers();
    expect(servers).toEqual([]);
    expect(fake.calls().some((c) => c.status === 429)).toBe(true);
  });

  it('when a response hangs, then the request times out and is retried', async () => {
    const { fake, hetzner } = await setup(
      { faults: [{ kind: 'hang', match: 'GET /servers' }] },
      { requestTimeoutMs: 200 },
    );
    await expect(hetzner.listServers()).resolves.toEqual([]);
    expect(fake.calls().filter((c) => c.kind === 'GET /servers')).toHaveLength(2);
  });

  it('when an action takes time, then it is polled at least a second apart until success', async () => {
    const { hetzner, sleeps } = await setup({ actionDurationMs: 4500 });
    const { action } = await hetzner.ensureServer(request(), GUARD);
    const done = await hetzner.waitForAction(action!);
    expect(done.status).toBe('success');
    expect(sleeps.every((ms) => ms >= 1000)).toBe(true);
    expect(sleeps.length).toBeGreaterThanOrEqual(4);
    expect(Object.keys(hetzner.calls())).not.toContain('GET /actions');
  });

  it('when an action ends in error, then waiting fails with its code and message', async () => {
    const { hetzner } = await setup({
      faults: [{ kind: 'action_error', command: 'create_server', code: 'server_error', message: 'boom' }],
    });
    const { action } = await hetzner.ensureServer(request(), GUARD);
    await expect(hetzner.waitForAction(action!)).rejects.toThrow(HetznerActionError);
    await expect(hetzner.waitForAction(action!.id)).rejects.toThrow(
      /create_server\) failed: server_error: boom/,
    );
  });

  it('when an action never finishes, then waiting gives up at the timeout', async () => {
    const { hetzner } = await setup({ actionDurationMs: 3_600_000 });
    const { action } = await hetzner.ensureServer(request(), GUARD);
    await expect(hetzner.waitForAction(action!, { timeoutMs: 10_000 })).rejects.toThrow(
      /still running after 10 s/,
    );
  });

  it('when deleting a server without the fleet labels, then the client refuses and deletes nothing', async () => {
    const { fake, hetzner } = await setup();
    const { server } = await hetzner.createServer({
      ...request('other'),
      labels: { 'supafleet/fleet': 'demo' },
    });
    await expect(hetzner.deleteServer(server.id, GUARD)).rejects.toThrow(HetznerRefusedError);
    expect(fake.state().servers).toHaveLength(1);
    expect(mutating(fake)).toEqual(['POST /servers']);
  });

  it('when a worker guard meets the master, then the delete is refused', async () => {
    const { fake, hetzner } = await setup();
    const { server } = await hetzner.createServer({
      ...request('master'),
      labels: { 'supafleet/fleet': 'demo', 'supafleet/role': 'master' },
    });
    await expect(hetzner.deleteServer(server.id, { fleet: 'demo', role: 'worker' })).rejects.toThrow(
      /refusing to delete server \d+ \("demo-master"\)/,
    );
    expect(fake.state().servers).toHaveLength(1);
  });

  it('when deleting by labels, then only the project server of this fleet goes', async () => {
    const { fake, hetzner } = await setup();
    await hetzner.ensureServer(request('acme'), GUARD);
    await hetzner.ensureServer(request('blog'), { ...GUARD, project: 'blog' });
    await hetzner.createServer({
      ...request('x'),
      name: 'other-acme',
      labels: workerLabels('other', 'acme'),
    });
    const actions = await hetzner.deleteLabelledServers(GUARD);
    expect(actions).toHaveLength(1);
    expect(fake.state().servers.map((s) => s.name)).toEqual(['demo-blog', 'other-acme']);
  });

  it('when deleting a server that is already gone, then it resolves without a DELETE', async () => {
    const { fake, hetzner } = await setup();
    await expect(hetzner.deleteServer(424242, GUARD)).resolves.toBeUndefined();
    expect(mutating(fake)).toEqual([]);
  });

  it('when the server type changes, then the server must be off and gets the new type', async () => {
    const { fake, hetzner } = await setup();
    const { server } = await hetzner.ensureServer(request(), GUARD);
    await hetzner.waitForAction(await hetzner.power(server.id, 'off'));
    await hetzner.waitForAction(
      await hetzner.changeServerType(server.id, 'cx32', { upgradeDisk: false, guard: GUARD }),
    );
    expect(fake.state().servers[0]).toMatchObject({ server_type: 'cx32', status: 'off' });
  });

  it('when there are more than 50 servers, then listing pages through all of them', async () => {
    const { hetzner } = await setup();
    for (let i = 0; i < 60; i++) await hetzner.createServer(request(`p${i}`));
    const all = await hetzner.listFleetWorkers('demo');
    expect(all).toHaveLength(60);
    expect(hetzner.calls()['GET /servers']).toBe(2);
    const one = await hetzner.listServers({ labelSelector: projectWorkerSelector('demo', 'p7') });
    expect(one.map((s) => s.name)).toEqual(['demo-p7']);
  });

  it('when user_data is over 32 KiB, then the client refuses before calling Hetzner', async () => {
    const { fake, hetzner } = await setup();
    await expect(
      hetzner.createServer({ ...request(), user_data: 'x'.repeat(32 * 1024 + 1) }),
    ).rejects.toThrow(/is 32769 bytes; Hetzner accepts at most 32768/);
    expect(fake.calls()).toEqual([]);
  });

  it('when the worker firewall is ensured twice, then it is created once, applied by label selector, and the second call changes nothing', async () => {
    const { fake, hetzner } = await setup();
    const rules: FirewallRule[] = [
      { direction: 'in', protocol: 'tcp', port: '22', source_ips: ['0.0.0.0/0', '::/0'], description: 'ssh' },
    ];
    const first = await hetzner.ensureWorkerFirewall('demo', rules);
    const { server } = await hetzner.ensureServer(request(), GUARD);
    const second = await hetzner.ensureWorkerFirewall('demo', rules);
    expect(first.changed).toBe(true);
    expect(second.changed).toBe(false);
    expect(first.firewall.applied_to).toEqual([
      expect.objectContaining({
        type: 'label_selector',
        label_selector: { selector: 'supafleet/fleet=demo,supafleet/role=worker' },
      }),
    ]);
    expect((await hetzner.getServer(server.id))!.public_net.firewalls).toEqual([
      { id: first.firewall.id, status: 'applied' },
    ]);
    const third = await hetzner.ensureWorkerFirewall('demo', [...rules, { ...rules[0]!, port: '2222' }]);
    expect(third.changed).toBe(true);
    expect(mutating(fake)).toEqual([
      'POST /firewalls',
      'POST /servers',
      'POST /firewalls/{id}/actions/set_rules',
    ]);
  });

  it('when another apply creates the worker firewall between our list and our create, then its uniqueness_error is met by updating that one', async () => {
    const { fake, hetzner } = await setup();
    const rules: FirewallRule[] = [
      { direction: 'in', protocol: 'icmp', source_ips: ['0.0.0.0/0', '::/0'], description: 'ping' },
    ];
    const other = await hetzner.ensureWorkerFirewall('demo', rules);
    // this run's list saw no firewall yet: it races the other run to the create
    const list = hetzner.listFirewalls.bind(hetzner);
    let calls = 0;
    hetzner.listFirewalls = async (filter) => (calls++ === 0 ? [] : list(filter));
    const ours = await hetzner.ensureWorkerFirewall('demo', [
      ...rules,
      { ...rules[0]!, description: 'again' },
    ]);
    expect(ours.firewall.id).toBe(other.firewall.id);
    expect(ours.changed).toBe(true);
    expect(mutating(fake)).toEqual([
      'POST /firewalls',
      'POST /firewalls',
      'POST /firewalls/{id}/actions/set_rules',
    ]);
  });

  it('when a firewall of that name exists without the fleet labels, then the error names it and the labels', async () => {
    const { hetzner } = await setup();
    await hetzner.createFirewall({ name: 'demo-workers', labels: {}, rules: [], apply_to: [] });
    await expect(hetzner.ensureWorkerFirewall('demo', [])).rejects.toThrow(
      /a firewall named demo-workers exists but does not carry supafleet\/fleet=demo,supafleet\/role=worker-firewall/,
    );
  });

  it('when server types and locations are listed, then they come from the catalogue', async () => {
    const { hetzner } = await setup();
    const types = await hetzner.listServerTypes();
    const locations = await hetzner.listLocations();
    expect(types.find((t) => t.name === 'cx22')).toMatchObject({ cores: 2, memory: 4, disk: 40 });
    expect(locations.map((l) => l.name)).toEqual(['fsn1', 'nbg1', 'hel1', 'ash', 'hil', 'sin']);
  });

  it('when the fleet servers feed the planner after provisioning, then the plan is a no-op and a re-ensure mutates nothing', async () => {
    const { fake, hetzner } = await setup();
    const fleet: FleetSpec = {
      name: 'demo',
      domain: 'example.com',
      github: { repository_id: 1, owner_id: 2 },
      master: { server: { type: 'cx32', location: 'fsn1' } },
      storage_box: { host: 'u1.your-storagebox.de', user: 'u1' },
      seal: { public_key: 'IPerVMSGUI9qd6uAm5clH5Vd/qn0u5XRvjHbJe+b0jM=' },
    };
    const spec = { name: 'acme', server: { type: 'cx22', location: 'fsn1' } };
    await hetzner.ensureServer(request(), GUARD);
    const servers = (await hetzner.listFleetServers('demo')).map(toActualServer);
    const result = plan(
      { fleet, projects: [spec] },
      { projects: [{ name: 'acme', spec, revision: 1, status: 'healthy' }], servers },
    );
    expect(result.steps.map((s) => s.kind)).toEqual(['noop']);
    const before = mutating(fake).length;
    await hetzner.ensureServer(request(), GUARD);
    expect(mutating(fake).length).toBe(before);
  });
  describe('rebuild', () => {
    const MASTER = { fleet: 'demo', role: 'master' as const };
    const master = (): CreateServerRequest => ({
      ...request('master'),
      labels: { 'supafleet/fleet': 'demo', 'supafleet/role': 'master' },
      user_data: '#cloud-config\nfirst: boot\n',
    });
    const rebuilds = (f: FakeHetzner) => f.state().actions.filter((a) => a.command === 'rebuild_server');

    it('when the master is rebuilt, then one rebuild runs to success and the server keeps its id and IPv4 with the new user_data', async () => {
      const { fake, hetzner } = await setup({ actionDurationMs: 3000 });
      const created = await hetzner.createServer(master());
      await hetzner.waitForAction(created.action);
      const progress: number[] = [];
      const result = await hetzner.rebuildServer(
        created.server.id,
        { image: 'ubuntu-24.04', user_data: '#cloud-config\nrestore: true\n' },
        MASTER,
      );
      expect((await hetzner.getServer(created.server.id))!.status).toBe('rebuilding');
      await hetzner.waitForAction(result.action, { onProgress: (a) => progress.push(a.progress) });
      const after = await hetzner.getServer(created.server.id);
      expect(after).toMatchObject({ id: created.server.id, status: 'running', name: 'demo-master' });
      expect(after!.public_net.ipv4!.ip).toBe(created.server.public_net.ipv4!.ip);
      expect(fake.state().servers[0]!.user_data).toBe('#cloud-config\nrestore: true\n');
      expect(rebuilds(fake)).toHaveLength(1);
      expect(progress.at(-1)).toBe(100);
      expect(progress.length).toBeGreaterThanOrEqual(2);
    });

    it('when 503 bursts and a 429 hit the rebuild, then it converges with one rebuild', async () => {
      const { fake, hetzner } = await setup({ actionDurationMs: 3000 });
      const created = await hetzner.createServer(master());
      await hetzner.waitForAction(created.action);
      fake.inject({ kind: 'error', status: 503, match: 'POST /servers/{id}/actions/rebuild', times: 2 });
      fake.inject({ kind: 'error', status: 429, match: 'POST /servers/{id}/actions/rebuild' });
      const result = await hetzner.rebuildServer(created.server.id, { image: 'ubuntu-24.04' }, MASTER);
      await hetzner.waitForAction(result.action);
      expect(result.resumed).toBe(false);
      expect(rebuilds(fake)).toHaveLength(1);
    });

    it('when the rebuild answer is lost, then the retry resumes the running rebuild instead of starting another', async () => {
      const { fake, hetzner } = await setup({
        actionDurationMs: 60_000,
        faults: [{ kind: 'lose_response', match: 'POST /servers/{id}/actions/rebuild' }],
      });
      const created = await hetzner.createServer(master());
      await hetzner.waitForAction(created.action);
      const result = await hetzner.rebuildServer(created.server.id, { image: 'ubuntu-24.04' }, MASTER);
      expect(result.resumed).toBe(true);
      expect(rebuilds(fake).map((a) => a.id)).toEqual([result.action.id]);
      expect(
        fake
          .calls()
          .filter((c) => c.kind.includes('/servers/{id}/actions'))
          .map((c) => `${c.kind} ${c.status}`),
      ).toEqual([
        'POST /servers/{id}/actions/rebuild 504',
        'POST /servers/{id}/actions/rebuild 423',
        'GET /servers/{id}/actions 200',
      ]);
      await hetzner.waitForAction(result.action);
      expect(fake.state().servers[0]!.status).toBe('running');
    });

    it('when a worker guard meets the master, then the rebuild is refused and nothing is posted', async () => {
      const { fake, hetzner } = await setup();
      const created = await hetzner.createServer(master());
      await expect(
        hetzner.rebuildServer(
          created.server.id,
          { image: 'ubuntu-24.04' },
          { fleet: 'demo', role: 'worker' },
        ),
      ).rejects.toThrow(HetznerRefusedError);
      expect(mutating(fake)).toEqual(['POST /servers']);
    });
  });
});
