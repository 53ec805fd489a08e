import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSealKeypair } from '../../core/seal/index.ts';
import { postgresSkipReason } from '../../test/support/postgres.ts';
import { createAgentServer } from '../src/agent-listener.ts';
import { createApp } from '../src/app.ts';
import { callFrom, spec, startLab, type Lab, type LabDeps } from './harness.ts';

const skip = postgresSkipReason();
if (skip) console.log(`skipping heartbeat poisoning tests: ${skip}`);

/**
 * Attack (security audit M2): one agent sends heartbeats holding a lone surrogate (\ud800), which
 * JSON.parse accepts and Postgres jsonb refuses. Written in one batch with other projects'
 * reports, it used to fail all of them. Such a report is refused at the edge, naming the field,
 * and the other agents' heartbeats all succeed.
 */
describe.skipIf(skip !== undefined)('an agent poisoning the heartbeat batch', () => {
  let lab: Lab;
  let l: LabDeps;
  let agentServer: Server;
  let url: string;
  const agents: Record<string, { token: string; ip: string }> = {};

  beforeAll(async () => {
    lab = await startLab();
    l = await lab.newDeps();
    const pub = createApp(l.deps, 'public');
    agentServer = createAgentServer(l.deps).listen(0, '127.0.0.1');
    await new Promise((r) => agentServer.once('listening', r));
    url = `http://127.0.0.1:${(agentServer.address() as AddressInfo).port}`;
    const w = await l.token('write');
    let n = 0;
    for (const name of ['victim', 'evil']) {
      const r = await request(pub)
        .put(`/v1/projects/${name}?enrollment_token=true`)
        .set('Authorization', `Bearer ${w}`)
        .send(spec(name));
      const e = await request(pub)
        .post('/v1/enroll')
        .send({
          token: r.body.enrollment.token,
          wg_public_key: Buffer.alloc(32, ++n).toString('base64'),
          seal_public_key: (await generateSealKeypair()).publicKey,
        });
      agents[name] = { token: e.body.agent.token, ip: e.body.wg.address.split('/')[0] };
    }
  });
  afterAll(async () => {
    agentServer?.close();
    await l?.close();
    await lab?.close();
  });

  const report = (project: string, extra: Record<string, unknown> = {}) => ({
    project,
    sent_at: new Date().toISOString(),
    apply: { state: 'applied', revision: 1 },
    services: [{ name: 'rest', state: 'healthy' }],
    system: {},
    ...extra,
  });
  const send = (name: string, body: unknown) =>
    callFrom(agents[name]!.ip, `${url}/v1/agent/heartbeat`, {
      method: 'POST',
      headers: { authorization: `Bearer ${agents[name]!.token}` },
      body,
    });

  it.each([
    {
      field: '/apply/error',
      body: report('evil', { apply: { state: 'failed', revision: 1, error: 'x\ud800' } }),
    },
    {
      field: '/services/0/detail',
      body: report('evil', { services: [{ name: 'rest', state: 'down', detail: '\udc00y' }] }),
    },
    { field: '/agent_version', body: report('evil', { agent_version: '\ud800' }) },
  ])(
    'when a heartbeat holds a lone surrogate in $field, then 400 naming that field',
    async ({ field, body }) => {
      const r = await send('evil', body);
      expect(r.status).toBe(400);
      expect(r.text).toContain(field);
    },
  );

  it("when an agent floods poisoned heartbeats, then every other agent's heartbeats succeed", async () => {
    const poisoned = report('evil', { apply: { state: 'failed', revision: 1, error: '\ud800' } });
    const victim: number[] = [];
    const evil: number[] = [];
    for (let round = 0; round < 20; round++) {
      const results = await Promise.all([
        ...Array.from({ length: 6 }, () => send('evil', poisoned)),
        send('victim', report('victim')),
        ...Array.from({ length: 6 }, () => send('evil', poisoned)),
      ]);
      victim.push(results[6]!.status);
      evil.push(...results.filter((_, i) => i !== 6).map((x) => x.status));
    }
    expect(victim).toEqual(Array(20).fill(200));
    expect(new Set(evil)).toEqual(new Set([400]));
    const hb = await l.deps.registry.pool.query('select seq from heartbeats where project = $1', ['victim']);
    expect(Number(hb.rows[0].seq)).toBeGreaterThanOrEqual(20);
  });
});
