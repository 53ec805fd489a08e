/**
 * The master workflow's rebuild, end to end: the master action's run() from synthetic
 * runner environments against the fake Hetzner API, with every Hetzner call recorded.
 * A rebuild needs exactly one master and a confirm input naming it; it makes one
 * mutating call, keeps the server's id and IPv4, and leaves a restore-mode user_data.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { run as runMaster } from '../../../actions/master/src/run.ts';
import { renderMasterUserData } from '../../../cloud-init/master/user-data.ts';
import { decodeUserData } from '../../../cloud-init/test/decode.ts';
import { resolveFleet } from '../../spec/defaults.ts';
import type { FleetSpec } from '../../spec/types.ts';
import { postgresSkipReason } from '../../../test/support/postgres.ts';
import { fastClock, HCLOUD_TOKEN, startScenarioLab, type RunResult, type ScenarioLab } from './lab.ts';

const skip = postgresSkipReason();
if (skip) console.log(`skipping the master rebuild scenarios: ${skip}`);

const MASTER_LABELS = { 'supafleet/fleet': 'prod', 'supafleet/role': 'master' };

describe.skipIf(skip !== undefined)('the master workflow rebuilds the master in place', () => {
  let s: ScenarioLab;
  const clock = fastClock();
  const rebuilt: { id: number; userData: string | undefined }[] = [];

  const master = (mode: string, confirm?: string): Promise<RunResult<unknown>> =>
    s.runAction(() => runMaster({ clock }), {
      event: 'workflow_dispatch',
      payload: {},
      inputs: { 'hetzner-token': HCLOUD_TOKEN, mode, ...(confirm !== undefined ? { confirm } : {}) },
    });
  /** Every POST, PUT and DELETE the fake has answered so far. */
  const mutating = () => s.hetzner.calls().filter((c) => c.method !== 'GET');
  const rebuildActions = () => s.hetzner.state().actions.filter((a) => a.command === 'rebuild_server');
  const masters = () => s.hetzner.state().servers.filter((x) => x.labels['supafleet/role'] === 'master');
  const fleet = () => resolveFleet(parse(s.fleetYaml()) as FleetSpec);
  /** Nothing secret in what a run printed, wrote to the summary or set as outputs. */
  const expectNoSecret = (r: RunResult<unknown>) => {
    const haystack = [r.log, r.summary, JSON.stringify(r.outputs)].join('\n');
    for (const v of [...s.secrets].filter((x) => x.length >= 12)) {
      expect(haystack.includes(v), `a secret of ${v.length} chars leaked`).toBe(false);
    }
  };

  beforeAll(async () => {
    s = await startScenarioLab();
    s.hetzner.onServerRebuilt((server, userData) => rebuilt.push({ id: server.id as number, userData }));
  });
  afterAll(async () => {
    await s?.close();
  });

  it('when no master exists, then rebuild fails telling to run create, and nothing changes', async () => {
    const r = await master('rebuild', 'prod-master');
    expect(r.failed).toBe(true);
    expect(r.log).toContain(
      'no server carries supafleet/fleet=prod,supafleet/role=master, so there is no master to rebuild; run with mode create',
    );
    expect(mutating()).toEqual([]);
  });

  it('when the master is created, then create refuses a second time and points at rebuild with confirm', async () => {
    const first = await master('create');
    expect(first.failed).toBe(false);
    expect(masters().map((m) => [m.name, m.labels])).toEqual([['prod-master', MASTER_LABELS]]);
    const again = await master('create');
    expect(again.failed).toBe(true);
    expect(again.log).toContain('to replace it, run with mode rebuild and confirm prod-master');
  });

  const unconfirmed: [string, string | undefined][] = [
    ['no confirm', undefined],
    ['an empty confirm', ''],
    ['confirm naming the fleet instead of the server', 'prod'],
    ['confirm in other letters', 'PROD-MASTER'],
  ];
  for (const [what, confirm] of unconfirmed) {
    it(`when rebuild runs with ${what}, then it is refused naming prod-master and no mutating call is made`, async () => {
      const before = mutating().length;
      const r = await master('rebuild', confirm);
      expect(r.failed).toBe(true);
      expect(r.log).toMatch(
        /input confirm is "[^"]*"; rebuilding wipes the disk of server prod-master \(id \d+\)/,
      );
      expect(r.log).toContain('set confirm to prod-master to go ahead');
      expect(mutating().length).toBe(before);
      expect(rebuildActions()).toEqual([]);
    });
  }

  it('when rebuild runs with confirm prod-master, then one rebuild keeps the id and IPv4 and boots the restore user_data', async () => {
    const [before] = masters();
    const ipv4 = `203.0.113.${(before!.id % 250) + 1}`;
    const created = before!.user_data;
    const r = await master('rebuild', 'prod-master');
    expect(r.log).not.toMatch(/::error/);
    expect(r.failed).toBe(false);

    expect(mutating().filter((c) => c.kind === 'POST /servers/{id}/actions/rebuild')).toHaveLength(1);
    expect(rebuildActions()).toMatchObject([{ status: 'success', resources: [{ id: before!.id }] }]);
    expect(r.outputs).toEqual({ 'server-id': String(before!.id), ipv4 });
    const [after, ...others] = masters();
    expect(others).toEqual([]);
    expect(after).toMatchObject({
      id: before!.id,
      name: 'prod-master',
      status: 'running',
      labels: MASTER_LABELS,
    });

    // The stored user_data is the restore rendering, and the rebuilt server booted with it.
    const expected = renderMasterUserData({ fleet: fleet(), restore: true }).text;
    expect(after!.user_data).toBe(expected);
    expect(after!.user_data).not.toBe(created);
    const masterJson = decodeUserData(after!.user_data!).files.find(
      (f) => f.path === '/etc/supafleet/master.json',
    );
    expect(JSON.parse(masterJson!.content)).toMatchObject({ restore: true });
    expect(rebuilt).toEqual([{ id: before!.id, userData: expected }]);

    expect(r.log).toMatch(/rebuild of prod-master: running \d+%/);
    expect(r.log).toContain('rebuild of prod-master: success 100%');
    for (const step of [
      `ssh deploy@${ipv4} 'sudo install -o 1000 -g 1000 -m 0400 /dev/stdin /etc/supafleet/fleet-seal.key' < fleet-seal.key`,
      `ssh deploy@${ipv4} 'sudo install -m 0600 /dev/stdin /etc/supafleet/backup.key' < backup.key`,
      `ssh deploy@${ipv4} sudo supafleet-master-restore`,
      'https://fleet.example.com/healthz',
      'the workers reconnect by themselves',
    ]) {
      expect(r.summary).toContain(step);
    }
    // Hetzner's new root password was masked the moment it arrived, and appears nowhere.
    expect(r.masked.some((m) => /^[\w-]{16}$/.test(m))).toBe(true);
    expectNoSecret(r);
  });

  it('when a 503 burst and a 429 hit the rebuild, then it retries and converges with one rebuild', async () => {
    const [before] = masters();
    const rebuildsBefore = rebuildActions().length;
    s.hetzner.inject({ kind: 'error', status: 503, match: 'POST /servers/{id}/actions/rebuild', times: 3 });
    s.hetzner.inject({ kind: 'error', status: 429, match: 'POST /servers/{id}/actions/rebuild' });
    const r = await master('rebuild', 'prod-master');
    expect(r.failed).toBe(false);
    const posts = s.hetzner.calls().filter((c) => c.kind === 'POST /servers/{id}/actions/rebuild');
    expect(posts.slice(-5).map((c) => c.status)).toEqual([503, 503, 503, 429, 201]);
    expect(rebuildActions()).toHaveLength(rebuildsBefore + 1);
    expect(r.log).toMatch(
      /hetzner POST \/servers\/\{id\}\/actions\/rebuild: .*unavailable.*; retry 1 in \d+ ms/,
    );
    expect(r.outputs['server-id']).toBe(String(before!.id));
    expect(masters()).toMatchObject([{ id: before!.id, status: 'running' }]);
    expectNoSecret(r);
  });

  it('when two servers carry the master labels, then rebuild lists both and rebuilds nothing', async () => {
    const extra = await fetch(`${s.hetzner.url}/servers`, {
      method: 'POST',
      headers: { authorization: `Bearer ${HCLOUD_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'prod-master-2',
        server_type: 'cx22',
        image: 'ubuntu-24.04',
        location: 'fsn1',
        labels: MASTER_LABELS,
      }),
    });
    expect(extra.status).toBe(201);
    const [first, second] = masters();
    const before = mutating().length;
    const rebuildsBefore = rebuildActions().length;
    const r = await master('rebuild', 'prod-master');
    expect(r.failed).toBe(true);
    expect(r.log).toContain(
      `2 servers carry supafleet/fleet=prod,supafleet/role=master: prod-master (id ${first!.id}), ` +
        `prod-master-2 (id ${second!.id}); expected one master`,
    );
    expect(r.log).toContain('nothing was rebuilt');
    expect(mutating().length).toBe(before);
    expect(rebuildActions()).toHaveLength(rebuildsBefore);
  });
});
