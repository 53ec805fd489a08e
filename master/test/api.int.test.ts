import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { Ajv2020 } from 'ajv/dist/2020.js';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import enrollResponseSchema from '../../schemas/api/enroll-response.schema.json' with { type: 'json' };
import bundleResponseSchema from '../../schemas/api/bundle-response.schema.json' with { type: 'json' };
import heartbeatResponseSchema from '../../schemas/api/heartbeat-response.schema.json' with { type: 'json' };
import { generateSealKeypair, openBytes } from '../../core/seal/index.ts';
import { secretValues } from '../../core/secrets/generate.ts';
import { freePort, postgresSkipReason } from '../../test/support/postgres.ts';
import { createAgentServer } from '../src/agent-listener.ts';
import { createApp } from '../src/app.ts';
import { projectSecrets } from '../src/projects.ts';
import { callFrom, spec, startFakeAgent, startLab, type Lab, type LabDeps } from './harness.ts';

const skip = postgresSkipReason();
if (skip) console.log(`skipping master API integration tests: ${skip}`);

const ajv = new Ajv2020({ strict: false });
const WG_KEY = (n: number) => Buffer.alloc(32, n).toString('base64');
let keyCounter = 0;

function heartbeat(project: string, revision: number, services = [{ name: 'rest', state: 'healthy' }]) {
  return {
    project,
    sent_at: new Date().toISOString(),
    apply: { state: 'applied', revision },
    services,
    system: { disk_used_pct: 10, mem_used_pct: 20 },
  };
}

