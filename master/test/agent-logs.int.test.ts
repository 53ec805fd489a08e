/**
 * Attack tests for worker log shipping through the real agent listener, a real
 * registry (Postgres) and the Logflare fake: two enrolled projects, each on its own
 * wg-like loopback address, try to write into each other's logs.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeLogflare, type FakeLogflare } from '../../fakes/logflare/server.ts';
import { generateSealKeypair, Secret } from '../../core/seal/index.ts';
import { postgresSkipReason } from '../../test/support/postgres.ts';
import { createAgentServer } from '../src/agent-listener.ts';
import { createApp } from '../src/app.ts';
import { logIngestFor } from '../src/logs/index.ts';
import { projectSecrets } from '../src/projects.ts';
import { callFrom, spec, startLab, type Lab, type LabDeps } from './harness.ts';

const skip = postgresSkipReason();
if (skip) console.log(`skipping agent log shipping tests: ${skip}`);

const PUBLIC = 'lf-public-int-7d1c0b9a8f7e6d5c4b3a2918';
const PRIVATE = 'lf-private-int-0b1c2d3e4f5a6b7c8d9e0f1a';

describe.skipIf(skip !== undefined)('worker log shipping (POST /v1/agent/logs)', () => {
  let lab: Lab;
  let l: LabDeps;
  let logflare: FakeLogflare;
  let agentServer: Server;
  let url: string;
  const workers: Record<string, { ip: string; logKey: string; agentToken: string }> = {};

  beforeAll(async () => {
    lab = await startLab();
    l = await lab.newDeps();
    logflare = await startFakeLogflare({ publicToken: PUBLIC, privateToken: PRIVATE });
    const deps = {
      ...l.deps,
      logIngest: logIngestFor({ url: logflare.url, token: new Secret(PUBLIC) }, l.deps, l.deps.log),
    };
    const pub = createApp(deps, 'public');
    const write = await l.token('write', 'ci');
    for (const [i, name] of ['acme', 'blog'].entries()) {
      const r = await request(pub)
        .put(`/v1/projects/${name}?enrollment_token=true`)
        .set('Authorization', `Bearer ${write}`)
        .send(spec(name));
      expect(r.status).toBeLessThan(300);
      const seal = await generateSealKeypair();
      const e = await request(pub)
        .post('/v1/enroll')
        .send({
          token: r.body.enrollment.token,
          wg_public_key: Buffer.alloc(32, 40 + i).toString('base64'),
          seal_public_key: seal.publicKey,
        });
      expect(e.status).toBe(200);
      const secrets = await projectSecrets(l.deps, l.deps.registry, name);
      workers[name] = {
        ip: (e.body.wg.address as string).split('/')[0]!,
        logKey: secrets.logflare_api_key,
        agentToken: e.body.agent.token as string,
      };
    }
    agentServer = createAgentServer(deps).listen(0, '127.0.0.1');
    await new Promise((r) => agentServer.once('listening', r));
    url = `http://127.0.0.1:${(agentServer.address() as AddressInfo).port}/v1/agent/logs`;
  });
  afterAll(async () => {
    agentServer?.closeAllConnections();
    agentServer?.close();
    await logflare?.close();
    await l?.close();
    await lab?.close();
  });

  const ship = (from: string, key: string | undefined, body: unknown, source = 'postgres.logs') =>
    callFrom(from, `${url}?source_name=${source}`, {
      method: 'POST',
      headers: key === undefined ? {} : { authorization: `Bearer ${key}` },
      body,
    });

  it("when acme's worker ships with its own log key, then Logflare's postgres.logs holds the events as acme's", async () => {
    const r = await ship(workers.acme!.ip, workers.acme!.logKey, [{ message: 'LOG: checkpoint starting' }]);
    expect(r.status).toBe(200);
    expect(logflare.eventsIn('postgres.logs').at(-1)!.body).toMatchObject({
      event_message: 'LOG: checkpoint starting',
      project: 'acme',
      metadata: { host: 'db-acme' },
    });
  });

  it("when acme's worker presents blog's log key, then 403 and blog's logs get nothing", async () => {
    const before = logflare.events.length;
    const r = await ship(workers.acme!.ip, workers.blog!.logKey, [{ message: 'forged', project: 'blog' }]);
    expect(r.status).toBe(403);
    expect(logflare.events.length).toBe(before);
  });

  it("when acme's worker claims to be blog in the body, then the events are stored as acme's", async () => {
    const r = await ship(
      workers.acme!.ip,
      workers.acme!.logKey,
      [{ message: 'forged', project: 'blog', metadata: { project: 'blog', tenantId: 'blog' } }],
      'storage.logs.prod.2',
    );
    expect(r.status).toBe(200);
    const stored = logflare.eventsIn('storage.logs.prod.2').at(-1)!.body;
    expect(stored).toMatchObject({ project: 'acme', metadata: { project: 'acme', tenantId: 'acme' } });
  });

  it('when a request has no key, or the agent token instead of the log key, then it is refused', async () => {
    const before = logflare.events.length;
    expect((await ship(workers.acme!.ip, undefined, [{ message: 'x' }])).status).toBe(401);
    expect((await ship(workers.acme!.ip, workers.acme!.agentToken, [{ message: 'x' }])).status).toBe(403);
    expect(logflare.events.length).toBe(before);
  });

  it("when a worker names the master's Kong source, then 400: workers cannot forge API gateway logs", async () => {
    const r = await ship(
      workers.acme!.ip,
      workers.acme!.logKey,
      [{ message: 'GET /' }],
      'cloudflare.logs.prod',
    );
    expect(r.status).toBe(400);
    expect(logflare.eventsIn('cloudflare.logs.prod')).toEqual([]);
  });
});