describe.skipIf(skip !== undefined)('master API', () => {
  let lab: Lab;
  let l: LabDeps;
  let pub: ReturnType<typeof createApp>;
  let agentServer: Server;
  let agentPort: number;
  let clock = Date.now();
  let write: string;
  let read: string;
  let admin: string;
  const handedOut: string[] = [];

  beforeAll(async () => {
    lab = await startLab();
    const cmdPort = await freePort();
    l = await lab.newDeps({
      now: () => new Date(clock),
      settings: { agentCommandPort: cmdPort, publicBadges: ['acme'] },
    });
    pub = createApp(l.deps, 'public');
    agentServer = createAgentServer(l.deps).listen(0, '127.0.0.1');
    await new Promise((r) => agentServer.once('listening', r));
    agentPort = (agentServer.address() as AddressInfo).port;
    write = await l.token('write', 'ci-writer');
    read = await l.token('read', 'dashboard');
    admin = await l.token('admin', 'ops');
    handedOut.push(write, read, admin);
  });
  afterAll(async () => {
    agentServer?.close();
    await l?.close();
    await lab?.close();
  });

  const put = (name: string, body: unknown, query = '', auth = write) =>
    request(pub)
      .put(`/v1/projects/${name}${query}`)
      .set('Authorization', `Bearer ${auth}`)
      .send(body as object);

  const enrollProject = async (name: string, auth = write) => {
    const r = await put(name, spec(name), '?enrollment_token=true', auth);
    expect(r.status).toBeLessThan(300);
    handedOut.push(r.body.enrollment.token);
    const seal = await generateSealKeypair();
    const wgKey = WG_KEY(++keyCounter);
    const e = await request(pub)
      .post('/v1/enroll')
      .send({ token: r.body.enrollment.token, wg_public_key: wgKey, seal_public_key: seal.publicKey });
    expect(e.status).toBe(200);
    handedOut.push(e.body.agent.token, e.body.agent.command_key);
    return { enrollment: e.body, seal, wgKey, ip: (e.body.wg.address as string).split('/')[0]! };
  };

  it('when /healthz and /metrics are asked, then both answer without credentials', async () => {
    expect((await request(pub).get('/healthz')).body).toEqual({ ok: true });
    const m = await request(pub).get('/metrics');
    expect(m.status).toBe(200);
    expect(m.text).toContain('supafleet_master_http_requests_total');
  });

  it('when a new project is PUT, then it gets the first worker address, revision 1 and no enrollment token', async () => {
    const r = await put('acme', spec('acme'));
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({
      created: true,
      changed: true,
      project: { name: 'acme', wg_ip: '127.100.0.2', revision: 1, host: 'acme.example.com' },
    });
    expect(r.body.enrollment).toBeUndefined();
    expect(r.body.project.health.state).toBe('provisioning');
  });

  it('when the same spec is PUT again, then nothing changes and the secrets are not regenerated', async () => {
    const before = await projectSecrets(l.deps, l.deps.registry, 'acme');
    const r = await put('acme', spec('acme'));
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      created: false,
      changed: false,
      project: { revision: 1, wg_ip: '127.100.0.2' },
    });
    expect(await projectSecrets(l.deps, l.deps.registry, 'acme')).toEqual(before);
  });

  it('when a changed spec is PUT, then the revision is bumped and the address kept', async () => {
    const r = await put('acme', spec('acme', { protect: true }));
    expect(r.body).toMatchObject({ changed: true, project: { revision: 2, wg_ip: '127.100.0.2' } });
  });

  it('when a spec is invalid, then 400 lists the problems and nothing is stored', async () => {
    const r = await put('bad-one', { name: 'bad-one', server: { type: 'cx99', location: 'fsn1' }, bogus: 1 });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('invalid_request');
    expect(r.body.error.details.length).toBeGreaterThanOrEqual(2);
    expect(await l.deps.registry.getProject('bad-one')).toBeUndefined();
  });

  it('when a spec string carries a NUL character, then 400 rather than a failed statement', async () => {
    const r = await put(
      'nul-spec',
      spec('nul-spec', { api: { cors_origins: ['https://a\u0000.example.com'] } }),
    );
    expect(r.status).toBe(400);
    expect(await l.deps.registry.getProject('nul-spec')).toBeUndefined();
  });

  it('when the spec name differs from the URL, then 400 names both', async () => {
    const r = await put('other', spec('acme'));
    expect(r.status).toBe(400);
    expect(r.body.error.message).toMatch(/other|acme/);
  });

  it('when the body is not JSON, then the funnel answers 400 invalid_json', async () => {
    const r = await request(pub)
      .put('/v1/projects/acme')
      .set('Authorization', `Bearer ${write}`)
      .set('content-type', 'application/json')
      .send('{"name":');
    expect(r.status).toBe(400);
    expect(r.body).toEqual({ error: { code: 'invalid_json', message: 'the body is not valid JSON' } });
  });

  it('when a second project wants a taken subdomain, then 409 subdomain_taken', async () => {
    const r = await put('acme-two', spec('acme-two', { subdomain: 'acme' }));
    expect(r.status).toBe(409);
    expect(r.body.error.code).toBe('subdomain_taken');
  });

  it('when 50 new projects are PUT in parallel, then they get 50 distinct addresses', async () => {
    const names = Array.from({ length: 50 }, (_, i) => `par-${String(i).padStart(2, '0')}`);
    const rs = await Promise.all(names.map((n) => put(n, spec(n))));
    expect(rs.map((r) => r.status)).toEqual(names.map(() => 201));
    const ips = rs.map((r) => r.body.project.wg_ip as string);
    expect(new Set(ips).size).toBe(50);
    expect(ips).not.toContain('127.100.0.2');
    const list = await request(pub).get('/v1/projects').set('Authorization', `Bearer ${read}`);
    expect(list.body.projects).toHaveLength(51);
    for (const n of names)
      await request(pub).delete(`/v1/projects/${n}`).set('Authorization', `Bearer ${write}`);
  });

  it('when a project is enrolled, then the answer follows the schema and the peer is added', async () => {
    const { enrollment, wgKey, ip } = await enrollProject('blog');
    expect(ajv.validate(enrollResponseSchema, enrollment)).toBe(true);
    expect(enrollment.wg).toMatchObject({
      address: `${ip}/24`,
      master_public_key: await l.peers.publicKey(),
      allowed_ips: '127.100.0.0/24',
      persistent_keepalive: 25,
    });
    expect(enrollment.agent.listen).toBe(`${ip}:${l.deps.settings.agentCommandPort}`);
    expect(l.peers.peers.get(wgKey)?.allowedIps).toEqual([`${ip}/32`]);
    const g = await request(pub).get('/v1/projects/blog').set('Authorization', `Bearer ${read}`);
    expect(g.body).toMatchObject({ enrolled: true });
  });

  it('when a rebuilt worker enrolls with a new token (minted by an admin) and key, then its old peer is replaced', async () => {
    const first = await enrollProject('rebuilt');
    const second = await enrollProject('rebuilt', admin);
    expect(second.ip).toBe(first.ip);
    expect(l.peers.peers.has(first.wgKey)).toBe(false);
    expect(l.peers.peers.get(second.wgKey)?.allowedIps).toEqual([`${first.ip}/32`]);
    const audit = await l.deps.registry.listAudit('rebuilt');
    expect(audit.filter((a) => a.action === 'project.enroll').map((a) => a.detail.replaced_peer)).toEqual([
      false,
      true,
    ]);
  });

  it('when a worker key is already enrolled for another project, then 409 key_in_use and the token stays usable', async () => {
    const taken = await enrollProject('holder');
    const r = await put('intruder', spec('intruder'), '?enrollment_token=true');
    const seal = await generateSealKeypair();
    const body = {
      token: r.body.enrollment.token,
      wg_public_key: taken.wgKey,
      seal_public_key: seal.publicKey,
    };
    const e = await request(pub).post('/v1/enroll').send(body);
    expect(e.status).toBe(409);
    expect(e.body.error.code).toBe('key_in_use');
    const ok = await request(pub)
      .post('/v1/enroll')
      .send({ ...body, wg_public_key: WG_KEY(200) });
    expect(ok.status).toBe(200);
  });

  it('when an enrollment token is reused, then 401 and nothing changes', async () => {
    const r = await put('reuse', spec('reuse'), '?enrollment_token=true');
    const seal = await generateSealKeypair();
    const body = {
      token: r.body.enrollment.token,
      wg_public_key: WG_KEY(101),
      seal_public_key: seal.publicKey,
    };
    expect((await request(pub).post('/v1/enroll').send(body)).status).toBe(200);
    const peersBefore = [...l.peers.peers.keys()];
    const again = await request(pub)
      .post('/v1/enroll')
      .send({ ...body, wg_public_key: WG_KEY(102) });
    expect(again.status).toBe(401);
    expect(again.body.error.code).toBe('unauthorized');
    expect([...l.peers.peers.keys()]).toEqual(peersBefore);
    expect((await l.deps.registry.peerOf('reuse'))?.publicKey).toBe(WG_KEY(101));
  });

  it('when an enrollment token has expired, then 410 and it stays unused', async () => {
    const r = await put('late', spec('late'), '?enrollment_token=true');
    const seal = await generateSealKeypair();
    clock += 61 * 60 * 1000;
    try {
      const e = await request(pub)
        .post('/v1/enroll')
        .send({
          token: r.body.enrollment.token,
          wg_public_key: WG_KEY(103),
          seal_public_key: seal.publicKey,
        });
      expect(e.status).toBe(410);
      expect(l.peers.peers.has(WG_KEY(103))).toBe(false);
      expect(await l.deps.registry.peerOf('late')).toBeUndefined();
    } finally {
      clock -= 61 * 60 * 1000;
    }
  });

  it('when adding the WireGuard peer fails, then the token stays usable', async () => {
    const r = await put('flaky', spec('flaky'), '?enrollment_token=true');
    const seal = await generateSealKeypair();
    const body = {
      token: r.body.enrollment.token,
      wg_public_key: WG_KEY(104),
      seal_public_key: seal.publicKey,
    };
    l.peers.failNextAdd = true;
    expect((await request(pub).post('/v1/enroll').send(body)).status).toBe(502);
    expect((await request(pub).post('/v1/enroll').send(body)).status).toBe(200);
  });

  it('when an enrollment request is malformed, then 400 names the field without echoing values', async () => {
    const e = await request(pub)
      .post('/v1/enroll')
      .send({ token: 'x'.repeat(30), wg_public_key: 'nope', seal_public_key: WG_KEY(1) });
    expect(e.status).toBe(400);
    expect(e.body.error.message).toContain('/wg_public_key');
    expect(e.body.error.message).not.toContain('xxxxxxxx');
  });

  it('when an agent fetches its bundle, then only its seal key opens it and the hash matches', async () => {
    const { enrollment, seal, ip } = await enrollProject('shop');
    const r = await callFrom(ip, `http://127.0.0.1:${agentPort}/v1/agent/bundle`, {
      headers: { authorization: `Bearer ${enrollment.agent.token}` },
    });
    expect(r.status).toBe(200);
    expect(ajv.validate(bundleResponseSchema, r.body)).toBe(true);
    const b = r.body as { sealed: string; sha256: string; revision: number; project: string };
    expect(b).toMatchObject({ project: 'shop', revision: 1 });
    const plain = Buffer.from(await openBytes(b.sealed, seal.privateKey)).toString('utf8');
    expect(createHash('sha256').update(plain).digest('hex')).toBe(b.sha256);
    const files = (JSON.parse(plain) as { files: Record<string, string> }).files;
    expect(Object.keys(files)).toContain('.env');
    const secrets = await projectSecrets(l.deps, l.deps.registry, 'shop');
    expect(files['.env']).toContain(secrets.anon_key);
    expect(r.text).not.toContain(secrets.anon_key);
  });

  it('when an agent sends heartbeats, then the latest is stored, history is bounded and health follows', async () => {
    const { enrollment, ip } = await enrollProject('pulse');
    const auth = { authorization: `Bearer ${enrollment.agent.token}` };
    const url = `http://127.0.0.1:${agentPort}/v1/agent/heartbeat`;
    const n = l.deps.settings.heartbeatHistory + 5;
    for (let i = 0; i < n; i++) {
      const r = await callFrom(ip, url, { method: 'POST', headers: auth, body: heartbeat('pulse', 1) });
      expect(r.status).toBe(200);
      if (i === 0) expect(ajv.validate(heartbeatResponseSchema, r.body)).toBe(true);
      expect(r.body).toEqual({ desired_revision: 1 });
    }
    const history = await l.deps.registry.heartbeatHistory('pulse');
    expect(history).toHaveLength(l.deps.settings.heartbeatHistory);
    expect(history[0]!.seq).toBe(n);
    // the console's timeline reads only the newest few, newest first
    const recent = await l.deps.registry.recentHeartbeats('pulse', 3);
    expect(recent).toHaveLength(3);
    expect(recent.map((b) => b.receivedAt.getTime())).toEqual(
      history.slice(0, 3).map((b) => b.receivedAt.getTime()),
    );
    expect(recent[0]!.services).toEqual((history[0]!.report as { services: unknown }).services);
    const g = await request(pub).get('/v1/projects/pulse').set('Authorization', `Bearer ${read}`);
    expect(g.body.health).toMatchObject({ state: 'healthy', applied_revision: 1 });
    await callFrom(ip, url, {
      method: 'POST',
      headers: auth,
      body: heartbeat('pulse', 1, [{ name: 'rest', state: 'down' }]),
    });
    const g2 = await request(pub).get('/v1/projects/pulse').set('Authorization', `Bearer ${read}`);
    expect(g2.body.health).toMatchObject({ state: 'degraded', reasons: ['rest down'] });
  });

  it('when a heartbeat is malformed or names another project, then 400 or 403', async () => {
    const { enrollment, ip } = await enrollProject('noisy');
    const auth = { authorization: `Bearer ${enrollment.agent.token}` };
    const url = `http://127.0.0.1:${agentPort}/v1/agent/heartbeat`;
    expect(
      (await callFrom(ip, url, { method: 'POST', headers: auth, body: { project: 'noisy' } })).status,
    ).toBe(400);
    expect(
      (await callFrom(ip, url, { method: 'POST', headers: auth, body: heartbeat('acme', 1) })).status,
    ).toBe(403);
  });

  it.each([
    {
      name: 'not JSON',
      project: 'raw-one',
      headers: { 'content-type': 'application/json' },
      raw: '{"project":',
      want: 400,
      code: 'invalid_json',
    },
    {
      name: 'not declared as JSON',
      project: 'raw-two',
      headers: { 'content-type': 'text/plain' },
      raw: '{}',
      want: 400,
      code: 'invalid_request',
    },
    {
      name: 'carrying a NUL character',
      project: 'raw-three',
      headers: { 'content-type': 'application/json' },
      raw: JSON.stringify({ ...heartbeat('raw-three', 1), agent_version: 'a\u0000b' }),
      want: 400,
      code: 'invalid_request',
    },
    {
      name: 'larger than 256 KiB',
      project: 'raw-four',
      headers: { 'content-type': 'application/json' },
      raw: `"${'x'.repeat(300_000)}"`,
      want: 413,
      code: 'too_large',
    },
  ])('when a heartbeat body is $name, then $want $code', async ({ project, headers, raw, want, code }) => {
    const { enrollment, ip } = await enrollProject(project);
    const r = await callFrom(ip, `http://127.0.0.1:${agentPort}/v1/agent/heartbeat`, {
      method: 'POST',
      headers: { authorization: `Bearer ${enrollment.agent.token}`, ...headers },
      raw,
    });
    expect(r.status).toBe(want);
    expect((r.body as { error: { code: string } }).error.code).toBe(code);
    expect(await l.deps.registry.heartbeatHistory(project)).toEqual([]);
  });

  it('when agent endpoints are called on the public listener, then they do not exist there', async () => {
    const r = await request(pub).post('/v1/agent/heartbeat').send(heartbeat('acme', 1));
    expect(r.status).toBe(404);
    expect(r.body.error.code).toBe('not_found');
  });

  it('when a backup is triggered, then a signed command reaches the agent and its result is recorded', async () => {
    const { enrollment, ip } = await enrollProject('safe');
    const agent = await startFakeAgent(ip, l.deps.settings.agentCommandPort, enrollment.agent.command_key);
    try {
      const r = await request(pub).post('/v1/projects/safe/backups').set('Authorization', `Bearer ${write}`);
      expect(r.status).toBe(202);
      expect(r.body.state).toBe('running');
      expect(agent.received.map((x) => x.verdict)).toEqual(['ok']);
      const id = r.body.id as string;
      const result = {
        id,
        state: 'succeeded',
        duration_s: 41.2,
        snapshot_id: '4f1a2b3c',
        size_bytes: 1048576,
      };
      const post = await callFrom(ip, `http://127.0.0.1:${agentPort}/v1/agent/commands/${id}/result`, {
        method: 'POST',
        headers: { authorization: `Bearer ${enrollment.agent.token}` },
        body: result,
      });
      expect(post.status).toBe(200);
      const list = await request(pub).get('/v1/projects/safe/backups').set('Authorization', `Bearer ${read}`);
      expect(list.body.backups).toEqual([
        expect.objectContaining({
          id,
          state: 'succeeded',
          snapshot_id: '4f1a2b3c',
          size_bytes: 1048576,
          duration_s: 41.2,
        }),
      ]);

      const restart = await request(pub)
        .post('/v1/projects/safe/restart')
        .set('Authorization', `Bearer ${write}`)
        .send({ service: 'rest' });
      expect(restart.status).toBe(200);
      expect(restart.body.state).toBe('succeeded');
      expect(JSON.parse(agent.received[1]!.body)).toMatchObject({ type: 'restart', service: 'rest' });

      agent.answer = () => ({ status: 500, body: { error: { code: 'x', message: 'boom' } } });
      const failed = await request(pub)
        .post('/v1/projects/safe/backups')
        .set('Authorization', `Bearer ${write}`);
      expect(failed.status).toBe(502);
      const list2 = await request(pub)
        .get('/v1/projects/safe/backups')
        .set('Authorization', `Bearer ${read}`);
      expect(list2.body.backups[0].state).toBe('failed');
    } finally {
      await agent.close();
    }
  });

  it('when an enrolled project gets a changed spec, then its agent is told to fetch the new revision at once', async () => {
    const { enrollment, ip } = await enrollProject('nudged');
    const agent = await startFakeAgent(ip, l.deps.settings.agentCommandPort, enrollment.agent.command_key);
    try {
      const same = await put('nudged', spec('nudged'));
      expect(same.body.changed).toBe(false);
      const r = await put('nudged', { ...spec('nudged'), api: { cors_origins: ['https://nudged.test'] } });
      expect(r.status).toBe(200);
      expect(r.body.project.revision).toBe(2);
      const deadline = Date.now() + 5000;
      for (let i = 0; i < 100 && agent.received.length === 0 && Date.now() < deadline; i++) {
        await new Promise((res) => setTimeout(res, 50));
      }
      expect(agent.received.map((x) => [x.verdict, JSON.parse(x.body).type])).toEqual([['ok', 'refetch']]);
    } finally {
      await agent.close();
    }
  });

  it('when routes are reconciled and removed, then Kong gets the project, its wg address and its keys', async () => {
    const r = await request(pub).put('/v1/projects/acme/routes').set('Authorization', `Bearer ${write}`);
    expect(r.status).toBe(200);
    expect(r.body.calls).toEqual({ list: 6, mutate: 0 });
    const secrets = await projectSecrets(l.deps, l.deps.registry, 'acme');
    const input = l.kong.reconciled.at(-1)!;
    expect(input).toMatchObject({
      name: 'acme',
      subdomain: 'acme',
      domain: 'example.com',
      upstreamHost: '127.100.0.2',
    });
    expect(input.anonKey.reveal()).toBe(secrets.anon_key);
    expect(input.serviceRoleKey.reveal()).toBe(secrets.service_role_key);
    const d = await request(pub).delete('/v1/projects/acme/routes').set('Authorization', `Bearer ${write}`);
    expect(d.status).toBe(200);
    expect(l.kong.removed).toContain('acme');
  });

  it('when an admin asks for credentials, then they are returned and audit-logged; write scope is refused', async () => {
    expect(
      (await request(pub).get('/v1/projects/acme/credentials').set('Authorization', `Bearer ${write}`))
        .status,
    ).toBe(403);
    const r = await request(pub).get('/v1/projects/acme/credentials').set('Authorization', `Bearer ${admin}`);
    expect(r.status).toBe(200);
    const secrets = await projectSecrets(l.deps, l.deps.registry, 'acme');
    expect(r.body).toMatchObject({ url: 'https://acme.example.com', anon_key: secrets.anon_key });
    const audit = await l.deps.registry.listAudit('acme');
    expect(audit.at(-1)).toMatchObject({
      action: 'project.credentials',
      actor: { kind: 'token', name: 'ops' },
    });
  });

  it('when a badge is asked, then it is shields JSON with the state only', async () => {
    const r = await request(pub).get('/badges/acme.json');
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      schemaVersion: 1,
      label: 'acme',
      message: 'provisioning',
      color: 'blue',
      cacheSeconds: 300,
    });
    expect(r.text).not.toContain('127.100');
    expect((await request(pub).get('/badges/nope.json')).status).toBe(404);
    expect((await request(pub).get('/badges/acme.svg')).status).toBe(404);
  });

  it('when Caddy asks about a host, then only registered project hosts get 200', async () => {
    expect((await request(pub).get('/v1/tls/ask?domain=acme.example.com')).status).toBe(200);
    expect((await request(pub).get('/v1/tls/ask?domain=ACME.example.com.')).status).toBe(200);
    expect((await request(pub).get('/v1/tls/ask?domain=nope.example.com')).status).toBe(404);
    expect((await request(pub).get('/v1/tls/ask?domain=acme.example.org')).status).toBe(404);
    expect((await request(pub).get('/v1/tls/ask?domain=x.acme.example.com')).status).toBe(404);
    const proxied = await request(pub)
      .get('/v1/tls/ask?domain=acme.example.com')
      .set('X-Forwarded-For', '203.0.113.9');
    expect(proxied.status).toBe(403);
  });

  it('when a protected project whose worker enrolled is deleted, then 409 protected and nothing changes', async () => {
    await enrollProject('guarded');
    expect((await put('guarded', spec('guarded', { protect: true }))).status).toBe(200);
    const removedBefore = l.kong.removed.length;
    const r = await request(pub).delete('/v1/projects/guarded').set('Authorization', `Bearer ${write}`);
    expect(r.status).toBe(409);
    expect(r.body.error.code).toBe('protected');
    expect((await l.deps.registry.getProject('guarded'))?.status).toBe('active');
    expect(l.kong.removed).toHaveLength(removedBefore);
  });

  it('when a protected project whose worker never enrolled is deleted, then it goes (a failed first apply undoes its row)', async () => {
    expect((await put('fresh', spec('fresh', { protect: true }), '?enrollment_token=true')).status).toBe(201);
    const r = await request(pub).delete('/v1/projects/fresh').set('Authorization', `Bearer ${write}`);
    expect(r.status).toBe(200);
    expect((await l.deps.registry.getProject('fresh'))?.status).toBe('deleted');
  });

  it('when a project is deleted, then its routes and peer go, the row is tombstoned and a retry is harmless', async () => {
    const { wgKey } = await enrollProject('gone');
    const d = await request(pub).delete('/v1/projects/gone').set('Authorization', `Bearer ${write}`);
    expect(d.status).toBe(200);
    expect(d.body).toEqual({ deleted: true });
    expect(l.kong.removed).toContain('gone');
    expect(l.peers.peers.has(wgKey)).toBe(false);
    expect((await l.deps.registry.getProject('gone'))?.status).toBe('deleted');
    expect((await request(pub).get('/v1/projects/gone').set('Authorization', `Bearer ${read}`)).status).toBe(
      404,
    );
    expect(
      (await request(pub).delete('/v1/projects/gone').set('Authorization', `Bearer ${write}`)).body,
    ).toEqual({ deleted: false });
    expect((await request(pub).get('/v1/tls/ask?domain=gone.example.com')).status).toBe(404);
    expect(await l.deps.registry.selectSecrets('gone')).toBeDefined();
    expect(
      (await request(pub).delete('/v1/projects/never').set('Authorization', `Bearer ${write}`)).status,
    ).toBe(404);
  });

  it('when a deleted project comes back after its secrets were purged, then it gets fresh secrets and a working agent token', async () => {
    const old = await projectSecrets(l.deps, l.deps.registry, 'gone');
    await l.deps.registry.pool.query(
      `update project_secrets set purge_after = now() - interval '1 day' where project = 'gone'`,
    );
    expect(await l.deps.registry.purgeExpiredSecrets()).toBe(1);
    expect(await l.deps.registry.selectSecrets('gone')).toBeUndefined();
    const { enrollment, ip } = await enrollProject('gone');
    const fresh = await projectSecrets(l.deps, l.deps.registry, 'gone');
    expect(fresh.anon_key).not.toBe(old.anon_key);
    expect(enrollment.agent.token).toBe(fresh.agent_token);
    const hb = await callFrom(ip, `http://127.0.0.1:${agentPort}/v1/agent/heartbeat`, {
      method: 'POST',
      headers: { authorization: `Bearer ${enrollment.agent.token}` },
      body: heartbeat('gone', 1),
    });
    expect(hb.status).toBe(200);
  });

  it('when a deleted project comes back within the retention, then its old secrets are reused', async () => {
    const before = await projectSecrets(l.deps, l.deps.registry, 'gone');
    await request(pub).delete('/v1/projects/gone').set('Authorization', `Bearer ${write}`);
    const r = await put('gone', spec('gone'));
    expect(r.status).toBe(201);
    expect(await projectSecrets(l.deps, l.deps.registry, 'gone')).toEqual(before);
    expect(r.body.project.spec).toEqual(spec('gone'));
  });

  it('when every mutation so far is read back, then each has an audit row naming its actor', async () => {
    const audit = await l.deps.registry.listAudit();
    const actions = new Set(audit.map((a) => a.action));
    for (const a of [
      'project.create',
      'project.update',
      'project.enroll',
      'project.delete',
      'routes.reconcile',
      'routes.remove',
      'command.backup',
      'command.restart',
      'command.result',
      'project.credentials',
    ]) {
      expect(actions).toContain(a);
    }
    expect(audit.find((a) => a.action === 'project.create')?.actor).toEqual({
      kind: 'token',
      name: 'ci-writer',
      id: expect.any(String),
    });
  });

  it('when the logs are searched, then no generated secret, token or key appears in them', async () => {
    const logs = l.logs.text();
    expect(logs.length).toBeGreaterThan(0);
    const names = [
      'acme',
      'blog',
      'shop',
      'pulse',
      'noisy',
      'safe',
      'reuse',
      'flaky',
      'late',
      'gone',
      'rebuilt',
      'holder',
      'intruder',
    ];
    const values = [...handedOut];
    for (const n of names) values.push(...secretValues(await projectSecrets(l.deps, l.deps.registry, n)));
    for (const v of values) expect(logs).not.toContain(v);
  });
});

describe.skipIf(skip !== undefined)('master API limits', () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await startLab();
  });
  afterAll(async () => {
    await lab?.close();
  });

  it('when the network is full, then the next project gets a clear 409', async () => {
    const l = await lab.newDeps({ cidr: '127.101.0.0/29' });
    const app = createApp(l.deps, 'public');
    const w = await l.token('write');
    for (let i = 0; i < 5; i++) {
      const r = await request(app)
        .put(`/v1/projects/fill-${i}`)
        .set('Authorization', `Bearer ${w}`)
        .send(spec(`fill-${i}`));
      expect(r.status).toBe(201);
    }
    const r = await request(app)
      .put('/v1/projects/fill-5')
      .set('Authorization', `Bearer ${w}`)
      .send(spec('fill-5'));
    expect(r.status).toBe(409);
    expect(r.body.error).toMatchObject({ code: 'network_full' });
    expect(r.body.error.message).toMatch(/127\.101\.0\.0\/29 is full/);
    expect(await l.deps.registry.getProject('fill-5')).toBeUndefined();
  });

  it('when a public endpoint is called past its rate limit, then 429 with Retry-After', async () => {
    const l = await lab.newDeps({ settings: { publicRateLimitPerMinute: 3 } });
    const app = createApp(l.deps, 'public');
    const codes: number[] = [];
    for (let i = 0; i < 4; i++) codes.push((await request(app).get('/badges/none.json')).status);
    expect(codes).toEqual([404, 404, 404, 429]);
    const r = await request(app).get('/badges/none.json');
    expect(r.body.error.code).toBe('rate_limited');
    expect(Number(r.headers['retry-after'])).toBeGreaterThan(0);
  });
});
